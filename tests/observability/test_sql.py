"""SQL queries in Sentry: a breadcrumb on every error, even when nothing is traced."""

import pytest
from sqlalchemy.engine import Engine

from tests.support.auth import register_and_login
from tests.support.database import drop_session_tables


@pytest.mark.both_backends
def test_unsampled_request_error_carries_its_queries_as_breadcrumbs(
    client_factory, sentry_inbox, database_url
):
    # No transaction is sampled, so queries make no spans; the breadcrumbs still explain the
    # error, including the failing query itself.
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    headers = register_and_login(client)
    drop_session_tables(database_url)

    response = client.get("/api/v1/sessions", headers=headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    queries = [c["message"] for c in event["breadcrumbs"]["values"] if c["category"] == "query"]
    assert any("FROM users" in q for q in queries)  # get_current_user's read
    assert any("coaching_sessions" in q for q in queries)  # the query that failed
    assert sentry_inbox.transactions() == []


@pytest.mark.both_backends
def test_a_sampled_failing_query_is_a_closed_span_marked_failed(
    sentry_client, sentry_inbox, database_url
):
    headers = register_and_login(sentry_client)
    drop_session_tables(database_url)

    response = sentry_client.get("/api/v1/sessions", headers=headers)

    assert response.status_code == 500
    [transaction] = [
        t for t in sentry_inbox.transactions() if t["transaction"] == "/api/v1/sessions"
    ]
    db_spans = [s for s in transaction["spans"] if s["op"] == "db"]
    [failed] = [s for s in db_spans if "coaching_sessions" in s["description"]]
    assert failed["status"] == "internal_error"
    assert failed["timestamp"] >= failed["start_timestamp"]
    assert any("FROM users" in s["description"] and "status" not in s for s in db_spans)


def test_sentry_adds_no_listener_that_every_connection_must_join(sentry_client):
    # A connection-level listener (before/after_cursor_execute) makes each new Connection join
    # its event dispatcher with the engine's: ~30 % of what Sentry added to an unsampled
    # request. The query spans and breadcrumbs listen on the dialect instead.
    assert register_and_login(sentry_client)  # queries ran with Sentry on
    engine = sentry_client.app.state.engine
    with engine.connect() as connection:
        assert not (Engine._has_events or engine._has_events or connection._has_events)
