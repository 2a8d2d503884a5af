"""Envelopes go over a kept-alive connection, survive one the server dropped, check TLS
certificates as the SDK would, and take a configured proxy.

The endpoint here speaks HTTP/1.1 with keep-alive, as Sentry does (the shared inbox's server
closes every connection), and remembers which connection brought each envelope.
"""

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sentry_sdk
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sentry_sdk.envelope import Envelope

from app.observability.direct_http import DirectSender
from scripts.fakes.encoding import decode_body

MESSAGES = 4


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "KeepAliveSentry"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        envelope = Envelope.deserialize(decode_body(body, encoding))
        self.server.record(self.client_address[1], self.path, envelope)
        answer = b'{"id":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # Dropped while idle, as a load balancer's idle timeout does: no `Connection: close`.
        self.close_connection = self.server.drop_after_answer

    def log_message(self, format: str, *args: object) -> None:
        pass


class KeepAliveSentry(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, drop_after_answer: bool = False, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.drop_after_answer = drop_after_answer
        self.received: list[tuple[int, str, Envelope]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def record(self, port: int, path: str, envelope: Envelope) -> None:
        with self._lock:
            self.received.append((port, path, envelope))

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def dsn(self, scheme: str = "http") -> str:
        return f"{scheme}://public@127.0.0.1:{self.server_address[1]}/1"

    def messages(self) -> list[str]:
        with self._lock:
            envelopes = [envelope for _, _, envelope in self.received]
        return [
            item.payload.json["message"]
            for envelope in envelopes
            for item in envelope.items
            if item.type == "event"
        ]

    def connections(self) -> set[int]:
        with self._lock:
            return {port for port, _, _ in self.received}


@pytest.fixture
def endpoint() -> Iterator[Callable[..., KeepAliveSentry]]:
    servers: list[KeepAliveSentry] = []

    def start(**kwargs: object) -> KeepAliveSentry:
        servers.append(KeepAliveSentry(**kwargs))  # type: ignore[arg-type]
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def _send_messages(client_factory: Callable[..., object], dsn: str) -> list[str]:
    client_factory(sentry_dsn=dsn, sentry_max_events_per_issue_per_minute=0)
    sent = [f"direct message {n}" for n in range(MESSAGES)]
    for message in sent:
        sentry_sdk.capture_message(message)
        sentry_sdk.flush(timeout=5)  # one at a time: each after the previous answer
    return sent


def _drops() -> dict[str, int]:
    return sentry_sdk.get_client().transport.drop_summary()


def test_envelopes_share_one_kept_alive_connection(client_factory, endpoint):
    sentry = endpoint()

    sent = _send_messages(client_factory, sentry.dsn())

    assert sentry.messages() == sent
    assert len(sentry.connections()) == 1
    assert {path for _, path, _ in sentry.received} == {"/api/1/envelope/"}


def test_a_connection_the_server_dropped_while_idle_loses_nothing(client_factory, endpoint):
    sentry = endpoint(drop_after_answer=True)

    sent = _send_messages(client_factory, sentry.dsn())

    assert sentry.messages() == sent
    assert len(sentry.connections()) == MESSAGES  # a new connection after each drop
    assert _drops() == {}


def test_tls_certificates_are_checked_against_the_sdks_ca_bundle(
    client_factory, endpoint, monkeypatch, tmp_path
):
    server_tls, ca_file = _self_signed_tls(tmp_path)
    sentry = endpoint(tls=server_tls)

    # Unknown issuer: refused, counted as lost, never sent in clear text.
    _send_messages(client_factory, sentry.dsn("https"))
    assert sentry.messages() == []
    assert _drops()["network_error/error"] == MESSAGES

    # SSL_CERT_FILE is one of the SDK's sources for its CA bundle.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    sent = _send_messages(client_factory, sentry.dsn("https"))
    assert sentry.messages() == sent


def test_a_configured_proxy_carries_the_envelopes(client_factory, endpoint, monkeypatch):
    proxy = endpoint()
    monkeypatch.setenv("HTTP_PROXY", proxy.url())

    # Nothing listens at the DSN's own address: only the proxy can deliver.
    sent = _send_messages(client_factory, "http://public@127.0.0.1:9/1")

    assert proxy.messages() == sent
    assert {path for _, path, _ in proxy.received} == {"http://127.0.0.1:9/api/1/envelope/"}


def test_the_sdks_socket_options_are_set_on_each_connection(endpoint):
    sentry = endpoint()
    keep_alive = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    sender = DirectSender(f"{sentry.url()}/api/1/envelope/", {"socket_options": keep_alive}, 5)
    envelope = Envelope()
    envelope.add_event({"message": "with keep-alive probes"})

    answer = sender.post(envelope.serialize(), {"Content-Type": "application/x-sentry-envelope"})

    assert answer.status == 200
    assert sentry.messages() == ["with keep-alive probes"]
    [connection] = sender._open
    assert connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    sender.close()
    assert connection.sock is None


def _self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "local sentry")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "sentry.pem", directory / "sentry.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
