"""Alembic migrations build exactly the schema the models describe, on every backend."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from app.core.db import Base
from app.migrate import upgrade

# The schema must come out the same on both databases.
pytestmark = pytest.mark.both_backends


def test_migrations_match_the_models(database_url):
    engine = create_engine(database_url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))

    upgrade(database_url)
    upgrade(database_url)  # running it again is a no-op, as on every deploy

    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() is not None
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
