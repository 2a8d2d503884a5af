"""Logs that lead to Sentry and back; Spotlight as the local viewer, with our rules kept."""

import logging
import re

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope

from app.core.config import ConfigError
from app.core.sentry import capture_exception, start_transaction
from tests.fakes.sick_sentry import SickSentry

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


def test_log_level_comes_from_the_settings(client_factory):
    client_factory(log_level="warning")
    assert logging.getLogger().level == logging.WARNING


def _sidecar_items(sidecar: SickSentry, item_type: str) -> list[dict]:
    sentry_sdk.flush(timeout=2)
    return [
        item.payload.json
        for body in sidecar.bodies()
        for item in Envelope.deserialize(body).items
        if item.type == item_type and item.payload.json is not None
    ]


def test_spotlight_without_a_dsn_gets_events_with_our_scrubbing_and_sampling(client_factory):
    sidecar = SickSentry("healthy")  # stands in for the sidecar's /stream
    try:
        client = client_factory(
            sentry_spotlight=f"{sidecar.url}/stream",
            sentry_traces_sample_rate=0.0,
            sentry_debug_rate_limit="1000/minute",
        )
        response = client.get(
            "/sentry-debug?token=abc", headers={"Authorization": "Bearer secret-jwt-value"}
        )

        assert response.status_code == 500
        [event] = _sidecar_items(sidecar, "event")
        assert event["event_id"] == response.json()["event_id"]
        # The SDK turns on PII and samples 100 % when there is no DSN; ours win.
        assert sentry_sdk.get_client().should_send_default_pii() is False
        assert _sidecar_items(sidecar, "transaction") == []
        # before_send still scrubs: the request's token and Authorization header are filtered.
        request = event["request"]
        assert request["query_string"] == "token=[Filtered]"
        assert request["headers"].get("Authorization", "[Filtered]") == "[Filtered]"
        assert b"token=abc" not in b"\n".join(sidecar.bodies())
    finally:
        sidecar.stop()


def test_spotlight_flag_means_the_default_sidecar(settings_factory):
    with pytest.raises(ConfigError, match="SENTRY_SPOTLIGHT"):
        settings_factory(sentry_spotlight="maybe")
    assert settings_factory(sentry_spotlight="1").spotlight_url == "http://localhost:8969/stream"
    assert settings_factory(sentry_spotlight="false").spotlight_url is None
    assert settings_factory(sentry_spotlight="false").sentry_enabled is False
