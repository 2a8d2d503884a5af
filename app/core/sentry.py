"""Sentry for the whole service: the one public face of the Sentry layer.

`init_sentry` starts the SDK from the settings; `instrument_app` and `flush` serve `main.py`;
the six helpers (`capture_exception`, `capture_message`, `start_transaction`, `start_span`,
`set_user_context`, `add_breadcrumb`) serve the routers and services. The internals live in
`app.observability`, and nothing else imports them.

Every helper is a cheap no-op while Sentry is off, and none of them ever raises:
observability must not break the request it observes.
"""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sentry_sdk
from fastapi import FastAPI
from sentry_sdk.tracing import NoOpSpan
from sentry_sdk.utils import event_from_exception

from app.core.config import Settings
from app.observability import check, deferred, log_correlation, options
from app.observability.asgi import install_request_middleware
from app.observability.filters import (
    before_send_filter,
    before_send_transaction_filter,
    keep_request_private,
)
from app.observability.integration import CAP_CHECKED, EVENT_ID_ATTR, current
from app.observability.transport import flush_before_exit

__all__ = [
    "RECORD_EVENT_ID",
    "add_breadcrumb",
    "before_send_filter",
    "before_send_transaction_filter",
    "capture_exception",
    "capture_message",
    "flush",
    "init_sentry",
    "instrument_app",
    "keep_request_private",
    "log_context_filter",
    "log_event_handler",
    "resolve_release",
    "set_user_context",
    "start_span",
    "start_transaction",
]

logger = logging.getLogger(__name__)

# `logger.error(..., extra={RECORD_EVENT_ID: event_id})` names the event a line reports on, so
# the log handler does not send it a second time.
RECORD_EVENT_ID = log_correlation.RECORD_EVENT_ID
resolve_release = options.resolve_release


def init_sentry(settings: Settings) -> bool:
    """Start the SDK from the settings; return whether Sentry is on."""
    if not settings.sentry_enabled:
        logger.info("Sentry disabled: SENTRY_DSN is empty")
        return False
    options.start_sdk(settings)
    logger.info(
        "Sentry enabled: environment=%s release=%s traces_sample_rate=%s profiles_sample_rate=%s",
        settings.environment,
        sentry_sdk.get_client().options.get("release"),
        settings.traces_sample_rate,
        settings.sentry_profiles_sample_rate,
    )
    return True


def instrument_app(app: FastAPI, settings: Settings) -> None:
    """Put the request middleware around the app (per-request scope, transactions)."""
    install_request_middleware(app, settings)


def flush(timeout: float) -> None:
    """Send what is queued, for at most `timeout` seconds; for the app's shutdown."""
    flush_before_exit(timeout)


def log_event_handler() -> logging.Handler:
    """The root-logger handler that turns ERROR records into events (no-op while off)."""
    return log_correlation.SentryEventHandler(level=logging.ERROR)


def log_context_filter() -> logging.Filter:
    """A filter that adds `trace_id` and `event_id` to every record."""
    return log_correlation.SentryContextFilter()


def _active() -> bool:
    return sentry_sdk.get_client().is_active()


def capture_exception(
    error: BaseException,
    tags: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    user: Mapping[str, Any] | None = None,
    *,
    handled: bool = True,
) -> str | None:
    """Send one exception; tags, extra and user apply to this event only. Returns its id.

    `handled=False` marks an error that escaped the request handler (Sentry shows it as
    unhandled and counts it against the release's crash-free rate).
    """
    if not _active():
        return None
    try:
        integration = current()
        dropped_id = integration.cap_exception(error) if integration else None
        if dropped_id is not None:
            return dropped_id
        client = sentry_sdk.get_client()
        event, hint = event_from_exception(
            error, client_options=client.options, mechanism={"type": "app", "handled": handled}
        )
        hint[CAP_CHECKED] = True
        scope_kwargs: dict[str, Any] = {"tags": dict(tags or {}), "extras": dict(extra or {})}
        if user:
            scope_kwargs["user"] = dict(user)
        event_id = sentry_sdk.capture_event(event, hint=hint, **scope_kwargs)
    except Exception:
        logger.warning("Sentry capture_exception failed", exc_info=True)
        return None
    return event_id or getattr(error, EVENT_ID_ATTR, None)


def capture_message(
    message: str,
    level: str = "info",
    tags: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str | None:
    """Send one message event; tags and extra apply to this event only. Returns its id."""
    if not _active():
        return None
    try:
        return sentry_sdk.capture_message(
            message, level=level, tags=dict(tags or {}), extras=dict(extra or {})
        )
    except Exception:
        logger.warning("Sentry capture_message failed", exc_info=True)
        return None


@contextmanager
def start_transaction(name: str, op: str = "task", **data: Any) -> Iterator[Any]:
    """A transaction for work outside a request (a script, a background job)."""
    if not _active():
        yield NoOpSpan()
        return
    with sentry_sdk.start_transaction(name=name, op=op) as transaction:
        for key, value in data.items():
            transaction.set_data(key, value)
        yield transaction


@contextmanager
def start_span(op: str, description: str | None = None, **data: Any) -> Iterator[Any]:
    """A child span of the current transaction; `description` becomes the span's name."""
    if not _active():
        yield NoOpSpan()
        return
    with sentry_sdk.start_span(op=op, name=description) as span:
        for key, value in data.items():
            span.set_data(key, value)
        yield span


def set_user_context(
    user_id: object, email: str | None = None, name: str | None = None, **extra: Any
) -> None:
    """Attach the user to everything this request sends (the scope is per request)."""
    integration = current()
    if integration is None:
        return
    user = {"id": str(user_id), **extra}
    if email is not None:
        user["email"] = email
    if name is not None:
        user["name"] = name
    # SENTRY_USER_FIELDS decides how much of the user Sentry learns (`id` alone, by default
    # id, email and name).
    deferred.set_user(integration.allowed_user_fields(user))


def add_breadcrumb(
    message: str,
    category: str | None = None,
    level: str = "info",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Record a step that explains a later error."""
    if deferred.current() is None and not _active():  # (a request's record: Sentry is on)
        return
    deferred.add_breadcrumb(message, category, dict(data or {}), level)


if __name__ == "__main__":
    # `python -m app.core.sentry check`: ops' one-command answer to "does Sentry work?"
    raise SystemExit(check.main())
