"""Health check, and /sentry-debug with its safety catches."""

import pytest


@pytest.mark.both_backends
def test_health_checks_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_health_is_503_when_the_database_is_unreachable(client_factory):
    client = client_factory(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


def test_sentry_debug_is_rate_limited_per_client(client_factory):
    client = client_factory(sentry_debug_rate_limit="2/minute")
    assert [client.get("/sentry-debug").status_code for _ in range(3)] == [500, 500, 429]
    limited = client.get("/sentry-debug")
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0


def test_sentry_debug_can_be_switched_off(client_factory):
    client = client_factory(sentry_debug_endpoint=False)
    response = client.get("/sentry-debug")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
