"""Pieces shared by the benchmark modes: configurations, endpoints, a raw ASGI call, the sink."""

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Imported as scripts.bench_support (bench.py, bench_peers.py) and as bench_support (scripts
# run with scripts/ as their first path entry): the sibling import follows suit.
if __package__:
    from .bench_sinks import start_sink, stop_sink
else:
    from bench_sinks import start_sink, stop_sink

ROOT = Path(__file__).resolve().parent.parent
# SQLite files on tmpfs where there is one: disk flushes from other processes on a shared
# machine otherwise dominate the write path's variance, and they are not what we measure.
TMP_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"

# name -> Sentry environment variables (empty: Sentry off). The first one is the baseline.
CONFIGS: dict[str, dict[str, Any]] = {
    "off": {"label": "Sentry off (no DSN)", "env": {}},
    "prod": {
        "label": "lean path, production settings: traces 0.1, profiles 0.1",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "0.1", "SENTRY_PROFILES_SAMPLE_RATE": "0.1"},
    },
    "full": {
        "label": "lean path, full sampling: traces 1.0, profiles 1.0",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "1.0"},
    },
    "stock": {
        "label": "reference: stock sentry-sdk Starlette/FastAPI integrations, 0.1 / 0.1",
        "env": {
            "SENTRY_TRACES_SAMPLE_RATE": "0.1",
            "SENTRY_PROFILES_SAMPLE_RATE": "0.1",
            "SENTRY_LEAN_ASGI": "false",
        },
    },
    "stock-full": {
        "label": "reference: stock integrations, traces 1.0, profiles 1.0 (not run by default)",
        "env": {
            "SENTRY_TRACES_SAMPLE_RATE": "1.0",
            "SENTRY_PROFILES_SAMPLE_RATE": "1.0",
            "SENTRY_LEAN_ASGI": "false",
        },
    },
    "prod-traces": {
        "label": "lean path, traces 0.1, no profiling (not run by default)",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "0.1", "SENTRY_PROFILES_SAMPLE_RATE": "0.0"},
    },
    "errors-only": {
        "label": "lean path, errors only: traces 0, profiles 0 (not run by default)",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "0.0", "SENTRY_PROFILES_SAMPLE_RATE": "0.0"},
    },
    "full-traces": {
        "label": "lean path, traces 1.0, no profiling (not run by default)",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0.0"},
    },
    "unsampled": {
        "label": "lean path, tracing on but (almost) nothing sampled: what `prod` pays on nine "
        "requests in ten (not run by default)",
        "env": {"SENTRY_TRACES_SAMPLE_RATE": "0.000001", "SENTRY_PROFILES_SAMPLE_RATE": "0.1"},
    },
}
DEFAULT_CONFIGS = ["off", "prod", "full", "stock"]

# name -> (method, path, JSON body)
ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "GET /api/v1/users/me": ("GET", "/api/v1/users/me", None),
    "POST /api/v1/sessions": ("POST", "/api/v1/sessions", {"title": "Pitch practice"}),
}


def sentry_env(config: str, dsn: str) -> dict[str, str]:
    env = dict(CONFIGS[config]["env"])
    if config != "off":
        env["SENTRY_DSN"] = dsn
    return env


async def call(
    app: Any, method: str, path: str, *, body: Any = None, token: str | None = None
) -> tuple[int, bytes]:
    """One HTTP request straight into the ASGI app; returns status and body."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", b"bench.local"), (b"user-agent", b"bench")]
    if body is not None:
        headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(raw)).encode()))
    if token:
        headers.append((b"authorization", b"Bearer " + token.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench.local", 80),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


PORT_NOTE = "port 80 was taken, so the SDK also instruments its own requests (~50 us each)"


@contextmanager
def sink_process(counts: dict[str, int] | None = None) -> Iterator[str]:
    """A local Sentry sink for the duration; yields its DSN (project 1) and fills `counts`."""
    proc, port = start_sink([sys.executable, str(ROOT / "scripts" / "bench_sinks.py"), "sentry"])
    try:
        yield "http://public@127.0.0.1/1" if port == 80 else f"http://public@127.0.0.1:{port}/1"
    finally:
        received = stop_sink(proc)
        if counts is not None:
            counts.update(received)
        where = "port 80, as sentry.io" if port == 80 else f"port {port}: {PORT_NOTE}"
        print(
            f"(the local Sentry sink received {received.get('requests', 0)} envelopes; {where})",
            file=sys.stderr,
        )
