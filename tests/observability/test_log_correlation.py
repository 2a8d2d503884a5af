"""Log lines and Sentry events lead to each other: trace and event ids on every line, one event
per error."""

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
