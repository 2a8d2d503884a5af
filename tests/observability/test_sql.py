"""SQL queries in Sentry: a breadcrumb on every error, even when nothing is traced."""

import pytest

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
