"""The app as uvicorn imports it: a bad setting stops start-up with one line naming it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the app the way uvicorn does, in a fresh process: of the app's variables, only
    `env` is set (conftest has cleared the shell's)."""
    return subprocess.run(
        [sys.executable, "-c", "import app.main as m; m.app"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:", **env},
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
