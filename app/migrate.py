"""Apply the database migrations: `python -m app.migrate` (run before the server starts)."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from app.core.config import ConfigError, load_settings
from app.core.logging import configure_logging

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
logger = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to `revision`."""
    from app.core.db import create_db_engine  # creates the SQLite folder if needed

    create_db_engine(database_url).dispose()
    command.upgrade(alembic_config(database_url), revision)


def main() -> None:
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise SystemExit(f"Configuration error: {exc}") from None
    configure_logging(settings.log_level)
    upgrade(settings.database_url)
    logger.info("Database migrated to the latest revision")


if __name__ == "__main__":
    main()
