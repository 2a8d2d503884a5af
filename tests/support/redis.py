"""Redis fixtures: the local redis-server, with a key prefix of each test's own."""

import socket
import uuid
from collections.abc import Iterator

import pytest

from tests.support.database import IN_CI

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_ADDRESS = f"{REDIS_HOST}:{REDIS_PORT}"


def _reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local redis-server; its tests are skipped where none runs, and fail in CI."""
    if not _reachable():
        if IN_CI:
            pytest.fail(f"CI=true but Redis is not reachable at {REDIS_ADDRESS}")
        pytest.skip(f"Redis not reachable at {REDIS_ADDRESS}: skipped the Redis tests")
    return f"redis://{REDIS_ADDRESS}/0"


@pytest.fixture
def redis_settings(redis_url: str) -> Iterator[dict[str, str]]:
    """REDIS_URL with a key prefix of this test alone (parallel runs share the server)."""
    import redis

    prefix = f"genai-coach-test-{uuid.uuid4().hex}"
    yield {"redis_url": redis_url, "redis_key_prefix": prefix}
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say in one line whether the Redis tests happened."""
    shared = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if "redis" in getattr(report, "keywords", {}) and getattr(report, "when", "") == "setup"
    ]
    if shared and all(report.skipped for report in shared):
        terminalreporter.write_line(
            f"Redis not reachable at {REDIS_ADDRESS}: skipped the Redis tests (shared limits)"
        )
    elif shared:
        terminalreporter.write_line(f"Redis tests: used {REDIS_ADDRESS}")
