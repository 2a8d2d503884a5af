"""Alembic environment: the URL comes from app.migrate, or from the app's settings (DATABASE_URL)
when Alembic runs from the command line with the repository's alembic.ini."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from app import models  # noqa: F401 - registers the tables on Base.metadata
from app.core.config import ConfigError, load_settings
from app.core.db import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    if "database_url" in config.attributes:  # app.migrate
        return config.attributes["database_url"]
    if config.config_file_name:
        fileConfig(config.config_file_name)
    try:
        return load_settings().database_url
    except ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None


def run_migrations_online() -> None:
    engine = create_engine(database_url())
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
