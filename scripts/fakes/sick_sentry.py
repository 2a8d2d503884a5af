"""A local Sentry ingestion endpoint that misbehaves on purpose, one way per server.

Modes: "healthy" (200), "hang" (accepts the connection, never answers), "slow" (answers after
30 s), "ratelimit" (429 with Retry-After and X-Sentry-Rate-Limits), "error500", "unauthorized"
(401, a revoked key), "refused" (nothing listens on the port). Every server also keeps the
bodies it received, decoded, so it can stand in for a Spotlight sidecar's `/stream` too.
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scripts.fakes.encoding import decode_body

MODES = ("healthy", "hang", "slow", "ratelimit", "error500", "unauthorized", "refused")
SLOW_ANSWER_S = 30.0
RATE_LIMIT_HEADERS = {
    "Retry-After": "60",
    "X-Sentry-Rate-Limits": "60:error;transaction;span:organization:usage_exceeded",
}
STATUS = {"healthy": 200, "slow": 200, "ratelimit": 429, "error500": 500, "unauthorized": 401}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.lock:
            self.server.bodies.append(decode_body(body, self.headers.get("Content-Encoding", "")))
        mode = self.server.mode
        if mode == "hang":
            self.server.stopping.wait()  # keep the socket open, say nothing
            return
        if mode == "slow":
            self.server.stopping.wait(SLOW_ANSWER_S)
        self.send_response(STATUS[mode])
        for name, value in (RATE_LIMIT_HEADERS if mode == "ratelimit" else {}).items():
            self.send_header(name, value)
        payload = b'{"id":"ok"}' if STATUS[mode] == 200 else b'{"detail":"no"}'
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on a slow answer is the point, not an error


class SickSentry:
    """One endpoint in one mode; `dsn` points the SDK at it."""

    def __init__(self, mode: str) -> None:
        assert mode in MODES, mode
        self.mode = mode
        self._server: _Server | None = None
        if mode == "refused":
            self.port = free_port()
        else:
            self._server = _Server(mode)
            self.port = self._server.server_address[1]
            # shutdown() waits for the loop's next poll: 0.5 s by default, for every stop.
            serve = self._server.serve_forever
            threading.Thread(target=serve, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bodies(self) -> list[bytes]:
        if self._server is None:
            return []
        with self._server.lock:
            return list(self._server.bodies)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stopping.set()
            self._server.shutdown()
            self._server.server_close()


def free_port() -> int:
    """A port nothing listens on: bound once by us, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
