"""Upgrading a database that already holds data keeps every row, and ids are never reused."""

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from app.core.db import Base
from app.migrate import upgrade

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ROWS = {
    "users": "INSERT INTO users (id, email, name, hashed_password, created_at)"
    " VALUES (1, 'ada@example.com', 'Ada', 'h', :now), (2, 'bob@example.com', 'Bob', 'h', :now)",
    "coaching_sessions": "INSERT INTO coaching_sessions (id, user_id, title, created_at)"
    " VALUES (1, 1, 'Pitch', :now)",
    "messages": "INSERT INTO messages (id, session_id, role, content, created_at)"
    " VALUES (1, 1, 'user', 'Hello coach', :now)",
    "recordings": "INSERT INTO recordings (id, user_id, session_id, filename, content_type, size,"
    " storage_key, created_at) VALUES (1, 1, 1, 'a.wav', 'audio/wav', 3, '1/abc', :now)",
}


def _empty(database_url: str):
    engine = create_engine(database_url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return engine


def test_upgrade_keeps_the_data_of_the_previous_head(database_url):
    engine = _empty(database_url)
    upgrade(database_url, "0002")
    with engine.begin() as connection:
        for insert in ROWS.values():
            connection.execute(text(insert), {"now": NOW})

    upgrade(database_url)

    with engine.connect() as connection:
        emails = connection.execute(text("SELECT email FROM users ORDER BY id")).scalars().all()
        assert emails == ["ada@example.com", "bob@example.com"]
        assert connection.execute(text("SELECT title FROM coaching_sessions")).scalar() == "Pitch"
        assert connection.execute(text("SELECT content FROM messages")).scalar() == "Hello coach"
        assert connection.execute(text("SELECT storage_key FROM recordings")).scalar() == "1/abc"
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_after_the_upgrade_a_deleted_users_id_is_never_given_out_again(database_url):
    engine = _empty(database_url)
    insert = text(
        "INSERT INTO users (email, name, hashed_password, created_at)"
        " VALUES (:email, 'Someone', 'h', :now) RETURNING id"
    )
    upgrade(database_url, "0002")
    with engine.begin() as connection:
        for email in ("ada@example.com", "bob@example.com"):
            last_id = connection.execute(insert, {"email": email, "now": NOW}).scalar()
    upgrade(database_url)

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": last_id})
        new_id = connection.execute(insert, {"email": "eve@example.com", "now": NOW}).scalar()
    engine.dispose()
    assert new_id > last_id
