"""A real commit failure: a deferred constraint trigger on PostgreSQL.

Every statement of the transaction succeeds; PostgreSQL refuses the transaction at COMMIT, the
way a deferred foreign key or exclusion constraint would.
"""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text

postgres_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def refuse_commit(database_url: str) -> Iterator[Callable[..., None]]:
    """`refuse_commit("table", "INSERT")`: a transaction that does that fails at COMMIT."""
    engine = create_engine(database_url)
    tables: list[str] = []

    def install(table: str, operation: str = "INSERT") -> None:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION refuse_at_commit() RETURNS trigger"
                    " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"
                )
            )
            connection.execute(
                text(
                    f"CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER {operation} ON {table}"
                    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                    " EXECUTE FUNCTION refuse_at_commit()"
                )
            )
        tables.append(table)

    yield install
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_at_commit ON {table}"))
        connection.execute(text("DROP FUNCTION IF EXISTS refuse_at_commit()"))
    engine.dispose()
