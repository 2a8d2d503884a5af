"""SQL queries in Sentry: a span inside a sampled transaction, a breadcrumb always.

sentry-sdk 2.75's SqlalchemyIntegration starts a real span for every query, whether or not a
sampled transaction will ever carry it (`Scope.start_span` builds a `Span` when there is no
parent, forks the scope, times it and throws it away). Most requests are not sampled, so
that was the largest always-on cost of Sentry on a DB-backed endpoint (~60-90 us per query,
see docs/performance.md). This integration keeps the SDK's span code for sampled work, and
for everything else records only what can still leave the process: the query breadcrumb,
which explains a later error.

It listens to the dialect's `do_execute*` events, not to the connection's
`before/after_cursor_execute` the SDK uses. A connection listener makes every new
`Connection` join its event dispatcher with the engine's and fill each event's listener list
on first use (nearly half of what Sentry added to an unsampled request, counted with
scripts/bench_instructions.py); dialect events cost nothing per connection. Around a sampled
query the listener runs the SDK's own before/after hooks and executes the statement itself;
a failing statement's span is closed by the SDK's `handle_error` listener, as before.
"""

from collections.abc import Callable
from typing import Any

import sentry_sdk
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.utils import capture_internal_exception, parse_version
from sqlalchemy import __version__ as SQLALCHEMY_VERSION
from sqlalchemy.engine import Engine
from sqlalchemy.event import listen

from app.observability import _sdk_private as sdk
from app.observability import deferred
from app.observability.per_client import PerClient


def sql_integration() -> Integration:
    """The lean integration where this SDK has what it builds on, else the stock one."""
    return LeanSqlalchemyIntegration() if sdk.lean_sql_available() else SqlalchemyIntegration()


class LeanSqlalchemyIntegration(SqlalchemyIntegration):
    """SqlalchemyIntegration (same identifier, so the SDK's own listeners find it) that skips
    the span when no sampled span is active."""

    @staticmethod
    def setup_once() -> None:
        sdk.check_minimum_version(SqlalchemyIntegration, parse_version(SQLALCHEMY_VERSION))
        listen(Engine, "do_execute", _do_execute)
        listen(Engine, "do_executemany", _do_executemany)
        listen(Engine, "do_execute_no_params", _do_execute_no_params)
        listen(Engine, "handle_error", sdk.sql_handle_error)


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    if not _in_sampled_span():
        _breadcrumb(cursor, statement, False)
        return False
    return _traced(
        cursor, statement, parameters, context, False,
        lambda: context.dialect.do_execute(cursor, statement, parameters, context),
    )  # fmt: skip


def _do_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    if not _in_sampled_span():
        _breadcrumb(cursor, statement, True)
        return False
    return _traced(
        cursor, statement, parameters, context, True,
        lambda: context.dialect.do_executemany(cursor, statement, parameters, context),
    )  # fmt: skip


def _do_execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
    if not _in_sampled_span():
        _breadcrumb(cursor, statement, False)
        return False
    return _traced(
        cursor, statement, None, context, False,
        lambda: context.dialect.do_execute_no_params(cursor, statement, context),
    )  # fmt: skip


def _in_sampled_span() -> bool:
    span = sentry_sdk.get_current_scope().span  # what sentry_sdk.get_current_span() returns
    return span is not None and bool(span.sampled)


def _traced(
    cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool,
    execute: Callable[[], Any],
) -> bool:  # fmt: skip
    """Run the statement inside its span (the SDK's own hooks); True: SQLAlchemy must not."""
    connection = context.root_connection
    sdk.sql_before_cursor_execute(connection, cursor, statement, parameters, context, executemany)
    execute()  # an error reaches the SDK's handle_error, which closes the span as failed
    sdk.sql_after_cursor_execute(connection, cursor, statement, parameters, context, executemany)
    return True


# Whether the active client has the SQLAlchemy integration (another client may not).
_integration_on = PerClient(
    lambda client: client.get_integration(SqlalchemyIntegration) is not None
)


def _breadcrumb(cursor: Any, statement: str, executemany: bool) -> None:
    record = deferred.current()
    if not (record.settings.query_breadcrumbs if record is not None else _integration_on.get()):
        return
    # The breadcrumb record_sql_queries would add (parameters are never collected here:
    # data_collection.database_query_data is off).
    try:
        data = {"db.executemany": True} if executemany else {}
        message = sdk.format_sql(cursor, statement)
        deferred.add_breadcrumb(message, "query", data)
    except Exception as exc:  # capture_internal_exceptions(), without its three calls per query
        capture_internal_exception((type(exc), exc, exc.__traceback__))
