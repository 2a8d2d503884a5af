"""SQL queries in Sentry: a span inside a sampled transaction, a breadcrumb always.

sentry-sdk 2.75's SqlalchemyIntegration starts a real span for every query, whether or not a
sampled transaction will ever carry it (`Scope.start_span` builds a `Span` when there is no
parent, forks the scope, times it and throws it away). Most requests are not sampled, so
that was the largest always-on cost of Sentry on a DB-backed endpoint (~60-90 us per query,
see NOTES_issue5.md). This integration keeps the SDK's listeners and behaviour for sampled
work, and for everything else records only what can still leave the process: the query
breadcrumb, which explains a later error.
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.utils import capture_internal_exceptions, parse_version
from sqlalchemy import __version__ as SQLALCHEMY_VERSION
from sqlalchemy.engine import Engine
from sqlalchemy.event import listen

try:  # SDK internals (sentry-sdk 2.75); a release that moves them gets the stock integration
    from sentry_sdk.integrations import _check_minimum_version
    from sentry_sdk.integrations import sqlalchemy as sdk_sqlalchemy
    from sentry_sdk.tracing_utils import _format_sql

    _LISTENERS = (
        sdk_sqlalchemy._before_cursor_execute,
        sdk_sqlalchemy._after_cursor_execute,
        sdk_sqlalchemy._handle_error,
    )
except (ImportError, AttributeError):
    _LISTENERS = None


def sql_integration() -> Integration:
    """The lean integration where this SDK has what it builds on, else the stock one."""
    return LeanSqlalchemyIntegration() if _LISTENERS else SqlalchemyIntegration()


class LeanSqlalchemyIntegration(SqlalchemyIntegration):
    """SqlalchemyIntegration (same identifier, so the SDK's own listeners find it) that skips
    the span when no sampled span is active."""

    @staticmethod
    def setup_once() -> None:
        _check_minimum_version(SqlalchemyIntegration, parse_version(SQLALCHEMY_VERSION))
        _, sdk_after, sdk_handle_error = _LISTENERS
        listen(Engine, "before_cursor_execute", _before_cursor_execute)
        listen(Engine, "after_cursor_execute", sdk_after)
        listen(Engine, "handle_error", sdk_handle_error)


def _before_cursor_execute(
    conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: bool,
    *args: Any,
) -> None:  # fmt: skip
    span = sentry_sdk.get_current_span()
    if span is not None and span.sampled:
        _LISTENERS[0](conn, cursor, statement, parameters, context, executemany, *args)
        return
    if sentry_sdk.get_client().get_integration(SqlalchemyIntegration) is None:
        return
    # The breadcrumb record_sql_queries would add (parameters are never collected here:
    # data_collection.database_query_data is off).
    with capture_internal_exceptions():
        data = {"db.executemany": True} if executemany else {}
        message = _format_sql(cursor, statement)
        sentry_sdk.add_breadcrumb(message=message, category="query", data=data)
