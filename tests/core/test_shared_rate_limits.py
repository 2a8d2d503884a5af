"""REDIS_URL shares every limit between processes; a dead Redis never fails a request."""

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.core.ratelimit import RateLimiter, parse
from tests.conftest import make_settings

pytestmark = pytest.mark.redis

THREE_A_MINUTE = parse("3/minute")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis() -> dict[str, str]:
    """Nothing listens there: every connection is refused."""
    return {"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"}


@pytest.fixture
def silent_redis() -> Iterator[dict[str, str]]:
    """A server that accepts connections and never answers, like a hung or black-holed Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield {"redis_url": f"redis://127.0.0.1:{server.getsockname()[1]}/0"}
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_two_limiters_on_one_redis_share_one_count(redis_settings):
    first = RateLimiter.from_settings(make_settings(**redis_settings))
    second = RateLimiter.from_settings(make_settings(**redis_settings))

    results = [limiter.hit(THREE_A_MINUTE, "k") for limiter in (first, second, first, second)]

    assert results == [True, True, True, False]
    assert second.retry_after(THREE_A_MINUTE, "k") > 1


def test_without_redis_url_each_limiter_counts_alone():
    first = RateLimiter.from_settings(make_settings())
    second = RateLimiter.from_settings(make_settings())
    for _ in range(3):
        assert first.hit(THREE_A_MINUTE, "k")
    assert second.hit(THREE_A_MINUTE, "k")


def test_a_dead_redis_lets_requests_through_and_logs_once(dead_redis, caplog):
    limiter = RateLimiter.from_settings(make_settings(**dead_redis))
    with caplog.at_level(logging.WARNING, logger="app.core.ratelimit"):
        results = [limiter.hit(THREE_A_MINUTE, "k") for _ in range(10)]
    assert results == [True] * 10
    [line] = [r.getMessage() for r in caplog.records if r.name == "app.core.ratelimit"]
    assert line.startswith("Redis unreachable for the rate limits, allowing every hit")


def test_a_dead_redis_makes_a_fail_closed_limiter_count_in_this_process(dead_redis):
    limiter = RateLimiter.from_settings(make_settings(**dead_redis), fail_closed=True)
    results = [limiter.hit(THREE_A_MINUTE, "k") for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert limiter.retry_after(THREE_A_MINUTE, "k") > 1


def test_a_silent_redis_stalls_one_hit_briefly_then_none(silent_redis):
    limiter = RateLimiter.from_settings(make_settings(**silent_redis))
    started = time.perf_counter()
    limiter.hit(THREE_A_MINUTE, "k")
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(50):
        assert limiter.hit(THREE_A_MINUTE, "k")
    rest = time.perf_counter() - started
    assert first < 1.5  # one short socket timeout (a connect and a read at most)
    assert rest < 0.1  # the limiter leaves Redis alone for a while instead of waiting again


def test_the_start_up_log_says_whether_limits_are_shared(database_url, redis_settings, caplog):
    from app.main import create_app

    with caplog.at_level(logging.INFO, logger="app.core.ratelimit"):
        create_app(make_settings(database_url=database_url))
        create_app(make_settings(database_url=database_url, **redis_settings))
    lines = [r.getMessage() for r in caplog.records if r.name == "app.core.ratelimit"]
    assert lines == [
        "Rate limits: per process (REDIS_URL is unset)",
        "Rate limits: shared through Redis at 127.0.0.1:6379 "
        f"(key prefix {redis_settings['redis_key_prefix']!r})",
    ]
