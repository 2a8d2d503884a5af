"""Performance budgets, read from the transactions the SDK really posts to a local endpoint."""

import contextlib
import urllib.error
import urllib.request

from app.core.sentry import start_span, start_transaction
from scripts.fakes.sick_sentry import SickSentry

LOGIN = {"email": "nobody@example.com", "password": "wrong-password"}


def _login_transaction(sentry_inbox):
    [transaction] = [
        t for t in sentry_inbox.transactions() if t["transaction"] == "/api/v1/auth/login"
    ]
    return transaction


def test_a_request_and_its_queries_over_budget_are_tagged_with_the_query_source(
    client_factory, sentry_inbox
):
    # A zero budget makes every real query and request "slow", without sleeping.
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_budget_api_ms=0,
        sentry_budget_db_ms=0,
    )

    assert client.post("/api/v1/auth/login", json=LOGIN).status_code == 401

    transaction = _login_transaction(sentry_inbox)
    assert transaction["tags"]["budget.exceeded"] == "api"
    duration = transaction["contexts"]["trace"]["data"]["budget.duration_ms"]
    assert duration > 0
    assert transaction["tags"]["budget.duration_ms"] == str(round(duration))  # searchable as a tag
    assert transaction["tags"]["budget.db"] == "exceeded"
    queries = [span for span in transaction["spans"] if span["op"] == "db"]
    assert queries
    for query in queries:
        assert query["tags"]["budget.exceeded"] == "db"
        assert query["data"]["budget.duration_ms"] > 0
        # sentry-sdk's query source: where in our code the slow query was made.
        assert query["data"]["code.filepath"].startswith("app/")
        assert query["data"]["code.function"]


def test_work_within_budget_is_not_tagged(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_budget_api_ms=60_000,
        sentry_budget_db_ms=60_000,
    )

    assert client.post("/api/v1/auth/login", json=LOGIN).status_code == 401

    transaction = _login_transaction(sentry_inbox)
    assert "budget.exceeded" not in transaction["tags"]
    assert "budget.db" not in transaction["tags"]
    queries = [span for span in transaction["spans"] if span["op"] == "db"]
    assert queries
    assert all("budget.exceeded" not in (span.get("tags") or {}) for span in queries)
    assert all("code.filepath" not in span["data"] for span in queries)


def test_an_external_call_over_budget_is_tagged_but_a_task_is_not_an_api_request(
    client_factory, sentry_inbox
):
    client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_budget_api_ms=0,
        sentry_budget_external_ms=0,
    )
    upstream = SickSentry("error500")  # any local HTTP server: the call itself is what counts
    try:
        with (
            start_transaction("nightly-report", op="task"),
            start_span("function", "report"),
            contextlib.suppress(urllib.error.HTTPError),
        ):  # a real http.client call, traced by the SDK's stdlib integration
            urllib.request.urlopen(urllib.request.Request(upstream.url, data=b"{}"))
    finally:
        upstream.stop()

    [transaction] = [t for t in sentry_inbox.transactions() if t["transaction"] == "nightly-report"]
    calls = [span for span in transaction["spans"] if span["op"] == "http.client"]
    assert len(calls) == 1
    assert calls[0]["tags"]["budget.exceeded"] == "external"
    assert calls[0]["data"]["budget.duration_ms"] > 0
    assert transaction["tags"]["budget.external"] == "exceeded"
    assert "budget.exceeded" not in transaction["tags"]  # a task, not an API request
    [other] = [span for span in transaction["spans"] if span["op"] == "function"]
    assert "budget.exceeded" not in (other.get("tags") or {})
