"""Application logging: on the root logger, a Sentry event handler then a stream handler.

Every line carries the Sentry trace id and, where one exists, the event id, so that a line in
Railway's logs leads to its trace or issue in Sentry (search `trace:<id>` or the event id) and
back. sentry-sdk's LoggingIntegration would send ERROR records only after all handlers ran, too
late for the line to know its event id; so sentry.py keeps that integration for breadcrumbs
only and the SDK's own EventHandler sits first on the root logger here. Errors reach Sentry
once: one record is one event, and DedupeIntegration drops a second capture of the same
exception (say, `capture_exception(exc)` then `logger.exception(...)`).
"""

import logging
import sys

import sentry_sdk
from sentry_sdk.integrations.logging import EventHandler

from app.core.sentry_hooks import EVENT_ID_ATTR

FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s event_id=%(event_id)s]: %(message)s"
)
NONE = "-"
_RECORD_EVENT_ID = "sentry_event_id"


class SentryEventHandler(EventHandler):
    """The SDK's handler that turns ERROR records into events; it notes the id on the record."""

    def emit(self, record: logging.LogRecord) -> None:
        scope = sentry_sdk.get_isolation_scope()
        before = scope.last_event_id()
        super().emit(record)
        after = scope.last_event_id()
        if after and after != before:
            setattr(record, _RECORD_EVENT_ID, after)


class SentryContextFilter(logging.Filter):
    """Adds `trace_id` and `event_id` to each record; cheap and silent when Sentry is off."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id, record.event_id = NONE, NONE
        try:
            if sentry_sdk.get_client().is_active():
                record.trace_id = _trace_id() or NONE
                record.event_id = _event_id(record) or NONE
        except Exception:  # noqa: BLE001, S110 - a log line must never fail because of Sentry
            pass
        return True


def _trace_id() -> str | None:
    traceparent = sentry_sdk.get_traceparent()
    return traceparent.split("-", 1)[0] if traceparent else None


def _event_id(record: logging.LogRecord) -> str | None:
    """The event this record produced or its exception's; else the request's or task's last.

    Outside a transaction the last event id belongs to the process, not to this line, so it is
    not used there.
    """
    if getattr(record, _RECORD_EVENT_ID, None):
        return getattr(record, _RECORD_EVENT_ID)
    if record.exc_info and record.exc_info[1] is not None:
        event_id = getattr(record.exc_info[1], EVENT_ID_ATTR, None)
        if event_id:
            return event_id
    if sentry_sdk.get_current_span() is None:
        return None
    return sentry_sdk.last_event_id()


def configure_logging(level: str) -> None:
    """Send ERROR records to Sentry, then write every record to stderr with trace and event ids."""
    root = logging.getLogger()
    if not any(getattr(handler, "_genai_coach", False) for handler in root.handlers):
        events = SentryEventHandler(level=logging.ERROR)  # a no-op while Sentry is off
        events._genai_coach = True  # type: ignore[attr-defined]
        root.addHandler(events)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(SentryContextFilter())
        handler._genai_coach = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
