"""ids are never reused: AUTOINCREMENT on every SQLite table

Without it SQLite hands the highest id out again after that row is deleted, so a deleted
user's id (and anything keyed on it) would pass to the next user. PostgreSQL sequences never
go back, so there is nothing to do there. The tables are rebuilt in batch mode: rows are
copied with their ids, and SQLite starts counting after the highest id it copies.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:30:00.000000
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("users", "coaching_sessions", "messages", "recordings")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
