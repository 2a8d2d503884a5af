"""SQL queries in Sentry: a span inside a sampled transaction, a breadcrumb always.

sentry-sdk 2.75's SqlalchemyIntegration starts a real span for every query, whether or not a
sampled transaction will ever carry it (`Scope.start_span` builds a `Span` when there is no
parent, forks the scope, times it and throws it away). Most requests are not sampled, so
that was the largest always-on cost of Sentry on a DB-backed endpoint (~60-90 us per query,
see docs/performance.md). This integration keeps the SDK's listeners and behaviour for
sampled work, and for everything else records only what can still leave the process: the
query breadcrumb, which explains a later error.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.utils import capture_internal_exceptions, parse_version
from sqlalchemy import __version__ as SQLALCHEMY_VERSION
from sqlalchemy.engine import Engine
from sqlalchemy.event import listen

from app.observability import _sdk_private as sdk
from app.observability import deferred


def sql_integration() -> Integration:
    """The lean integration where this SDK has what it builds on, else the stock one."""
    return LeanSqlalchemyIntegration() if sdk.lean_sql_available() else SqlalchemyIntegration()


class LeanSqlalchemyIntegration(SqlalchemyIntegration):
    """SqlalchemyIntegration (same identifier, so the SDK's own listeners find it) that skips
    the span when no sampled span is active."""

    @staticmethod
    def setup_once() -> None:
        sdk.check_minimum_version(SqlalchemyIntegration, parse_version(SQLALCHEMY_VERSION))
        listen(Engine, "before_cursor_execute", _before_cursor_execute)
        listen(Engine, "after_cursor_execute", sdk.sql_after_cursor_execute)
        listen(Engine, "handle_error", sdk.sql_handle_error)


def _before_cursor_execute(
    conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: bool,
    *args: Any,
) -> None:  # fmt: skip
    span = sentry_sdk.get_current_span()
    if span is not None and span.sampled:
        sdk.sql_before_cursor_execute(
            conn, cursor, statement, parameters, context, executemany, *args
        )
        return
    if sentry_sdk.get_client().get_integration(SqlalchemyIntegration) is None:
        return
    # The breadcrumb record_sql_queries would add (parameters are never collected here:
    # data_collection.database_query_data is off).
    with capture_internal_exceptions():
        data = {"db.executemany": True} if executemany else {}
        message = sdk.format_sql(cursor, statement)
        deferred.add_breadcrumb(message, "query", data)
