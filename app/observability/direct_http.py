"""Envelopes posted over one kept-alive HTTP/1.1 connection per sending thread, on http.client.

The SDK posts each envelope through a urllib3 `PoolManager`: URL parsing, a pool look-up by
key, retry bookkeeping, a response wrapper and several socket calls per request, each of which
lets go of the GIL and must take it back from the request threads. That was about 200 us of
CPU per envelope on the transport's thread, for a request that goes to one fixed URL. This
sends it with the standard library's `http.client` instead, on a connection each sending
thread keeps open, with the SDK's own TLS settings (`ca_certs`, `cert_file`/`key_file`, the
same environment variables), socket options and our timeout. It is used only where the SDK
would connect directly: with a proxy configured, the SDK's pool sends (see
`TransportHooks.direct_target`).

A connection the server closed while it was idle fails on its next use: the envelope is then
sent once more on a new connection. A connection that cannot be made is not retried.
"""

import http.client
import ssl
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class DirectResponse:
    """What the SDK reads of an answer: status, headers (rate limits) and body (logged on
    errors, as urllib3's `data`)."""

    status: int
    headers: Message
    data: bytes

    def close(self) -> None:
        """The body is already read and the connection kept: nothing to release."""


class DirectSender:
    """POSTs to one URL, each sending thread over a connection of its own, kept open."""

    def __init__(self, url: str, pool_options: dict[str, Any], timeout: float) -> None:
        parts = urlsplit(url)
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.host = parts.hostname or ""
        self.port = parts.port
        self.timeout = timeout
        self.socket_options = tuple(pool_options.get("socket_options") or ())
        self.context = tls_context(pool_options) if parts.scheme == "https" else None
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()

    def post(self, body: bytes, headers: dict[str, str]) -> DirectResponse:
        kept = getattr(self._local, "connection", None)
        try:
            return self._exchange(kept or self._connect(), body, headers)
        except ConnectionError:
            if kept is None:
                raise
        # The kept connection was closed by the server while idle: once more, on a new one.
        return self._exchange(self._connect(), body, headers)

    def close(self) -> None:
        """Close every thread's connection (at the transport's end)."""
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()

    def _connect(self) -> http.client.HTTPConnection:
        connection: _Connection | _TLSConnection
        if self.context is not None:
            connection = _TLSConnection(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            connection = _Connection(self.host, self.port, timeout=self.timeout)
        connection.socket_options = self.socket_options
        with self._lock:
            self._open.add(connection)
        return connection

    def _exchange(
        self, connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
    ) -> DirectResponse:
        self._local.connection = None  # kept again only after a whole, reusable answer
        try:
            connection.request("POST", self.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = DirectResponse(response.status, response.headers, response.read())
        except BaseException:
            self._drop(connection)
            raise
        if response.will_close:
            self._drop(connection)
        else:
            self._local.connection = connection
        return answer

    def _drop(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        with self._lock:
            self._open.discard(connection)


class _SocketOptions:
    """Sets the SDK's socket options (TCP keep-alive) once the socket is connected."""

    socket_options: tuple[tuple[int, int, Any], ...] = ()
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        for level, option, value in self.socket_options:
            self.sock.setsockopt(level, option, value)


class _Connection(_SocketOptions, http.client.HTTPConnection):
    pass


class _TLSConnection(_SocketOptions, http.client.HTTPSConnection):
    pass


def tls_context(pool_options: dict[str, Any]) -> ssl.SSLContext:
    """Certificate checks as the SDK's urllib3 pool makes them: its CA bundle (`ca_certs`,
    else SSL_CERT_FILE, REQUESTS_CA_BUNDLE or certifi's), the client certificate if any,
    host names verified."""
    context = ssl.create_default_context(cafile=pool_options.get("ca_certs"))
    if pool_options.get("cert_file"):
        context.load_cert_chain(pool_options["cert_file"], pool_options.get("key_file"))
    return context
