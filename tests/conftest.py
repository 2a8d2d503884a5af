"""Fixtures: a real database (SQLite, and PostgreSQL where it runs), the app, and a local Sentry."""

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sentry_sdk
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings, load_settings
from app.core.db import Base
from app.main import create_app
from tests.sentry_inbox import SentryInbox

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


POSTGRES_ADDRESS = f"{make_url(POSTGRES_URL).host}:{make_url(POSTGRES_URL).port or 5432}"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_ADDRESS = f"{REDIS_HOST}:{REDIS_PORT}"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    return _reachable(url.host, url.port or 5432)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local redis-server; its tests are skipped where none runs, and fail in CI."""
    if not _reachable(REDIS_HOST, REDIS_PORT):
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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not _postgres_reachable():
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {POSTGRES_ADDRESS}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADDRESS}: skipped the PostgreSQL run")
    engine = create_engine(POSTGRES_URL)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.create_all(engine)
    engine.dispose()
    yield POSTGRES_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty schema on each backend for every test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # tests may drop a table to provoke a DB failure
    with engine.begin() as connection:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def local_http_server() -> Iterator[HTTPServer]:
    """A threaded HTTP server on a free loopback port, for fakes of external services."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sentry_server() -> Iterator[HTTPServer]:
    yield from local_http_server()


@pytest.fixture
def sentry_inbox(sentry_server: HTTPServer) -> Iterator[SentryInbox]:
    sentry_server.clear()
    inbox = SentryInbox(sentry_server)
    yield inbox
    inbox.clear()


@pytest.fixture(autouse=True)
def _sentry_off_after_test() -> Iterator[None]:
    """sentry_sdk.init is process-global: close the client a test started, so none leaks on."""
    yield
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    sentry_sdk.get_isolation_scope().clear()
    sentry_sdk.get_current_scope().clear()


def make_settings(**values: object) -> Settings:
    """Settings from explicit values only, never from a developer's `.env`."""
    values.setdefault("secret_key", TEST_SECRET_KEY)
    # Cheap argon2: passwords in tests protect nothing, and production's 64 MiB x 3 passes cost
    # ~0.1 s per hash.
    values.setdefault("argon2_time_cost", 1)
    values.setdefault("argon2_memory_kib", 64)
    values.setdefault("argon2_parallelism", 1)
    values.setdefault("_env_file", None)
    return load_settings(**values)


@pytest.fixture
def settings_factory(database_url: str) -> Callable[..., Settings]:
    return lambda **values: make_settings(**{"database_url": database_url, **values})


@pytest.fixture
def app_factory(settings_factory: Callable[..., Settings]) -> Callable[..., FastAPI]:
    return lambda **values: create_app(settings_factory(**values))


@pytest.fixture
def client_factory(app_factory: Callable[..., FastAPI]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def build(**values: object) -> TestClient:
        client = TestClient(app_factory(**values), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_factory: Callable[..., TestClient]) -> TestClient:
    """The app on its embedded defaults: Sentry off."""
    return client_factory()


@pytest.fixture
def sentry_client(
    client_factory: Callable[..., TestClient], sentry_inbox: SentryInbox
) -> TestClient:
    """The app with Sentry on, sending to the local inbox, every request traced, no storm cap
    (tests that need every event; the cap has its own tests in test_noise.py)."""
    return client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
    )


def drop_session_tables(database_url: str) -> None:
    """Make every sessions query fail, the way a lost table or a broken migration would."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE recordings"))  # it references coaching_sessions
        connection.execute(text("DROP TABLE messages"))
        connection.execute(text("DROP TABLE coaching_sessions"))
    engine.dispose()


def _setups(terminalreporter, selected) -> list:
    return [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", "") == "setup" and selected(report)
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say in one line each whether the PostgreSQL run and the Redis tests happened."""
    postgres = _setups(terminalreporter, lambda report: "[postgresql]" in report.nodeid)
    if postgres and all(report.skipped for report in postgres):
        terminalreporter.write_line(
            f"PostgreSQL not reachable at {POSTGRES_ADDRESS}: skipped the PostgreSQL run "
            "(SQLite only)"
        )
    elif postgres:
        terminalreporter.write_line(f"PostgreSQL run: used {POSTGRES_ADDRESS}")
    shared = _setups(terminalreporter, lambda report: "redis" in report.keywords)
    if shared and all(report.skipped for report in shared):
        terminalreporter.write_line(
            f"Redis not reachable at {REDIS_ADDRESS}: skipped the Redis tests (shared limits)"
        )
    elif shared:
        terminalreporter.write_line(f"Redis tests: used {REDIS_ADDRESS}")
