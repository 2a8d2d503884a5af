"""Release health: every request is a session, sent as the SDK's per-minute aggregates."""

import json

import sentry_sdk

from tests.support.auth import register_and_login


def _aggregates(sentry_inbox) -> list[dict]:
    sentry_inbox.events()  # flushes the SDK, the session aggregates included
    return [
        json.loads(item.payload.get_bytes())
        for envelope in list(sentry_inbox.envelopes)
        for item in envelope.items
        if item.type == "sessions"
    ]


def test_each_request_is_counted_once_in_the_release_and_environment_aggregate(
    client_factory, sentry_inbox
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    headers = register_and_login(client)
    sentry_inbox.events()
    sentry_inbox.clear()

    for _ in range(3):
        assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    assert client.get("/sentry-debug").status_code == 500

    [aggregate] = _aggregates(sentry_inbox)
    assert aggregate["attrs"]["release"].startswith("genai-coach-backend@")
    assert aggregate["attrs"]["environment"]
    counts: dict[str, int] = {}
    for bucket in aggregate["aggregates"]:
        assert bucket["started"].endswith(":00.000000Z")  # one bucket per minute
        for state in ("exited", "errored", "crashed", "abnormal"):
            counts[state] = counts.get(state, 0) + bucket.get(state, 0)
    assert counts["exited"] == 3
    assert counts["errored"] + counts["crashed"] == 1
    assert counts["abnormal"] == 0


def test_no_sessions_are_sent_when_auto_session_tracking_is_off_for_the_scope(
    client_factory, sentry_inbox
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    sentry_inbox.events()
    sentry_inbox.clear()
    sentry_sdk.get_isolation_scope().stop_auto_session_tracking()
    try:
        assert client.get("/health").status_code == 200
        assert _aggregates(sentry_inbox) == []
    finally:
        sentry_sdk.get_isolation_scope().resume_auto_session_tracking()
