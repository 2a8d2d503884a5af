"""Sentry for the whole service: one init, one scrubbing hook, and small helpers.

Every helper is a cheap no-op while Sentry is off, and none of them ever raises:
observability must not break the request it observes.
"""

import logging
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.boto3 import Boto3Integration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.integrations.openai import OpenAIIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.tracing import NoOpSpan
from sentry_sdk.utils import event_from_exception

from app import __version__
from app.core import budgets
from app.core.config import Settings
from app.core.scrubbing import Scrubber
from app.core.sentry_asgi import disabled_integrations, request_integrations
from app.core.sentry_filters import is_app_error, is_openai_integration_event
from app.core.sentry_transport import transport_options
from app.core.spotlight import keep_our_options


logger = logging.getLogger(__name__)

RELEASE_PREFIX = "genai-coach-backend@"
# Requests that are pure noise in Performance and cost quota for nothing.
UNTRACED_PATHS = frozenset({"/health", "/favicon.ico"})
# Where the event id of a captured exception is remembered, so that a second capture of the
# same exception (which DedupeIntegration drops and answers with None) still finds its id.
_EVENT_ID_ATTR = "__sentry_event_id__"

_scrubber = Scrubber()
_traces_sample_rate = 0.0


def init_sentry(settings: Settings) -> bool:
    """Start the SDK from the settings; return whether Sentry is on."""
    global _scrubber, _traces_sample_rate
    if not settings.sentry_enabled:
        logger.info("Sentry disabled: SENTRY_DSN is empty")
        return False
    _scrubber = Scrubber(extra_fields=settings.sentry_scrub_fields)
    _traces_sample_rate = settings.traces_sample_rate
    release = resolve_release(settings)
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value() if settings.sentry_dsn else None,
        environment=settings.environment,
        release=release,
        traces_sampler=traces_sampler,
        # The guide's profiles_sample_rate is transaction-based profiling, deprecated in
        # sentry-sdk 2.x; the continuous profiler in "trace" mode profiles sampled requests.
        profile_session_sample_rate=settings.sentry_profiles_sample_rate,
        profile_lifecycle="trace",
        attach_stacktrace=True,
        include_local_variables=True,
        data_collection=data_collection(settings),
        integrations=[
            *request_integrations(settings),
            SqlalchemyIntegration(),
            # Error events from logs come from app.core.logging's handler instead, which runs
            # before the log line is written, so the line can carry the event id.
            LoggingIntegration(level=logging.INFO, event_level=None),
            OpenAIIntegration(include_prompts=settings.sentry_send_ai_prompts),
            Boto3Integration(),
        ],
        disabled_integrations=disabled_integrations(settings),
        before_send=before_send_filter,
        before_send_transaction=before_send_transaction_filter,
        before_breadcrumb=_scrub_breadcrumb,
        spotlight=settings.spotlight_url or False,
        **transport_options(
            queue_size=settings.sentry_transport_queue_size,
            shutdown_timeout=settings.sentry_shutdown_timeout,
        ),
        **budgets.configure(
            api_ms=settings.sentry_budget_api_ms,
            db_ms=settings.sentry_budget_db_ms,
            external_ms=settings.sentry_budget_external_ms,
        ),
    )
    keep_our_options(sentry_sdk.get_client(), traces_sampler)
    # The 500 handler captures the exception itself and then logs it; the log line must not
    # become a second event for the same failure.
    ignore_logger("app.core.errors")
    ignore_logger("app.core.sentry_transport")
    logger.info(
        "Sentry enabled: environment=%s release=%s traces_sample_rate=%s profiles_sample_rate=%s",
        settings.environment,
        release,
        settings.traces_sample_rate,
        settings.sentry_profiles_sample_rate,
    )
    return True


