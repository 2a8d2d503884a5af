"""The edges of the API: security headers, CORS, API docs, and whose address a limit counts."""

import pytest
from fastapi.testclient import TestClient

from tests.support.auth import register_and_login

FRONTEND = "https://app.example.com"


def _production(tmp_path) -> dict[str, object]:
    """Production names where recordings go (the database URL comes from the fixture)."""
    return {"sentry_environment": "production", "local_storage_dir": tmp_path / "recordings"}


def test_every_response_carries_the_security_headers_even_a_500(client):
    for response in (client.get("/health"), client.get("/nowhere"), client.get("/sentry-debug")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert response.status_code == 500


def test_token_responses_are_never_cached(client):
    register_and_login(client)

    response = client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct-horse-battery"}
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_hsts_outside_development_only(client_factory, tmp_path):
    development = client_factory().get("/health")
    production = client_factory(**_production(tmp_path)).get("/health")

    assert "strict-transport-security" not in development.headers
    assert production.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_api_docs_are_on_in_development_and_off_elsewhere_unless_asked(
    client_factory, path, tmp_path
):
    assert client_factory().get(path).status_code == 200
    assert client_factory(**_production(tmp_path)).get(path).status_code == 404
    asked = client_factory(**_production(tmp_path), api_docs=True)
    assert asked.get(path).status_code == 200


def _preflight(client: TestClient, origin: str):
    return client.options(
        "/api/v1/sessions",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, sentry-trace, baggage",
        },
    )


def test_cors_lets_a_configured_front_end_send_its_trace_headers(client_factory):
    client = client_factory(cors_origins=f"{FRONTEND}, https://other.example.com")

    preflight = _preflight(client, FRONTEND)

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "sentry-trace", "baggage"} <= set(
        allowed.replace(" ", "").split(",")
    )
    simple = client.get("/health", headers={"Origin": FRONTEND})
    assert simple.headers["access-control-allow-origin"] == FRONTEND


@pytest.mark.parametrize("origins", ["", FRONTEND])
def test_unknown_origins_get_no_allow_origin(client_factory, origins):
    client = client_factory(cors_origins=origins)

    assert "access-control-allow-origin" not in _preflight(client, "https://evil.example").headers
    assert (
        "access-control-allow-origin"
        not in client.get("/health", headers={"Origin": "https://evil.example"}).headers
    )


def test_a_client_cannot_choose_its_rate_limit_key_with_x_forwarded_for(app_factory):
    app = app_factory(sentry_debug_rate_limit="2/minute")
    with TestClient(app, client=("203.0.113.7", 40000), raise_server_exceptions=False) as client:
        statuses = [
            client.get("/sentry-debug", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(4)
        ]

    assert statuses == [500, 500, 429, 429]


def test_a_trusted_proxy_gives_each_client_its_own_limit(app_factory):
    app = app_factory(sentry_debug_rate_limit="1/minute", forwarded_allow_ips="10.0.0.2")
    with TestClient(app, client=("10.0.0.2", 40000), raise_server_exceptions=False) as client:
        statuses = [
            client.get("/sentry-debug", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in (1, 2, 1)
        ]

    assert statuses == [500, 500, 429]
