"""`python -m app.core.sentry check` against endpoints giving each answer.

One run goes the way ops run it, in a process of its own; the other answers go through the same
entry point (`main(["check"])`, settings from the environment) inside the test process, which
costs a fraction of a Python start-up each.
"""

import io
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from app.observability import check
from scripts.fakes.sick_sentry import SickSentry
from tests.support.settings import TEST_SECRET_KEY

SECRET_KEY_PART = "public"  # the DSN's key in SickSentry.dsn: must never be printed
CASES = {
    "healthy": (0, "Result: accepted (HTTP 200)"),
    "unauthorized": (1, "Result: rejected (HTTP 401)"),
    "ratelimit": (1, "Result: rate-limited (HTTP 429)"),
    "error500": (1, "Result: unexpected answer (HTTP 500)"),
    "refused": (1, "Result: unreachable"),
}
Check = Callable[[dict[str, str]], subprocess.CompletedProcess]


def _endpoint_env(sentry: SickSentry) -> dict[str, str]:
    # Outside development the database and the recordings' place must be named (the check
    # command touches neither; the paths are relative to the command's working folder).
    return {
        "SENTRY_DSN": sentry.dsn,
        "SENTRY_ENVIRONMENT": "staging",
        "SENTRY_RELEASE": "1.2.3",
        "DATABASE_URL": "sqlite:///./app.db",
        "LOCAL_STORAGE_DIR": "./recordings",
    }


@pytest.fixture(scope="module")
def as_ops_run_it(tmp_path_factory) -> tuple[subprocess.CompletedProcess, SickSentry]:
    """`python -m app.core.sentry check` in a fresh process, against a healthy endpoint."""
    sentry = SickSentry("healthy")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app.core.sentry", "check"],
            env={
                "PATH": os.environ.get("PATH", ""),
                "SECRET_KEY": TEST_SECRET_KEY,
                **_endpoint_env(sentry),
            },
            cwd=tmp_path_factory.mktemp("check"),  # no developer .env there
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result, sentry
    finally:
        sentry.stop()


@pytest.fixture
def run_check(monkeypatch: pytest.MonkeyPatch, tmp_path, capsys) -> Check:
    """The command's entry point in this process, with `env` as its only app variables."""

    def run(env: dict[str, str]) -> subprocess.CompletedProcess:
        monkeypatch.chdir(tmp_path)  # no developer .env here
        for name, value in {"SECRET_KEY": TEST_SECRET_KEY, **env}.items():
            monkeypatch.setenv(name, value)
        out = io.StringIO()
        code = check.main(["check"], out=out)
        return subprocess.CompletedProcess(["check"], code, out.getvalue(), capsys.readouterr().err)

    return run


@pytest.mark.parametrize("mode", CASES)
def test_check_reports_what_the_endpoint_answered(as_ops_run_it, run_check: Check, mode):
    if mode == "healthy":
        result, sentry = as_ops_run_it
    else:
        sentry = SickSentry(mode)
        try:
            result = run_check(_endpoint_env(sentry))
        finally:
            sentry.stop()
    code, verdict = CASES[mode]

    assert result.returncode == code, result.stdout + result.stderr
    assert verdict in result.stdout
    assert f"host=127.0.0.1:{sentry.port} project_id=1" in result.stdout
    assert "Environment:          staging" in result.stdout
    assert "Release:              genai-coach-backend@1.2.3" in result.stdout
    assert "Traces sample rate:   0.1" in result.stdout
    assert f"{SECRET_KEY_PART}@" not in result.stdout + result.stderr


def test_the_accepted_test_event_really_arrived(as_ops_run_it):
    result, sentry = as_ops_run_it
    bodies = b"\n".join(sentry.bodies())
    assert b"Sentry check: test event" in bodies
    event_id = result.stdout.rsplit("event id ", 1)[-1].strip()
    assert event_id.encode() in bodies


def test_bad_settings_are_a_clear_message_and_exit_2(run_check: Check):
    result = run_check({"SENTRY_DSN": "https://key@sentry.example.com/not-a-number"})

    assert result.returncode == 2
    assert "Configuration error" in result.stderr
    assert "SENTRY_DSN" in result.stderr
    assert "key@" not in result.stderr
    assert "Traceback" not in result.stderr


def test_no_dsn_is_reported_as_not_configured(run_check: Check):
    result = run_check({})

    assert result.returncode == 2
    assert "not configured" in result.stdout
