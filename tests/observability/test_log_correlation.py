"""Inside a request, a log line after an event names it, sampled or not."""

import asyncio
import json
import logging

from app.core.sentry import capture_exception
from tests.support import paths

lean = paths.lean  # the fixture: every test here runs on both request paths
logger = logging.getLogger("app.services.example")


def _get(app, path: str) -> dict:
    """One request straight into the ASGI app, as a server sends it.

    Not through TestClient: its httpx call would open a client span in the test's context, and
    the app would see that span as its own.
    """
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }  # fmt: skip
    body: list[bytes] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return json.loads(b"".join(body))


def test_a_line_after_an_event_in_an_unsampled_request_carries_its_id(
    client_factory, sentry_inbox, caplog, lean
):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0, sentry_lean_asgi=lean
    )

    @client.app.get("/log-test/report-then-log")
    def report_then_log() -> dict[str, str | None]:
        event_id = capture_exception(ValueError("upstream said no"))
        logger.warning("Falling back to the cached answer")
        return {"event_id": event_id}

    with caplog.at_level(logging.INFO):
        event_id = _get(client.app, "/log-test/report-then-log")["event_id"]
        logger.info("After the request")

    assert sentry_inbox.transactions() == []  # not sampled
    during, after = (r for r in caplog.records if r.name == logger.name)
    assert event_id and during.event_id == event_id
    assert after.event_id == "-"  # outside the request, the id belongs to no line
