"""Alembic environment: the URL comes from the caller (app.migrate), the schema from app.models."""

from alembic import context
from sqlalchemy import create_engine

from app import models  # noqa: F401 - registers the tables on Base.metadata
from app.core.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = create_engine(config.attributes["database_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
