"""Error events from real requests, read from the envelopes the SDK really posts to the inbox."""

import pytest
from sqlalchemy import create_engine, text

from tests.support.auth import register_and_login
from tests.support.database import drop_session_tables


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


@pytest.mark.both_backends
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


@pytest.mark.both_backends
def test_secrets_are_filtered_from_every_part_of_a_failing_request(
    sentry_client, sentry_inbox, database_url
):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        cascade = " CASCADE" if database_url.startswith("postgresql") else ""
        connection.execute(text("DROP TABLE users" + cascade))
    engine.dispose()

    response = sentry_client.post(
        "/api/v1/auth/register?token=query-secret-1&lang=en",
        json={
            "email": "ada@example.com",
            "password": "body-secret-2",
            "name": "Ada",
            "refresh_token": "body-secret-6",  # not a field of this body: still filtered
        },
        headers={
            "X-Refresh-Token": "header-secret-3",
            "Authorization": "Bearer header-secret-4",
            "Cookie": "access_token=cookie-secret-5; theme=dark",
        },
    )

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    raw = sentry_inbox.all_bytes()
    for number, part in enumerate(["query", "body", "header", "header", "cookie", "body"], 1):
        assert f"{part}-secret-{number}".encode() not in raw
    request = event["request"]
    assert request["data"]["password"] == "[Filtered]"
    assert request["data"]["refresh_token"] == "[Filtered]"
    assert request["data"]["email"] == "ada@example.com"  # the structure and the rest survive
    assert "lang=en" in request["query_string"]
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    [service_frame] = [
        f for f in frames if f.get("module") == "app.services.users" and f["function"] == "register"
    ]
    assert service_frame["vars"]["password"] == "[Filtered]"


def test_headers_in_frame_locals_are_filtered_too(sentry_client, sentry_inbox):
    # The raw ASGI scope sits in the locals of middleware frames, its headers as byte pairs.
    response = sentry_client.get("/sentry-debug", headers={"X-Api-Key": "k3y-v4lue-in-frames"})

    assert response.status_code == 500
    sentry_inbox.event(response.json()["event_id"])
    assert b"k3y-v4lue-in-frames" not in sentry_inbox.all_bytes()


def _longest_text(value: object) -> int:
    # Cut by the SDK first; the scrubber may then turn a short secret into the longer marker.
    if isinstance(value, str):
        return len(value.replace("[Filtered]", ""))
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return max((_longest_text(item) for item in value), default=0)
    return 0


@pytest.mark.parametrize(
    ("setting", "limit"), [({}, 1024), ({"sentry_max_value_length": 200}, 200)]
)
def test_a_db_failure_event_keeps_every_text_within_the_value_length(
    client_factory, sentry_inbox, database_url, setting, limit
):
    # FastAPI's routing frames hold reprs of ~100 KB each: with no bound (sentry-sdk 2.75's
    # default) a DB failure was a ~500 KB event, and a deeper stack would pass Sentry's 1 MiB.
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **setting)
    headers = register_and_login(client)
    drop_session_tables(database_url)

    response = client.get("/api/v1/sessions", headers=headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(frame.get("vars") for frame in frames)
    assert _longest_text(event) <= limit
    assert max(len(raw) for raw in sentry_inbox.raw_bodies) < 200_000
