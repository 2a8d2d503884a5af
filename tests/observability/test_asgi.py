"""The lean Sentry request path, proven from the envelopes the SDK really posts to the inbox."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from app.observability.asgi import SentryRequestMiddleware
from tests.support.auth import register_and_login
from tests.support.database import drop_session_tables

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN_ID = "1234567890abcdef"


def test_transaction_is_named_by_route_template_with_status_user_and_db_spans(
    sentry_client, sentry_inbox
):
    headers = register_and_login(sentry_client)
    created = sentry_client.post("/api/v1/sessions", json={"title": "Pitch"}, headers=headers)
    session_id = created.json()["id"]

    response = sentry_client.get(f"/api/v1/sessions/{session_id}", headers=headers)

    assert response.status_code == 200
    transactions = sentry_inbox.transactions()
    [transaction] = [t for t in transactions if t["transaction"] == "/api/v1/sessions/{session_id}"]
    assert transaction["transaction_info"] == {"source": "route"}
    trace = transaction["contexts"]["trace"]
    assert trace["op"] == "http.server"
    assert trace["status"] == "ok"
    assert transaction["contexts"]["response"]["status_code"] == 200
    assert transaction["user"]["id"] == "1"
    assert transaction["user"]["email"] == "ada@example.com"
    db_spans = [s for s in transaction["spans"] if s["op"] == "db"]
    assert any("coaching_sessions" in s["description"] for s in db_spans)
    assert transaction["request"]["method"] == "GET"
    assert transaction["request"]["headers"]["authorization"] == "[Filtered]"
    assert "/api/v1/sessions" in {t["transaction"] for t in transactions}  # the POST, by template


@pytest.mark.both_backends
def test_error_event_carries_request_data_body_user_and_route_once(
    sentry_client, sentry_inbox, database_url
):
    headers = register_and_login(sentry_client)
    drop_session_tables(database_url)

    response = sentry_client.post(
        "/api/v1/sessions?source=app", json={"title": "Interview prep"}, headers=headers
    )

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    event = sentry_inbox.event(body["event_id"])
    request = event["request"]
    assert request["method"] == "POST"
    assert request["url"] == "http://testserver/api/v1/sessions"
    assert request["query_string"] == "source=app"
    assert request["data"] == {"title": "Interview prep"}
    assert request["headers"]["authorization"] == "[Filtered]"
    assert event["transaction"] == "/api/v1/sessions"
    assert event["user"]["email"] == "ada@example.com"
    assert event["exception"]["values"][-1]["mechanism"]["handled"] is False
    assert len(sentry_inbox.events()) == 1  # the escaping exception is not sent twice
    [transaction] = [
        t for t in sentry_inbox.transactions() if t["transaction"] == "/api/v1/sessions"
    ]
    assert transaction["contexts"]["trace"]["status"] == "internal_error"
    assert transaction["contexts"]["trace"]["trace_id"] == event["contexts"]["trace"]["trace_id"]


async def _failing_requests(
    app: FastAPI, headers_by_user: dict[str, dict[str, str]], rounds: int
) -> list[tuple[str, httpx.Response]]:
    """Every user's GET /api/v1/sessions, `rounds` times each, all in flight at once."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        calls = [
            (user, client.get("/api/v1/sessions", headers=headers))
            for _ in range(rounds)
            for user, headers in headers_by_user.items()
        ]
        responses = await asyncio.gather(*(call for _, call in calls))
    return [(user, response) for (user, _), response in zip(calls, responses, strict=True)]


@pytest.mark.both_backends
def test_user_context_never_bleeds_across_concurrent_requests(
    sentry_client, sentry_inbox, database_url
):
    headers_by_user = {
        email: register_and_login(sentry_client, email=email, name=email.split("@")[0])
        for email in ("ada@example.com", "bob@example.com", "cy@example.com")
    }
    drop_session_tables(database_url)

    results = asyncio.run(_failing_requests(sentry_client.app, headers_by_user, rounds=3))

    events = {event["event_id"]: event for event in sentry_inbox.events()}
    assert len(results) == len(events) == 9
    for email, response in results:
        assert response.status_code == 500
        event = events[response.json()["event_id"]]
        assert event["user"]["email"] == email
        # Its own request's breadcrumb, nobody else's.
        [auth] = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "auth"]
        assert auth["message"] == "Authenticated request"
        assert str(auth["data"]["user_id"]) == event["user"]["id"]


def test_outgoing_http_calls_carry_the_request_trace(client_factory, sentry_inbox, httpserver):
    """What the OpenAI client relies on: the SDK's httpx2 integration sees our trace.

    It is enabled with the OpenAI key: no key, no OpenAI calls, and no integration either.
    """
    import httpx2
    from fastapi.testclient import TestClient

    from app.observability.asgi import install_request_middleware
    from tests.support.settings import make_settings

    sentry_on = {
        "sentry_dsn": sentry_inbox.dsn,
        "sentry_traces_sample_rate": 1.0,
        "openai_api_key": "sk-test-outgoing-trace",
    }
    client_factory(**sentry_on)
    httpserver.expect_request("/upstream").respond_with_json({"ok": True})
    upstream = FastAPI()

    @upstream.get("/calls/{name}")
    def call_out(name: str) -> dict:
        return httpx2.get(httpserver.url_for("/upstream"), timeout=5).json()

    install_request_middleware(upstream, make_settings(**sentry_on))
    with TestClient(upstream) as client:
        incoming = {"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-1"}
        response = client.get("/calls/x", headers=incoming)

    assert response.json() == {"ok": True}
    [(request, _)] = httpserver.log
    assert request.headers["sentry-trace"].startswith(TRACE_ID + "-")
    assert f"sentry-trace_id={TRACE_ID}" in request.headers["baggage"]
    [transaction] = sentry_inbox.transactions()
    assert transaction["transaction"] == "/calls/{name}"
    [http_span] = [s for s in transaction["spans"] if s["op"] == "http.client"]
    assert request.headers["sentry-trace"].split("-")[1] == http_span["span_id"]


@pytest.mark.parametrize("rate", [0.0, 1.0], ids=["untraced", "traced"])
def test_an_exception_escaping_every_handler_is_reported_once_as_unhandled(
    client_factory, sentry_inbox, rate
):
    client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=rate)  # Sentry on

    async def escaping(scope, receive, send):  # raised outside the app's 500 handler
        raise RuntimeError("escaped every handler")

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    scope = {"type": "http", "method": "GET", "path": "/outside", "raw_path": b"/outside",
             "query_string": b"", "headers": [], "scheme": "http", "http_version": "1.1",
             "server": ("testserver", 80), "client": ("127.0.0.1", 1), "root_path": ""}  # fmt: skip
    with pytest.raises(RuntimeError):
        asyncio.run(SentryRequestMiddleware(escaping)(scope, receive, send))

    [event] = sentry_inbox.events()
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["mechanism"]) == (
        "RuntimeError",
        {"type": "asgi", "handled": False},
    )
