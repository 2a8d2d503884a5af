"""Health check, /sentry-debug and its safety catches, the start-up log line."""

import logging

from app.main import create_app
from tests.conftest import make_settings


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


def test_unhandled_error_without_sentry_still_answers_a_json_500(client):
    response = client.get("/sentry-debug")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal Server Error",
        "code": "internal_error",
        "event_id": None,
    }


def test_start_up_log_says_sentry_is_disabled(caplog, database_url):
    with caplog.at_level(logging.INFO, logger="app.core.sentry"):
        create_app(make_settings(database_url=database_url))
    assert "Sentry disabled: SENTRY_DSN is empty" in caplog.messages


def test_start_up_log_states_the_effective_configuration(
    caplog, database_url, sentry_inbox, tmp_path
):
    settings = make_settings(
        database_url=database_url,
        sentry_dsn=sentry_inbox.dsn,
        sentry_environment="staging",
        local_storage_dir=tmp_path,
        sentry_release="9.9.9",
        sentry_profiles_sample_rate=0.25,
    )
    with caplog.at_level(logging.INFO, logger="app.core.sentry"):
        create_app(settings)
    [line] = [m for m in caplog.messages if m.startswith("Sentry enabled")]
    assert "environment=staging" in line
    assert "release=genai-coach-backend@9.9.9" in line
    assert "traces_sample_rate=0.1" in line
    assert "profiles_sample_rate=0.25" in line
    assert "public@" not in line  # the DSN key never reaches the logs
