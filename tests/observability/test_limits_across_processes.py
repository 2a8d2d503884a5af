"""Two real app processes on one Redis share one storm cap, one /sentry-debug limit and one
login throttle.

Proven from what reaches the local Sentry endpoint: the events the two processes sent for
the same failure, counted from their envelopes after both shut down (and flushed).
"""

from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from scripts.fakes.served_app import sqlite_database
from tests.support.uvicorn_process import served

pytestmark = pytest.mark.redis

PER_ISSUE_CAP = 10
DEBUG_LIMIT = 30
CALLS = 40  # alternating between the two processes


def _env(sentry_inbox, database_url: str, redis_settings: dict[str, str]) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SENTRY_DSN": sentry_inbox.dsn,
        "SENTRY_TRACES_SAMPLE_RATE": "0",
        "SENTRY_MAX_EVENTS_PER_ISSUE_PER_MINUTE": str(PER_ISSUE_CAP),
        "SENTRY_MAX_EVENTS_PER_MINUTE": "100",
        "SENTRY_DEBUG_RATE_LIMIT": f"{DEBUG_LIMIT}/minute",
        "REDIS_URL": redis_settings["redis_url"],
        "REDIS_KEY_PREFIX": redis_settings["redis_key_prefix"],
    }


def _call_alternately(bases: list[str]) -> list[int]:
    statuses = []
    no_keepalive = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(timeout=30, limits=no_keepalive) as client:
        for call in range(CALLS):
            statuses.append(client.get(f"{bases[call % 2]}/sentry-debug").status_code)
    return statuses


def test_two_processes_share_one_storm_cap_and_one_debug_limit(
    sentry_inbox, redis_settings, tmp_path: Path
):
    database_url = sqlite_database(tmp_path / "shared")
    env = _env(sentry_inbox, database_url, redis_settings)
    with ExitStack() as stack:
        servers = [stack.enter_context(served(env, tmp_path, f"app{i}")) for i in (1, 2)]
        statuses = _call_alternately([server.base_url for server in servers])
        exits = [server.stop() for server in servers]  # shutdown flushes each queue

    # Per process, each would allow 20 calls of its 20 and send 10 events: 40 and 20 in all.
    assert statuses == [500] * DEBUG_LIMIT + [429] * (CALLS - DEBUG_LIMIT)
    events = [e for e in sentry_inbox.items("event") if _is_zero_division(e)]
    assert len(events) == PER_ISSUE_CAP
    assert all(code in (0, -15) for code in exits)
    assert all("Rate limits: shared through Redis" in server.stderr for server in servers)


def _is_zero_division(event: dict) -> bool:
    values = (event.get("exception") or {}).get("values") or []
    return any(value.get("type") == "ZeroDivisionError" for value in values)


MAX_FAILURES = 4
CHEAP_HASH = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "64", "ARGON2_PARALLELISM": "1"}


def test_two_processes_share_one_login_throttle(sentry_inbox, redis_settings, tmp_path: Path):
    database_url = sqlite_database(tmp_path / "shared")
    env = {
        **_env(sentry_inbox, database_url, redis_settings),
        **CHEAP_HASH,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": str(MAX_FAILURES),
    }
    account = {"email": "ada@example.com", "password": "correct-horse-battery", "name": "Ada"}
    wrong = {"email": account["email"], "password": "not-her-password-at-all"}
    with ExitStack() as stack:
        servers = [stack.enter_context(served(env, tmp_path, f"app{i}")) for i in (1, 2)]
        bases = [server.base_url for server in servers]
        with httpx.Client(timeout=30) as client:
            assert client.post(f"{bases[0]}/api/v1/auth/register", json=account).status_code == 201
            statuses = [
                client.post(f"{bases[call % 2]}/api/v1/auth/login", json=wrong).status_code
                for call in range(2 * MAX_FAILURES)
            ]
            right = client.post(f"{bases[1]}/api/v1/auth/login", json=account)

    # Per process, each would refuse only after its own 4 failures: 8 times 401.
    assert statuses == [401] * MAX_FAILURES + [429] * MAX_FAILURES
    assert right.status_code == 429  # the right password too, until the window passes
    assert int(right.headers["retry-after"]) > 0
