"""A local stand-in for Sentry's ingestion endpoint that keeps what the SDK really sends.

The SDK posts envelopes over HTTP to `/api/<project>/envelope/`, compressed with gzip or
brotli. The inbox decodes them with the SDK's own envelope parser, so the tests read the
events exactly as Sentry would.
"""

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import sentry_sdk
from pytest_httpserver import HTTPServer
from sentry_sdk.envelope import Envelope, Item
from werkzeug import Request, Response

from scripts.fakes.encoding import decode_body

ENVELOPE_PATH = re.compile(r"^/api/\d+/envelope/$")
Responder = Callable[[Request], Response]


def _accepted(_request: Request) -> Response:
    return Response('{"id":"ok"}', status=200, content_type="application/json")


def _json(item: Item) -> Any:
    # The SDK's parser decodes events and transactions; other JSON items (sessions, client
    # reports) stay bytes.
    if item.payload.json is not None:
        return item.payload.json
    if item.headers.get("content_type") == "application/json":
        return json.loads(item.payload.get_bytes())
    return None


class SentryInbox:
    """Records every envelope posted to it; `respond` changes how it answers."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.raw_bodies: list[bytes] = []
        self.envelopes: list[Envelope] = []
        self.respond: Responder = _accepted
        self._lock = threading.Lock()
        server.expect_request(ENVELOPE_PATH).respond_with_handler(self._handle)

    @property
    def dsn(self) -> str:
        return f"http://public@{self.server.host}:{self.server.port}/1"

    def _handle(self, request: Request) -> Response:
        body = decode_body(request.get_data(), request.headers.get("Content-Encoding", ""))
        with self._lock:
            self.raw_bodies.append(body)
            self.envelopes.append(Envelope.deserialize(body))
        return self.respond(request)

    def clear(self) -> None:
        with self._lock:
            self.raw_bodies.clear()
            self.envelopes.clear()
        self.respond = _accepted

    def items(self, item_type: str) -> list[dict[str, Any]]:
        with self._lock:
            envelopes = list(self.envelopes)
        payloads = [
            _json(item)
            for envelope in envelopes
            for item in envelope.items
            if item.type == item_type
        ]
        return [payload for payload in payloads if payload is not None]

    def events(self) -> list[dict[str, Any]]:
        """Error and message events, after flushing the SDK's queue."""
        sentry_sdk.flush(timeout=5)
        return self.items("event")

    def transactions(self) -> list[dict[str, Any]]:
        sentry_sdk.flush(timeout=5)
        return self.items("transaction")

    def event(self, event_id: str) -> dict[str, Any]:
        """The one event with this id; fails the test if it never arrived."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["event_id"] == event_id]
            if found:
                assert len(found) == 1, f"event {event_id} arrived {len(found)} times"
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no event {event_id} reached the Sentry endpoint")

    def all_bytes(self) -> bytes:
        sentry_sdk.flush(timeout=5)
        with self._lock:
            return b"\n".join(self.raw_bodies)
