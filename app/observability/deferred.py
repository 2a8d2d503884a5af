"""Breadcrumbs and the user of a request, kept cheaply until an event needs them.

Nearly every request ends without sending anything, yet `sentry_sdk.add_breadcrumb` builds a
dict, reads the clock as a `datetime` and looks the client and its options up for each query
and each step, and `sentry_sdk.set_user` updates the request's session too (which request-mode
aggregates never read). On the lean request path the middleware gives each request a
`RequestRecord` instead: breadcrumbs go in as tuples, the user as the dict already limited to
SENTRY_USER_FIELDS, and the record, an event processor on the request's isolation scope, turns
them into event data only for an event the SDK actually sends. They then go through
before_send like everything else (scrubbing, the user's fields).

Outside a request on the lean path (scripts, background jobs, the stock integrations) there
is no record, and the SDK's own calls are used as before.
"""

import contextlib
import time
from collections import deque
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sentry_sdk
from sentry_sdk.consts import DEFAULT_MAX_BREADCRUMBS
from sentry_sdk.utils import capture_internal_exceptions

_record: ContextVar["RequestRecord | None"] = ContextVar("genai_coach_request_record", default=None)


class RecordSettings:
    """What the records of one client's requests share, read from the client once."""

    __slots__ = ("before_breadcrumb", "integration", "max_breadcrumbs", "query_breadcrumbs")

    def __init__(self, client: Any, integration: Any, *, query_breadcrumbs: bool) -> None:
        options = client.options
        self.max_breadcrumbs = options.get("max_breadcrumbs", DEFAULT_MAX_BREADCRUMBS)
        self.before_breadcrumb = options.get("before_breadcrumb")
        # Our CoachIntegration of this client, for the hooks that run during the request.
        self.integration = integration
        self.query_breadcrumbs = query_breadcrumbs


class RequestRecord:
    """One request's breadcrumbs and user; the event processor that adds them to its events."""

    __slots__ = ("crumbs", "settings", "user")

    def __init__(self, settings: RecordSettings) -> None:
        self.settings = settings
        # (timestamp, category, message, data, level); the oldest go first, as in the SDK.
        self.crumbs: deque[tuple] = deque(maxlen=settings.max_breadcrumbs)
        self.user: dict[str, Any] | None = None

    def __call__(self, event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        with capture_internal_exceptions():
            if event.get("user") is None and self.user is not None:
                event["user"] = dict(self.user)
            # The SDK puts breadcrumbs on errors and messages only, not transactions.
            if self.crumbs and event.get("type") not in ("transaction", "check_in"):
                self._add_breadcrumbs(event)
        return event

    def _add_breadcrumbs(self, event: dict[str, Any]) -> None:
        breadcrumbs = event.setdefault("breadcrumbs", {})
        if not isinstance(breadcrumbs, dict):
            return  # already annotated as truncated by someone else: leave it alone
        values = breadcrumbs.setdefault("values", [])
        values.extend(self._materialized())
        # A crumb without a comparable timestamp: they stay in the order they came in.
        with contextlib.suppress(KeyError, TypeError):
            values.sort(key=lambda crumb: crumb["timestamp"])
        del values[: -self.settings.max_breadcrumbs or len(values)]

    def _materialized(self) -> list[dict[str, Any]]:
        crumbs = []
        for timestamp, category, message, data, level in self.crumbs:
            crumb = {
                "timestamp": datetime.fromtimestamp(timestamp, UTC),
                "type": "default",
                "category": category,
                "message": message,
                "data": data,
            }
            if level is not None:
                crumb["level"] = level
            before_breadcrumb = self.settings.before_breadcrumb
            if before_breadcrumb is not None:
                crumb = before_breadcrumb(crumb, {})
            if crumb is not None:
                crumbs.append(crumb)
        return crumbs


def start(isolation: Any, settings: RecordSettings) -> Any:
    """Give the request a record on its isolation scope; returns the token `end` takes."""
    record = RequestRecord(settings)
    isolation.add_event_processor(record)
    return _record.set(record)


def current() -> RequestRecord | None:
    """The record of the request being served on the lean path; None anywhere else."""
    return _record.get()


def end(token: Any) -> None:
    _record.reset(token)


def add_breadcrumb(
    message: str, category: str | None, data: dict[str, Any], level: str | None = None
) -> None:
    """A breadcrumb for the request's next event (the SDK's own call outside a request)."""
    record = _record.get()
    if record is None:
        kwargs = {"level": level} if level is not None else {}
        sentry_sdk.add_breadcrumb(message=message, category=category, data=data, **kwargs)
        return
    record.crumbs.append((time.time(), category, message, data, level))


def set_user(user: dict[str, Any]) -> None:
    """The user of the request's events (the SDK's own call outside a request)."""
    record = _record.get()
    if record is None:
        sentry_sdk.set_user(user)
        return
    record.user = user
