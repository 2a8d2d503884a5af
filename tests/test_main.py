"""The app as uvicorn imports it: a bad setting stops start-up with one line naming it."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scripts.fakes.forked import run_python

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = {"openai", "boto3"}


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the app the way uvicorn does, in a new process: of the app's variables, only
    `env` is set (conftest has cleared the shell's)."""
    return run_python(
        ["-c", f"import app.main as m, sys; m.app; print(sorted({CLIENTS} & set(sys.modules)))"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:", **env},
        timeout=60,
    )


STARTS = {
    "bad-rate": {"SENTRY_TRACES_SAMPLE_RATE": "2"},
    "production-without-key": {"SENTRY_ENVIRONMENT": "production", "SECRET_KEY": ""},
    # Sentry on (nothing listens on port 9; start-up sends nothing), no OpenAI key, no bucket.
    "sentry-on-local": {"SENTRY_DSN": "http://public@127.0.0.1:9/1"},
}


@pytest.fixture(scope="module")
def starts() -> dict[str, subprocess.CompletedProcess[str]]:
    """The start-ups at once, each in its own process."""
    with ThreadPoolExecutor(max_workers=len(STARTS)) as pool:
        futures = {name: pool.submit(_start, env) for name, env in STARTS.items()}
        return {name: future.result() for name, future in futures.items()}


def test_a_bad_setting_stops_start_up_with_a_message_naming_it(starts):
    result = starts["bad-rate"]
    assert result.returncode == 1
    assert "Configuration error" in result.stderr
    assert "SENTRY_TRACES_SAMPLE_RATE" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_secret_key_refuses_to_start(starts):
    result = starts["production-without-key"]
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_without_a_key_or_a_bucket_the_app_never_imports_their_clients_even_with_sentry_on(
    starts,
):
    # openai's types are a third of the app's import time, boto3 another 80 ms: migrations,
    # one-off commands and deployments without AI or S3 do not pay for them, and neither do
    # Sentry's OpenAI and boto3 integrations.
    result = starts["sentry-on-local"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
