"""`python -m app.core.sentry check`, run as ops run it, against endpoints giving each answer."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import TEST_SECRET_KEY
from tests.fakes.sick_sentry import SickSentry

SECRET_KEY_PART = "public"  # the DSN's key in SickSentry.dsn: must never be printed
CASES = {
    "healthy": (0, "Result: accepted (HTTP 200)"),
    "unauthorized": (1, "Result: rejected (HTTP 401)"),
    "ratelimit": (1, "Result: rate-limited (HTTP 429)"),
    "error500": (1, "Result: unexpected answer (HTTP 500)"),
    "refused": (1, "Result: unreachable"),
}


def run_check(env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.core.sentry", "check"],
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": TEST_SECRET_KEY, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _check_against(mode: str, cwd) -> tuple[subprocess.CompletedProcess, SickSentry]:
    sentry = SickSentry(mode)
    try:
        env = {"SENTRY_DSN": sentry.dsn, "SENTRY_ENVIRONMENT": "staging", "SENTRY_RELEASE": "1.2.3"}
        env |= {"DATABASE_URL": f"sqlite:///{cwd / 'app.db'}", "LOCAL_STORAGE_DIR": str(cwd)}
        return run_check(env, cwd), sentry
    finally:
        sentry.stop()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("check")  # no developer .env there
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {mode: pool.submit(_check_against, mode, cwd) for mode in CASES}
        return {mode: future.result() for mode, future in futures.items()}


@pytest.mark.parametrize("mode", CASES)
def test_check_reports_what_the_endpoint_answered(results, mode):
    result, sentry = results[mode]
    code, verdict = CASES[mode]

    assert result.returncode == code, result.stdout + result.stderr
    assert verdict in result.stdout
    assert f"host=127.0.0.1:{sentry.port} project_id=1" in result.stdout
    assert "Environment:          staging" in result.stdout
    assert "Release:              genai-coach-backend@1.2.3" in result.stdout
    assert "Traces sample rate:   0.1" in result.stdout
    assert f"{SECRET_KEY_PART}@" not in result.stdout + result.stderr


def test_the_accepted_test_event_really_arrived(results):
    result, sentry = results["healthy"]
    bodies = b"\n".join(sentry.bodies())
    assert b"Sentry check: test event" in bodies
    event_id = result.stdout.rsplit("event id ", 1)[-1].strip()
    assert event_id.encode() in bodies


def test_bad_settings_are_a_clear_message_and_exit_2(tmp_path):
    result = run_check({"SENTRY_DSN": "https://key@sentry.example.com/not-a-number"}, tmp_path)

    assert result.returncode == 2
    assert "Configuration error" in result.stderr
    assert "SENTRY_DSN" in result.stderr
    assert "key@" not in result.stderr
    assert "Traceback" not in result.stderr


def test_no_dsn_is_reported_as_not_configured(tmp_path):
    result = run_check({}, tmp_path)

    assert result.returncode == 2
    assert "not configured" in result.stdout
