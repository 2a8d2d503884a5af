"""Fixtures: a real database (SQLite, and PostgreSQL where it runs), the app, and a local Sentry."""

import os
import socket
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


def _postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host, url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


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


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say in one line whether the PostgreSQL run happened."""
    postgres = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if "[postgresql]" in getattr(report, "nodeid", "") and getattr(report, "when", "") == "setup"
    ]
    if not postgres:
        return
    if all(report.skipped for report in postgres):
        terminalreporter.write_line(
            f"PostgreSQL not reachable at {POSTGRES_ADDRESS}: skipped the PostgreSQL run "
            "(SQLite only)"
        )
    else:
        terminalreporter.write_line(f"PostgreSQL run: used {POSTGRES_ADDRESS}")
