"""The lean Sentry request path, proven from the envelopes the SDK really posts to the inbox."""

import asyncio

import httpx
from fastapi import FastAPI

from tests.conftest import drop_session_tables
from tests.support.auth import register_and_login

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


def test_secrets_in_the_body_of_a_failing_request_are_filtered(
    sentry_client, sentry_inbox, database_url
):
    headers = register_and_login(sentry_client)
    drop_session_tables(database_url)

    response = sentry_client.post(
        "/api/v1/sessions",
        json={"title": "x", "password": "hunter2-secret", "refresh_token": "rt-secret"},
        headers=headers,
    )

    event = sentry_inbox.event(response.json()["event_id"])
    assert event["request"]["data"]["password"] == "[Filtered]"
    assert event["request"]["data"]["refresh_token"] == "[Filtered]"
    assert b"hunter2-secret" not in sentry_inbox.all_bytes()


def test_client_errors_are_not_captured(sentry_client, sentry_inbox):
    headers = register_and_login(sentry_client)

    assert sentry_client.get("/api/v1/users/me").status_code == 401
    assert sentry_client.get("/api/v1/sessions/999", headers=headers).status_code == 404
    assert sentry_client.post("/api/v1/sessions", json={}, headers=headers).status_code == 422

    assert sentry_inbox.events() == []
    statuses = {
        t["transaction"]: t["contexts"]["trace"]["status"] for t in sentry_inbox.transactions()
    }
    assert statuses["/api/v1/sessions/{session_id}"] == "not_found"


def test_incoming_trace_is_continued_even_when_local_sampling_is_off(
    client_factory, sentry_inbox
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    trace_headers = {
        "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-1",
        "baggage": f"sentry-trace_id={TRACE_ID},sentry-sample_rate=1.0,sentry-sampled=true",
    }

    assert client.get("/api/v1/users/me", headers=trace_headers).status_code == 401

    [transaction] = sentry_inbox.transactions()
    trace = transaction["contexts"]["trace"]
    assert trace["trace_id"] == TRACE_ID
    assert trace["parent_span_id"] == PARENT_SPAN_ID
    assert transaction["transaction"] == "/api/v1/users/me"


def test_a_caller_that_did_not_sample_is_followed(client_factory, sentry_inbox):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)

    client.get("/api/v1/users/me", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-0"})
    client.get("/health")  # never traced, by the traces_sampler's rule on asgi_scope["path"]

    assert sentry_inbox.transactions() == []


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


def test_outgoing_http_calls_carry_the_request_trace(
    client_factory, sentry_inbox, httpserver
):
    """What the OpenAI and S3 clients rely on: the SDK's HTTP integrations see our trace."""
    from fastapi.testclient import TestClient

    from app.observability.asgi import install_request_middleware
    from tests.conftest import make_settings

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


def test_a_deliberate_5xx_http_exception_is_captured_and_a_4xx_is_not(
    client_factory, sentry_inbox
):
    from fastapi import HTTPException
    from fastapi.testclient import TestClient

    from app.api.errors import install_error_handlers
    from app.observability.asgi import install_request_middleware
    from tests.conftest import make_settings

    client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)  # Sentry on
    app = FastAPI()

    @app.get("/status/{code}")
    def fail(code: int) -> None:
        raise HTTPException(status_code=code, detail="upstream said no")

    install_error_handlers(app, send_validation_errors=False)
    install_request_middleware(
        app, make_settings(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)
    )
    with TestClient(app) as client:
        assert client.get("/status/503").status_code == 503
        assert client.get("/status/409").status_code == 409

    [event] = sentry_inbox.events()
    assert event["exception"]["values"][-1]["type"] == "HTTPException"
    assert event["transaction"] == "/status/{code}"
    assert event["request"]["url"].endswith("/status/503")


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
