"""Log lines and Sentry events lead to each other: trace and event ids on every line, one event
per error."""

import asyncio
import json
import logging
import re

from app.core.sentry import capture_exception, start_transaction

logger = logging.getLogger("app.services.example")


def _fail() -> None:
    raise ValueError("the coach lost its voice")


def test_logger_exception_is_one_event_and_its_line_carries_the_ids(
    sentry_client, sentry_inbox, caplog
):
    with start_transaction("lesson", op="task") as transaction:
        try:
            _fail()
        except ValueError:
            logger.exception("Lesson failed")

    [event] = sentry_inbox.events()
    [record] = [r for r in caplog.records if r.getMessage() == "Lesson failed"]
    assert record.event_id == event["event_id"]
    assert record.trace_id == transaction.trace_id == event["contexts"]["trace"]["trace_id"]
    assert event["logentry"]["message"] == "Lesson failed"
    assert event["exception"]["values"][-1]["type"] == "ValueError"


def test_an_error_captured_then_logged_is_sent_once(sentry_client, sentry_inbox, caplog):
    try:
        _fail()
    except ValueError as exc:
        event_id = capture_exception(exc)
        logger.exception("Lesson failed, already reported")

    assert [e["event_id"] for e in sentry_inbox.events()] == [event_id]
    [record] = [r for r in caplog.records if r.getMessage().startswith("Lesson failed")]
    assert record.event_id == event_id


def test_plain_lines_carry_the_trace_id_and_no_stale_event_id(sentry_client, sentry_inbox, caplog):
    with caplog.at_level(logging.INFO):
        with start_transaction("lesson", op="task") as transaction:
            logger.info("Lesson started")
        logger.info("Outside any request")

    started, outside = (r for r in caplog.records if r.name == logger.name)
    assert started.trace_id == transaction.trace_id
    assert started.event_id == "-"
    assert re.fullmatch(r"[0-9a-f]{32}", outside.trace_id)
    assert outside.event_id == "-"
    assert sentry_inbox.events() == []  # INFO lines are breadcrumbs, not events


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
