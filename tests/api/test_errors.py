"""The exception handlers: JSON error bodies, and which errors reach Sentry."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.auth import register_and_login
from tests.support.settings import make_settings


def test_unhandled_error_without_sentry_still_answers_a_json_500(client):
    response = client.get("/sentry-debug")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal Server Error",
        "code": "internal_error",
        "event_id": None,
    }


def test_client_errors_send_no_events_and_are_traced_with_their_status(sentry_client, sentry_inbox):
    headers = register_and_login(sentry_client)
    sentry_inbox.transactions()  # sent the sign-up's transactions, so that clear() forgets them
    sentry_inbox.clear()

    responses = [
        sentry_client.get("/api/v1/nowhere"),
        sentry_client.get("/api/v1/users/me"),
        sentry_client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"}),
        sentry_client.post("/api/v1/auth/register", json={"email": "nope"}),
        sentry_client.delete("/api/v1/auth/login"),
        sentry_client.get("/api/v1/sessions/999", headers=headers),
    ]

    assert [r.status_code for r in responses] == [404, 401, 401, 422, 405, 404]
    assert sentry_inbox.events() == []
    traced = sorted(
        (t["transaction"], t["contexts"]["trace"]["status"]) for t in sentry_inbox.transactions()
    )
    assert traced == [  # every one traced, with the status its code maps to
        ("/api/v1/auth/login", "invalid_argument"),  # 405
        ("/api/v1/auth/login", "unauthenticated"),
        ("/api/v1/auth/register", "invalid_argument"),  # 422
        ("/api/v1/nowhere", "not_found"),
        ("/api/v1/sessions/{session_id}", "not_found"),
        ("/api/v1/users/me", "unauthenticated"),
    ]


def test_validation_errors_are_sent_as_scrubbed_warnings_when_asked(client_factory, sentry_inbox):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_send_validation_errors=True)

    response = client.post(
        "/api/v1/auth/register", json={"email": "bad", "password": "pw-secret-7", "name": "A"}
    )
    assert response.status_code == 422
    assert client.get("/api/v1/users/me").status_code == 401  # other client errors: still nothing

    [event] = sentry_inbox.events()
    assert event["level"] == "warning"
    assert event["message"] == "Validation error on POST /api/v1/auth/register"
    assert event["request"]["data"]["password"] == "[Filtered]"
    assert b"pw-secret-7" not in sentry_inbox.all_bytes()


def test_a_deliberate_5xx_http_exception_is_captured_and_a_4xx_is_not(client_factory, sentry_inbox):
    from fastapi import HTTPException

    from app.api.errors import install_error_handlers
    from app.observability.asgi import install_request_middleware

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
