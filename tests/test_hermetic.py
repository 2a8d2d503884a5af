"""The suite is hermetic: variables exported in a developer's shell do not reach the tests."""

import os
from pathlib import Path

from scripts.fakes.forked import run_python
from scripts.fakes.sick_sentry import SickSentry

ROOT = Path(__file__).resolve().parent.parent
# Two "Sentry off" tests: each fails if an exported SENTRY_DSN turns Sentry on.
SENTRY_OFF_TESTS = [
    "tests/core/test_sentry.py::test_start_up_log_says_sentry_is_disabled",
    "tests/api/test_errors.py::test_unhandled_error_without_sentry_still_answers_a_json_500",
]


def test_sentry_off_tests_stay_off_with_a_dsn_exported_in_the_shell():
    sentry = SickSentry("healthy")  # would receive whatever a leaked DSN sent
    try:
        shell = {
            **os.environ,
            "SENTRY_DSN": sentry.dsn,
            "SENTRY_ENVIRONMENT": "production",
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "OPENAI_API_KEY": "sk-from-the-shell",
        }
        result = run_python(
            [
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                # Plugins these two tests do not use: loading them is half the child's time.
                *("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:xdist"),
                "-m",
                "not postgres",
                *SENTRY_OFF_TESTS,
            ],
            cwd=ROOT,
            env=shell,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        assert "2 passed" in result.stdout
        assert sentry.bodies() == []
    finally:
        sentry.stop()
