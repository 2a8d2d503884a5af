"""Log lines and Sentry events that lead to each other.

Every line carries the Sentry trace id and, where one exists, the event id, so that a line in
Railway's logs leads to its trace or issue in Sentry (search `trace:<id>` or the event id) and
back. sentry-sdk's LoggingIntegration would send ERROR records only after all handlers ran, too
late for the line to know its event id; so the SDK set-up keeps that integration for
breadcrumbs only and the SDK's own EventHandler sits first on the root logger
(`app.core.logging`). Errors reach Sentry once: one record is one event, DedupeIntegration
drops a second capture of the same exception (say, `capture_exception(exc)` then
`logger.exception(...)`), and a record that names its event already (`RECORD_EVENT_ID` in
`extra`) is not sent again.
"""

import logging

import sentry_sdk
from sentry_sdk.integrations.logging import EventHandler

from app.observability.integration import EVENT_ID_ATTR
from app.observability.request_data import in_request

NONE = "-"
# `logger.error(..., extra={RECORD_EVENT_ID: event_id})`: the event was sent already.
RECORD_EVENT_ID = "sentry_event_id"


class SentryEventHandler(EventHandler):
    """The SDK's handler that turns ERROR records into events; it notes the id on the record."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, RECORD_EVENT_ID, None):
            return  # reported by the code that logs it
        scope = sentry_sdk.get_isolation_scope()
        before = scope.last_event_id()
        super().emit(record)
        after = scope.last_event_id()
        if after and after != before:
            setattr(record, RECORD_EVENT_ID, after)


class SentryContextFilter(logging.Filter):
    """Adds `trace_id` and `event_id` to each record; cheap and silent when Sentry is off."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id, record.event_id = NONE, NONE
        try:
            if sentry_sdk.get_client().is_active():
                record.trace_id = _trace_id() or NONE
                record.event_id = _event_id(record) or NONE
        except Exception:
            pass
        return True


def _trace_id() -> str | None:
    traceparent = sentry_sdk.get_traceparent()
    return traceparent.split("-", 1)[0] if traceparent else None


def _event_id(record: logging.LogRecord) -> str | None:
    """The event this record produced or its exception's; else the request's or task's last.

    Outside a request or a transaction the last event id belongs to the process, not to this
    line, so it is not used there. A request has its own isolation scope whether or not it was
    sampled, so its last event is this line's context.
    """
    if getattr(record, RECORD_EVENT_ID, None):
        return getattr(record, RECORD_EVENT_ID)
    if record.exc_info and record.exc_info[1] is not None:
        event_id = getattr(record.exc_info[1], EVENT_ID_ATTR, None)
        if event_id:
            return event_id
    if not in_request() and sentry_sdk.get_current_span() is None:
        return None
    return sentry_sdk.last_event_id()
