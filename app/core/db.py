"""The database: engine, session factory, declarative base and the per-request session."""

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

logger = logging.getLogger(__name__)
_UNDO_KEY = "undo_on_rollback"

# Stable constraint names, so Alembic migrations can alter and drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def create_db_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets its folder created and foreign keys switched on.

    Bound parameters are the users' text (prompts, replies, names, password hashes): they never
    appear in exception messages, so not in logs or Sentry either (`hide_parameters`).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def undo_on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if this request's transaction does not commit (e.g. delete a stored file).

    Work outside the database, such as an uploaded object, cannot join the transaction; this
    keeps the two in agreement when the commit fails or the request raises.
    """
    session.info.setdefault(_UNDO_KEY, []).append(action)


def transactional_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction per request: commit when the handler returns, roll back when it raises.

    Served as a function-scoped dependency, so the commit happens before the response is sent:
    a 2xx means stored, and a failed commit becomes the request's error.
    """
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            _run_undo_actions(session)
            raise


def _run_undo_actions(session: Session) -> None:
    for action in reversed(session.info.pop(_UNDO_KEY, [])):
        try:
            action()
        except Exception:  # reported by the action's owner; the original error matters more
            logger.warning("An undo action after a rollback failed", exc_info=True)
