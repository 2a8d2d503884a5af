"""What reaches Sentry, read from the envelopes the SDK really posts to a local endpoint."""

from sqlalchemy import create_engine, text

from tests.conftest import register_and_login


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
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE recordings"))  # it references coaching_sessions
        connection.execute(text("DROP TABLE messages"))
        connection.execute(text("DROP TABLE coaching_sessions"))
    engine.dispose()

    response = sentry_client.get("/api/v1/sessions", headers=headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert event["exception"]["values"][-1]["module"].startswith("sqlalchemy")
    assert event["user"] == {"id": "1", "email": "ada@example.com", "name": "Ada"}
    categories = [crumb.get("category") for crumb in event["breadcrumbs"]["values"]]
    assert "auth" in categories