def data_collection(settings: Settings) -> dict[str, Any]:
    """What the SDK may collect on its own.

    `send_default_pii` is deprecated; `data_collection` says the same thing per category. Passing
    it also switches off the SDK's EventScrubber, whose exact-name matching misses fields such as
    `refresh_token`; `before_send_filter` does that work for every channel instead.
    """
    terms = list(_scrubber.fields)
    denylist = {"mode": "denylist", "terms": terms}
    return {
        "user_info": False,  # the user comes only from set_user_context
        "cookies": denylist,
        "http_headers": {"request": denylist},
        "http_bodies": ["incoming_request"],
        "url_query_params": denylist,
        "graphql": {"document": False, "variables": False},
        # Coaching conversations are personal: prompts and replies only when asked for.
        "gen_ai": {
            "inputs": settings.sentry_send_ai_prompts,
            "outputs": settings.sentry_send_ai_prompts,
        },
        "database_query_data": False,
        "queues": False,
        "stack_frame_variables": True,
        "frame_context_lines": 5,
    }


def resolve_release(settings: Settings) -> str:
    """SENTRY_RELEASE, else Railway's commit, else the git commit, else the package version."""
    ref = settings.sentry_release or settings.railway_git_commit_sha or _git_commit() or __version__
    return ref if "@" in ref else RELEASE_PREFIX + ref


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def traces_sampler(sampling_context: dict[str, Any]) -> float:
    """Never trace noise; follow the caller's decision; otherwise use the configured rate."""
    asgi_scope = sampling_context.get("asgi_scope") or {}
    if asgi_scope.get("path") in UNTRACED_PATHS:
        return 0.0
    parent_sampled = sampling_context.get("parent_sampled")
    if parent_sampled is not None:
        return 1.0 if parent_sampled else 0.0
    return _traces_sample_rate


def before_send_filter(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Scrub secrets from every part of an error event before it leaves the process."""
    if is_openai_integration_event(event) or is_app_error(hint):
        # Failures our service layer reports itself, once, with user, tags and upstream
        # details (sentry-python #3758). Dropping a copy also resets DedupeIntegration.
        return None
    event = _scrubber.scrub_event(event)
    exc_info = hint.get("exc_info")
    if exc_info and exc_info[1] is not None:
        try:
            setattr(exc_info[1], _EVENT_ID_ATTR, event.get("event_id"))
        except (AttributeError, TypeError):  # exceptions with __slots__
            pass
    return event


def before_send_transaction_filter(
    event: dict[str, Any], hint: dict[str, Any]
) -> dict[str, Any] | None:
    """Scrub transactions too: span data and request details can carry secrets."""
    budgets.mark_over_budget(event)  # tags spans and the request that went over budget
    return _scrubber.scrub_event(event)


def _scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return _scrubber.scrub_breadcrumb(crumb)


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
        client = sentry_sdk.get_client()
        event, hint = event_from_exception(
            error, client_options=client.options, mechanism={"type": "app", "handled": handled}
        )
        scope_kwargs: dict[str, Any] = {"tags": dict(tags or {}), "extras": dict(extra or {})}
        if user:
            scope_kwargs["user"] = dict(user)
        event_id = sentry_sdk.capture_event(event, hint=hint, **scope_kwargs)
    except Exception:
        logger.warning("Sentry capture_exception failed", exc_info=True)
        return None
    return event_id or getattr(error, _EVENT_ID_ATTR, None)


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
    if not _active():
        return
    user = {"id": str(user_id), **extra}
    if email is not None:
        user["email"] = email
    if name is not None:
        user["name"] = name
    sentry_sdk.set_user(user)


def add_breadcrumb(
    message: str,
    category: str | None = None,
    level: str = "info",
    data: Mapping[str, Any] | None = None,
) -> None:
    """Record a step that explains a later error."""
    if not _active():
        return
    sentry_sdk.add_breadcrumb(
        message=message, category=category, level=level, data=dict(data or {})
    )


if __name__ == "__main__":
    # `python -m app.core.sentry check`: ops' one-command answer to "does Sentry work?"
    from app.core.sentry_check import main

    raise SystemExit(main())
