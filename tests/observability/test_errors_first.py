"""Errors first: under a flood of traced requests and a slow Sentry, every error arrives."""

import logging
import time

import sentry_sdk
from werkzeug import Request, Response

from app.core.sentry import flush
from scripts.fakes.sick_sentry import SickSentry

ROUNDS = 5
TRACED_PER_ROUND = 15
SENTRY_ANSWER_S = 0.05  # slower than the app: the queue fills with transactions


def _slow(_request: Request) -> Response:
    time.sleep(SENTRY_ANSWER_S)
    return Response('{"id":"ok"}', status=200, content_type="application/json")


def test_every_error_arrives_at_traces_1_under_a_flood_with_a_slow_sentry(
    client_factory, sentry_inbox, lean
):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_lean_asgi=lean,
        sentry_transport_queue_size=10,
        sentry_debug_rate_limit="1000/minute",
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
    )
    sentry_inbox.respond = _slow

    error_ids = []
    for _ in range(ROUNDS):
        error_ids.append(client.get("/sentry-debug").json()["event_id"])
        for _ in range(TRACED_PER_ROUND):
            client.get("/api/v1/users/me")
    sentry_sdk.flush(timeout=ROUNDS * SENTRY_ANSWER_S * 4)

    arrived = {event["event_id"] for event in sentry_inbox.events()}
    assert [event_id in arrived for event_id in error_ids] == [True] * ROUNDS
    dropped = sentry_sdk.get_client().transport.drop_summary()
    assert dropped.get("queue_overflow/transaction", 0) > 0, dropped  # it was a flood
    assert dropped.get("queue_overflow/error", 0) == 0, dropped


def test_events_lost_in_the_shutdown_flush_are_counted_and_logged(client_factory, caplog):
    sentry = SickSentry("hang")
    try:
        client = client_factory(
            sentry_dsn=sentry.dsn,
            sentry_traces_sample_rate=0.0,
            sentry_debug_rate_limit="1000/minute",
            sentry_shutdown_timeout=0.3,
        )
        for _ in range(3):
            assert client.get("/sentry-debug").status_code == 500
        with caplog.at_level(logging.WARNING, logger="app.observability.transport"):
            flush(0.3)  # what the app's shutdown calls

        lost = sentry_sdk.get_client().transport.drop_summary()
        assert lost.get("shutdown_flush/error") == 3, lost
        assert "Sentry shutdown flush timed out (shutdown_flush)" in caplog.text
    finally:
        sentry.stop()
