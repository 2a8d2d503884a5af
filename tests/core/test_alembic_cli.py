"""Alembic from the repository root reads DATABASE_URL, and `alembic check` finds the models
and the migrations in agreement, on every backend."""

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.core.db import Base
from scripts.fakes.forked import run_python

pytestmark = pytest.mark.both_backends

ROOT = Path(__file__).resolve().parents[2]


def _alembic(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "RAILWAY_"))}
    return run_python(["-m", "alembic", *args], cwd=ROOT, env={**env, "DATABASE_URL": database_url})


def _empty(database_url: str) -> None:
    engine = create_engine(database_url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def test_alembic_check_finds_models_and_migrations_in_agreement(database_url):
    _empty(database_url)
    # A platform URL as given: the settings add the psycopg driver.
    as_given = database_url.replace("postgresql+psycopg://", "postgresql://")

    upgrade = _alembic("upgrade", "head", database_url=as_given)
    check = _alembic("check", database_url=as_given)

    assert upgrade.returncode == 0, upgrade.stderr
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_alembic_check_fails_when_the_database_is_behind(database_url):
    _empty(database_url)
    check = _alembic("check", database_url=database_url)
    assert check.returncode != 0
    assert "not up to date" in check.stdout + check.stderr
