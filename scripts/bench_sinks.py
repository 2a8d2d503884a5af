"""Local telemetry sinks for the benchmarks: each counts what it receives and answers at once.

    python scripts/bench_sinks.py <kind>    # prints its port; on stdin EOF, its counts as JSON

Run by the benchmarks with the interpreter of the client they serve, so that each sink can decode
its client's wire format (Sentry envelopes, OTLP protobuf, Elastic's NDJSON, Datadog msgpack).
"""

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.fakes.encoding import decode_body


class CountingSink(BaseHTTPRequestHandler):
    """A local telemetry endpoint: reads each request, counts what it holds, answers at once.

    Subclasses say how to count a decoded body (`count`) and what to answer to GETs (`info`).
    """

    # Keep-alive, as real ingestion endpoints are: one connection per request would cost the
    # client a TCP handshake each time and this sink a thread each time.
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY each answer waits for the client's delayed ACK (~40 ms): Sentry's one
    # transport thread then sends ~25 envelopes a second, its queue overflows, and most of
    # the sending work (serializing, compressing, the HTTP request) is silently skipped.
    disable_nagle_algorithm = True
    counts: Counter = Counter()
    answer = b'{"id":"ok"}'

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.counts["requests"] += 1
        try:
            self.count(self.path, decode_body(body, self.headers.get("Content-Encoding", "")))
        except Exception:  # an unreadable payload is counted, never fatal
            self.counts["unreadable"] += 1
        self._reply(self.answer)

    do_PUT = do_POST

    def do_GET(self) -> None:
        self._reply(self.info(self.path))

    def count(self, path: str, body: bytes) -> None:
        pass

    def info(self, path: str) -> bytes:
        return b"{}"

    def _reply(self, body: bytes) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        self.wfile.write(head % len(body) + body)  # one write: status line, headers and body

    def log_message(self, *args: Any) -> None:
        pass


class SentrySink(CountingSink):
    """Counts envelopes and their items per project id, so each configuration can have its own."""

    counts: Counter = Counter()

    def count(self, path: str, body: bytes) -> None:
        project = path.split("/")[2] if path.startswith("/api/") else "?"
        self.counts[f"{project} envelopes"] += 1
        for kind, payload in envelope_items(body):
            self.counts[f"{project} {kind}"] += 1
            if kind == "transaction":
                spans = len(json.loads(payload).get("spans", []))
                self.counts[f"{project} spans"] += 1 + spans


def envelope_items(body: bytes) -> Iterator[tuple[str, bytes]]:
    """(item type, payload) for each item of a Sentry envelope."""
    rest = body.partition(b"\n")[2]
    while rest:
        line, _, rest = rest.partition(b"\n")
        if not line.strip():
            continue
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        yield header.get("type", "?"), payload


class _SinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker that exits mid keep-alive resets its connection: not news


def run_sink(handler: type[CountingSink] = SentrySink, *, port_80: bool = True) -> None:
    """Serve `handler` on 127.0.0.1; print the port, then, on stdin EOF, the counts as JSON.

    Sentry's sink takes port 80 when it can (a DSN without a port, like sentry.io's):
    sentry-sdk recognises its own requests by `DSN netloc in host`, which fails when the DSN has
    a port, and then instruments them as outgoing HTTP (a span, a breadcrumb and trace headers
    per envelope, ~50 us) - a cost production does not pay. Otherwise any free port, and the
    benchmark says so.
    """
    try:
        server = _SinkServer(("127.0.0.1", 80 if port_80 else 0), handler)
    except OSError:
        server = _SinkServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    print(json.dumps(handler.counts), flush=True)


def start_sink(command: list[str]) -> tuple[subprocess.Popen, int]:
    """Start a sink process (one that runs `run_sink`); returns it and its port."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return proc, int(proc.stdout.readline())


def stop_sink(proc: subprocess.Popen) -> dict[str, int]:
    """Stop a sink process; returns what it counted."""
    out, _ = proc.communicate("", timeout=30)
    return json.loads(out)


SPAN_KIND_SERVER = 2  # OTLP's Span.SpanKind: the span of a request the service answered


class OtlpSink(CountingSink):
    """OTLP/HTTP (protobuf): spans and distinct traces on /v1/traces; other signals by path."""

    counts: Counter = Counter()

    def count(self, path: str, body: bytes) -> None:
        if path != "/v1/traces":
            self.counts[path] += 1
            return
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        request = ExportTraceServiceRequest.FromString(body)
        spans = [s for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
        self.counts["spans"] += len(spans)
        self.counts["traces"] += sum(1 for s in spans if not s.parent_span_id)
        self.counts["server spans"] += sum(1 for s in spans if s.kind == SPAN_KIND_SERVER)


class ElasticSink(CountingSink):
    """Elastic APM server intake: NDJSON events (metadata, transaction, span, metricset...)."""

    counts: Counter = Counter()
    answer = b"{}"

    def count(self, path: str, body: bytes) -> None:
        for line in body.splitlines():
            if line.strip():
                self.counts[next(iter(json.loads(line)))] += 1

    def info(self, path: str) -> bytes:
        # An 8.x server: agents then drop unsampled transactions instead of sending them.
        return b'{"version": "8.15.0"}'


class DatadogSink(CountingSink):
    """A Datadog agent's trace endpoint: msgpack traces (v0.4 or v0.5)."""

    counts: Counter = Counter()
    answer = b'{"rate_by_service": {}}'

    def count(self, path: str, body: bytes) -> None:
        if not path.endswith("/traces"):
            self.counts[path] += 1
            return
        import msgpack

        payload = msgpack.unpackb(body, strict_map_key=False)
        if path.startswith("/v0.5/"):  # [strings, traces]; a span is an array, its type at 11
            strings, traces = payload
            types = [strings[span[11]] for trace in traces for span in trace]
        else:
            traces = payload
            types = [span.get("type") for trace in traces for span in trace]
        self.counts["traces"] += len(traces)
        self.counts["spans"] += len(types)
        self.counts["web spans"] += types.count("web")

    def info(self, path: str) -> bytes:
        endpoints = ["/v0.4/traces", "/v0.5/traces"]
        return json.dumps({"version": "7.60.0", "endpoints": endpoints}).encode()


SINKS: dict[str, type[CountingSink]] = {
    "sentry": SentrySink,
    "otlp": OtlpSink,
    "elastic": ElasticSink,
    "datadog": DatadogSink,
}

if __name__ == "__main__":
    run_sink(SINKS[sys.argv[1]], port_80=sys.argv[1] == "sentry")
