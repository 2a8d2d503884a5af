"""What reaches Sentry, read from the envelopes the SDK really posts to a local endpoint."""

from sqlalchemy import create_engine, text

from tests.conftest import drop_session_tables
from tests.support.auth import register_and_login


def test_sentry_debug_sends_the_error_and_returns_its_event_id(sentry_client, sentry_inbox):
    response = sentry_client.get("/sentry-debug?x=1")

    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "Internal Server Error"
    assert body["event_id"]
    event = sentry_inbox.event(body["event_id"])
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ZeroDivisionError"
    frames = exception["stacktrace"]["frames"]
    assert frames[-1]["function"] == "sentry_debug"
    assert "vars" in frames[-1]
    assert event["request"]["method"] == "GET"
    assert event["request"]["url"].endswith("/sentry-debug")
    assert event["request"]["query_string"] == "x=1"
    assert len(sentry_inbox.events()) == 1


def test_db_failure_is_a_500_with_the_sqlalchemy_error_and_the_user(
    sentry_client, sentry_inbox, database_url
):
    headers = register_and_login(sentry_client)
    drop_session_tables(database_url)

    response = sentry_client.get("/api/v1/sessions", headers=headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert event["exception"]["values"][-1]["module"].startswith("sqlalchemy")
    assert event["user"] == {"id": "1", "email": "ada@example.com", "name": "Ada"}
    categories = [crumb.get("category") for crumb in event["breadcrumbs"]["values"]]
    assert "auth" in categories




def test_secrets_are_filtered_from_every_part_of_the_request(
    sentry_client, sentry_inbox, database_url
):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        cascade = " CASCADE" if database_url.startswith("postgresql") else ""
        connection.execute(text("DROP TABLE users" + cascade))
    engine.dispose()

    response = sentry_client.post(
        "/api/v1/auth/register?token=query-secret-1&lang=en",
        json={"email": "ada@example.com", "password": "body-secret-2", "name": "Ada"},
        headers={
            "X-Refresh-Token": "header-secret-3",
            "Authorization": "Bearer header-secret-4",
            "Cookie": "access_token=cookie-secret-5; theme=dark",
        },
    )

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    raw = sentry_inbox.all_bytes()
    for secret in ("query-secret-1", "body-secret-2", "header-secret-3", "header-secret-4",
                   "cookie-secret-5"):
        assert secret.encode() not in raw
    request = event["request"]
    assert request["data"]["password"] == "[Filtered]"
    assert request["data"]["email"] == "ada@example.com"  # the structure and the rest survive
    assert "lang=en" in request["query_string"]
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    [service_frame] = [f for f in frames if f.get("module") == "app.services.users" and f["function"] == "register"]
    assert service_frame["vars"]["password"] == "[Filtered]"


def test_helpers_scope_tags_extra_and_user_to_one_event(sentry_client, sentry_inbox):
    from app.core import sentry

    first = sentry.capture_exception(
        ValueError("first"),
        tags={"feature": "coaching"},
        extra={"attempt": 2, "api_key": "extra-secret-6"},
        user={"id": "7"},
    )
    second = sentry.capture_message("second", level="warning")

    one, two = sentry_inbox.event(first), sentry_inbox.event(second)
    assert one["tags"]["feature"] == "coaching"
    assert one["extra"]["attempt"] == 2
    assert one["extra"]["api_key"] == "[Filtered]"
    assert one["user"] == {"id": "7"}
    assert "feature" not in two.get("tags", {})
    assert "attempt" not in two.get("extra", {})
    assert "user" not in two
    assert two["level"] == "warning"


def test_client_errors_and_health_checks_send_nothing(sentry_client, sentry_inbox):
    assert sentry_client.get("/health").status_code == 200
    assert sentry_client.post("/api/v1/auth/register", json={"email": "x"}).status_code == 422
    assert sentry_client.get("/api/v1/users/me").status_code == 401
    assert sentry_client.get("/nowhere").status_code == 404

    assert sentry_inbox.events() == []
    names = [t["transaction"] for t in sentry_inbox.transactions()]
    assert "/health" not in names


def test_validation_errors_can_be_sent_as_scrubbed_warnings(client_factory, sentry_inbox):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_send_validation_errors=True)
    response = client.post(
        "/api/v1/auth/register", json={"email": "bad", "password": "pw-secret-7", "name": "A"}
    )
    assert response.status_code == 422
    [event] = sentry_inbox.events()
    assert event["level"] == "warning"
    assert event["request"]["data"]["password"] == "[Filtered]"
    assert b"pw-secret-7" not in sentry_inbox.all_bytes()


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


def test_headers_in_frame_locals_are_filtered_too(sentry_client, sentry_inbox):
    # The raw ASGI scope sits in the locals of middleware frames, its headers as byte pairs.
    response = sentry_client.get("/sentry-debug", headers={"X-Api-Key": "k3y-v4lue-in-frames"})

    assert response.status_code == 500
    sentry_inbox.event(response.json()["event_id"])
    assert b"k3y-v4lue-in-frames" not in sentry_inbox.all_bytes()
