"""Release and environment come from Railway's variables, and SENTRY_* wins over them."""

import pytest


@pytest.fixture
def railway(monkeypatch, tmp_path):
    monkeypatch.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    monkeypatch.setenv("RAILWAY_VOLUME_MOUNT_PATH", str(tmp_path / "volume"))
    monkeypatch.setenv("RAILWAY_GIT_COMMIT_SHA", "0123456789abcdef0123456789abcdef01234567")


def _debug_event(client, sentry_inbox):
    return sentry_inbox.event(client.get("/sentry-debug").json()["event_id"])


def test_railway_variables_name_the_release_and_environment(railway, client_factory, sentry_inbox):
    event = _debug_event(client_factory(sentry_dsn=sentry_inbox.dsn), sentry_inbox)

    assert event["environment"] == "production"
    assert event["release"] == "genai-coach-backend@0123456789abcdef0123456789abcdef01234567"


def test_sentry_variables_win_over_railway(railway, monkeypatch, client_factory, sentry_inbox):
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    monkeypatch.setenv("SENTRY_RELEASE", "coach@1.2.3")

    event = _debug_event(client_factory(sentry_dsn=sentry_inbox.dsn), sentry_inbox)

    assert (event["environment"], event["release"]) == ("staging", "coach@1.2.3")
