"""Settings: defaults, derived values, and start-up errors that name the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import ConfigError
from app.core.sentry import resolve_release
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
DSN = "https://0123456789abcdef@o1.ingest.sentry.io/4500000000000001"
# Outside development the database and the recordings' place must be named.
NAMED = {"database_url": "sqlite:///./data/app.db", "local_storage_dir": "./data/recordings"}


def test_embedded_defaults_are_development_sqlite_and_sentry_off():
    settings = make_settings(secret_key=None)
    assert settings.database_url == "sqlite:///./data/app.db"
    assert settings.environment == "development"
    assert settings.sentry_enabled is False
    assert settings.traces_sample_rate == 1.0
    assert len(settings.secret_key.get_secret_value()) >= 32  # generated for development


def test_production_defaults_to_a_tenth_of_traces():
    settings = make_settings(sentry_environment="production", **NAMED)
    assert settings.traces_sample_rate == 0.1


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"sentry_traces_sample_rate": 1.5}, "SENTRY_TRACES_SAMPLE_RATE"),
        ({"sentry_profiles_sample_rate": -0.1}, "SENTRY_PROFILES_SAMPLE_RATE"),
        ({"sentry_dsn": "not a dsn"}, "SENTRY_DSN"),
        ({"sentry_debug_rate_limit": "often"}, "SENTRY_DEBUG_RATE_LIMIT"),
        ({"access_token_expire_minutes": 0}, "ACCESS_TOKEN_EXPIRE_MINUTES"),
        ({"secret_key": "short"}, "SECRET_KEY"),
        ({"secret_key": None, "sentry_environment": "production"}, "SECRET_KEY"),
    ],
)
def test_invalid_settings_name_the_variable(values, variable):
    with pytest.raises(ConfigError, match=variable):
        make_settings(**values)


def test_a_dsn_error_does_not_repeat_the_key():
    secret = "s3cr3tpublickey"
    with pytest.raises(ConfigError) as excinfo:
        make_settings(sentry_dsn=f"https://{secret}@o1.ingest.sentry.io/not-a-project")
    assert "SENTRY_DSN" in str(excinfo.value)
    assert secret not in str(excinfo.value)


def test_empty_dsn_disables_sentry():
    assert make_settings(sentry_dsn="  ").sentry_enabled is False
    assert make_settings(sentry_dsn=DSN).sentry_enabled is True


def test_environment_comes_from_sentry_then_railway_then_development():
    assert make_settings(railway_environment_name="staging", **NAMED).environment == "staging"
    both = make_settings(sentry_environment="prod-eu", railway_environment_name="staging", **NAMED)
    assert both.environment == "prod-eu"


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


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the app the way uvicorn does, in a fresh process with only `env` set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "RAILWAY_"))}
    return subprocess.run(
        [sys.executable, "-c", "import app.main as m; m.app"],
        cwd=ROOT,
        env={**base, "DATABASE_URL": "sqlite:///:memory:", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_setting_stops_start_up_with_a_message_naming_it():
    result = _start({"SENTRY_TRACES_SAMPLE_RATE": "2"})
    assert result.returncode == 1
    assert "Configuration error" in result.stderr
    assert "SENTRY_TRACES_SAMPLE_RATE" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = _start({"SENTRY_ENVIRONMENT": "production", "SECRET_KEY": ""})
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_env_example_documents_every_setting_and_loads_as_is():
    from app.core.config import Settings

    example = (ROOT / ".env.example").read_text()
    documented = {
        line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")
    }
    railway_provided = {"RAILWAY_ENVIRONMENT_NAME", "RAILWAY_GIT_COMMIT_SHA"}
    assert {name.upper() for name in Settings.model_fields} - railway_provided == documented
    settings = make_settings(_env_file=ROOT / ".env.example", secret_key=None)
    assert settings.database_url == "sqlite:///./data/app.db"
    assert settings.sentry_enabled is False
