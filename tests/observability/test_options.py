"""Release and environment: SENTRY_* first, then Railway's variables, then the git commit."""

import subprocess
from pathlib import Path

import pytest

from app.core.sentry import resolve_release
from tests.support.settings import make_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def railway(monkeypatch, tmp_path):
    monkeypatch.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    monkeypatch.setenv("RAILWAY_VOLUME_MOUNT_PATH", str(tmp_path / "volume"))
    monkeypatch.setenv("RAILWAY_GIT_COMMIT_SHA", "0123456789abcdef0123456789abcdef01234567")


def _debug_event(client, sentry_inbox):
    return sentry_inbox.event(client.get("/sentry-debug").json()["event_id"])


def test_release_prefers_sentry_release_then_railway_commit():
    assert resolve_release(make_settings(sentry_release="1.2.3")) == "genai-coach-backend@1.2.3"
    assert resolve_release(make_settings(sentry_release="other@9")) == "other@9"
    railway = make_settings(railway_git_commit_sha="abc123")
    assert resolve_release(railway) == "genai-coach-backend@abc123"


def test_release_falls_back_to_the_git_commit():
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    if not head:
        pytest.skip("not a git checkout")
    assert resolve_release(make_settings()) == f"genai-coach-backend@{head}"


def test_railway_variables_name_the_release_and_environment(railway, client_factory, sentry_inbox):
    event = _debug_event(client_factory(sentry_dsn=sentry_inbox.dsn), sentry_inbox)

    assert event["environment"] == "production"
    assert event["release"] == "genai-coach-backend@0123456789abcdef0123456789abcdef01234567"


def test_sentry_variables_win_over_railway(railway, monkeypatch, client_factory, sentry_inbox):
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    monkeypatch.setenv("SENTRY_RELEASE", "coach@1.2.3")

    event = _debug_event(client_factory(sentry_dsn=sentry_inbox.dsn), sentry_inbox)

    assert (event["environment"], event["release"]) == ("staging", "coach@1.2.3")
