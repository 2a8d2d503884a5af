"""The lean Sentry request path, proven from the envelopes the SDK really posts to the inbox."""

import asyncio

import httpx
from fastapi import FastAPI

from tests.support.auth import register_and_login
from tests.support.database import drop_session_tables

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN_ID = "1234567890abcdef"


def test_transaction_is_named_by_route_template_with_status_and_db_spans(
    sentry_client, sentry_inbox
):
    headers = register_and_login(sentry_client)
    created = sentry_client.post("/api/v1/sessions", json={"title": "Pitch"}, headers=headers)
    session_id = created.json()["id"]

    response = sentry_client.get(f"/api/v1/sessions/{session_id}", headers=headers)

    assert response.status_code == 200
    reads = [
        t for t in sentry_inbox.transactions()
        if t["transaction"] == "/api/v1/sessions/{session_id}"
    ]
    assert len(reads) == 1
    transaction = reads[0]
    assert transaction["transaction_info"] == {"source": "route"}
    trace = transaction["contexts"]["trace"]
    assert trace["op"] == "http.server"
    assert trace["status"] == "ok"
    assert transaction["contexts"]["response"]["status_code"] == 200
    assert transaction["user"]["email"] == "ada@example.com"
    db_spans = [s for s in transaction["spans"] if s["op"] == "db"]
    assert any("coaching_sessions" in s["description"] for s in db_spans)
    assert transaction["request"]["method"] == "GET"
    assert transaction["request"]["headers"]["authorization"] == "[Filtered]"
    names = {t["transaction"] for t in sentry_inbox.transactions()}
    assert "/api/v1/sessions" in names  # the POST, by template too


def test_requests_are_traced_with_db_spans(sentry_client, sentry_inbox):
    headers = register_and_login(sentry_client)
    session_id = sentry_client.post("/api/v1/sessions", headers=headers, json={"title": "t"}).json()["id"]
    assert sentry_client.get(f"/api/v1/sessions/{session_id}", headers=headers).status_code == 200

    transactions = {t["transaction"]: t for t in sentry_inbox.transactions()}
    read = transactions["/api/v1/sessions/{session_id}"]
    assert read["contexts"]["trace"]["op"] == "http.server"
    db_spans = [s for s in read["spans"] if s["op"] == "db"]
    assert db_spans and any("coaching_sessions" in s["description"] for s in db_spans)
    assert read["user"]["id"] == "1"


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


def test_user_context_never_bleeds_across_concurrent_requests(
    sentry_client, sentry_inbox, database_url
):
    users = {}
    for i in range(4):
        email = f"user{i}@example.com"
        users[email] = register_and_login(sentry_client, email=email, name=f"User {i}")
    drop_session_tables(database_url)

    async def hammer() -> list[tuple[str, httpx.Response]]:
        transport = httpx.ASGITransport(app=sentry_client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [(email, http.get("/api/v1/sessions", headers=headers))
                     for email in users for headers in [users[email]] * 2]
            responses = await asyncio.gather(*(call for _, call in calls))
        return [(email, response) for (email, _), response in zip(calls, responses)]

    results = asyncio.run(hammer())

    assert len(results) == 8
    events = {event["event_id"]: event for event in sentry_inbox.events()}
    assert len(events) == 8
    for email, response in results:
        assert response.status_code == 500
        event = events[response.json()["event_id"]]
        assert event["user"]["email"] == email
        auth_crumbs = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "auth"]
        assert len(auth_crumbs) == 1  # its own request's breadcrumb, nobody else's


async def _failing_requests(app, headers_by_user, rounds):
    import asyncio

    import httpx

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        calls = [
            (user, client.get("/api/v1/sessions", headers=headers))
            for _ in range(rounds)
            for user, headers in headers_by_user.items()
        ]
        responses = await asyncio.gather(*(call for _, call in calls))
    return [(user, response) for (user, _), response in zip(calls, responses, strict=True)]


def test_concurrent_requests_never_see_each_others_user(sentry_client, sentry_inbox, database_url):
    import asyncio

    headers_by_user = {
        email: register_and_login(sentry_client, email=email, name=email.split("@")[0])
        for email in ("ada@example.com", "bob@example.com", "cy@example.com")
    }
    drop_session_tables(database_url)
    sentry_inbox.clear()

    results = asyncio.run(_failing_requests(sentry_client.app, headers_by_user, rounds=5))

    for email, response in results:
        assert response.status_code == 500
        event = sentry_inbox.event(response.json()["event_id"])
        assert event["user"]["email"] == email
        auth_crumbs = [
            c for c in event["breadcrumbs"]["values"] if c.get("message") == "Authenticated request"
        ]
        assert len(auth_crumbs) == 1
        assert str(auth_crumbs[0]["data"]["user_id"]) == event["user"]["id"]


def test_outgoing_http_calls_carry_the_request_trace(
    client_factory, sentry_inbox, httpserver
):
    """What the OpenAI and S3 clients rely on: the SDK's HTTP integrations see our trace."""
    from fastapi.testclient import TestClient

    from app.observability.asgi import install_request_middleware
    from tests.support.settings import make_settings

    client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)  # Sentry on
    httpserver.expect_request("/upstream").respond_with_json({"ok": True})
    upstream = FastAPI()

    @upstream.get("/calls/{name}")
    def call_out(name: str) -> dict:
        return httpx.get(httpserver.url_for("/upstream"), timeout=5).json()

    install_request_middleware(
        upstream, make_settings(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)
    )
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
