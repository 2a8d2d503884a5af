"""Database fixtures: a fresh SQLite file, and PostgreSQL where it runs."""

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.db import Base
from scripts.fakes.served_app import sqlite_database

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_ADDRESS = f"{make_url(POSTGRES_URL).host}:{make_url(POSTGRES_URL).port or 5432}"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host, url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A schema of this run's own on the PostgreSQL server, dropped at the end.

    Several checkouts run the suite against one server at the same time: sharing tables, they
    would drop and truncate each other's mid-test. A schema, unlike a database, is dropped at
    once (DROP DATABASE waits for a checkpoint).
    """
    if not _postgres_reachable():
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {POSTGRES_ADDRESS}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADDRESS}: skipped the PostgreSQL run")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Every connection of the run, the app's included, finds only this schema's tables.
    private = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_engine(private)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield private.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `both_backends` run on SQLite and on PostgreSQL; the others on SQLite."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the app's empty tables, built once and copied for each test (a copy
    costs 0.2 ms; building the tables, 15 ms)."""
    url = sqlite_database(tmp_path_factory.getbasetemp() / "sqlite-template")
    return Path(make_url(url).database)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty schema for every test: SQLite, or PostgreSQL where the backend matters."""
    if getattr(request, "param", "sqlite") == "sqlite":
        path = tmp_path / "app.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # tests may drop a table to provoke a DB failure
    with engine.begin() as connection:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


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
        if "postgres" in getattr(report, "keywords", {}) and getattr(report, "when", "") == "setup"
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
