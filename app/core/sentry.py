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
from sentry_sdk.scope import add_global_event_processor
from sentry_sdk.tracing import NoOpSpan
from sentry_sdk.utils import event_from_exception

from app import __version__
from app.core import budgets, sentry_hooks
from app.core.config import Settings
from app.core.sampling import UNTRACED_PATHS, TracesSampler  # noqa: F401 (re-exported)
from app.core.sentry_asgi import disabled_integrations, request_integrations
from app.core.sentry_hooks import (
    CAP_CHECKED,
    EVENT_ID_ATTR,
    allowed_user_fields,
    before_send_filter,
    before_send_transaction_filter,
    cap_error_storms,
    storm_capped,
)
from app.core.sentry_sql import sql_integration
from app.core.sentry_transport import transport_options
from app.core.spotlight import keep_our_options

logger = logging.getLogger(__name__)

RELEASE_PREFIX = "genai-coach-backend@"

_sampler = TracesSampler(0.0)
_processor_installed = False


def init_sentry(settings: Settings) -> bool:
    """Start the SDK from the settings; return whether Sentry is on."""
    global _sampler, _processor_installed
    if not settings.sentry_enabled:
        logger.info("Sentry disabled: SENTRY_DSN is empty")
        return False
    sentry_hooks.configure(settings)
    _sampler = TracesSampler(settings.traces_sample_rate, settings.sentry_traces_sample_rates)
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
            sql_integration(),  # SQL spans only for sampled requests
            # Error events from logs come from app.core.logging's handler instead, which runs
            # before the log line is written, so the line can carry the event id.
            LoggingIntegration(level=logging.INFO, event_level=None),
            OpenAIIntegration(include_prompts=settings.sentry_send_ai_prompts),
            Boto3Integration(),
        ],
        disabled_integrations=disabled_integrations(settings),
        before_send=before_send_filter,
        before_send_transaction=before_send_transaction_filter,
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
    if not _processor_installed:  # the processor list is process-wide and outlives init calls
        add_global_event_processor(cap_error_storms)
        _processor_installed = True
    # The 500 handler captures the exception itself and then logs it; the log line must not
    # become a second event for the same failure.
    ignore_logger("app.core.errors")
    ignore_logger("app.core.sentry_transport")
    ignore_logger(sentry_hooks.filter_logger.name)
    logger.info(
        "Sentry enabled: environment=%s release=%s traces_sample_rate=%s profiles_sample_rate=%s",
        settings.environment,
        release,
        settings.traces_sample_rate,
        settings.sentry_profiles_sample_rate,
    )
    return True


def data_collection(settings: Settings) -> dict[str, Any]:
    """What the SDK may collect on its own, category by category.

    `send_default_pii` is deprecated; `data_collection` says the same thing per category. Passing
    it also switches off the SDK's EventScrubber, whose exact-name matching misses fields such as
    `refresh_token`; `before_send_filter` does that work for every channel instead (the SDK's
    own denylist below, fed with our field names, is a first line only).
    """
    terms = list(sentry_hooks.scrub_terms())
    denylist = {"mode": "denylist", "terms": terms}
    return {
        # The user comes only from set_user_context (SENTRY_USER_FIELDS), never the client IP.
        "user_info": False,
        # The API authenticates with bearer tokens: cookies carry nothing worth debugging and
        # are where session ids live, so they are not collected at all.
        "cookies": {"mode": "off"},
        # Headers (user agent, content type, trace headers) explain a request; credentials in
        # them are filtered by name here and by name and shape in before_send.
        "http_headers": {"request": denylist},
        # The incoming body explains a failing request (scrubbed, errors only: transactions lose
        # it in before_send_transaction). Outgoing bodies are OpenAI prompts and S3 uploads.
        "http_bodies": ["incoming_request"],
        "url_query_params": denylist,
        "graphql": {"document": False, "variables": False},
        # Coaching conversations are personal: prompts and replies only when asked for.
        "gen_ai": {
            "inputs": settings.sentry_send_ai_prompts,
            "outputs": settings.sentry_send_ai_prompts,
        },
        # SQL statements are kept (parameters are not): slow queries need their text.
        "database_query_data": False,
        "queues": False,
        # The guide's include_local_variables: locals make a stack trace useful; secrets in them
        # (by name or shape, even inside reprs) are removed by before_send.
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
    """Never trace noise; follow the caller's decision; else the route's or configured rate."""
    return _sampler(sampling_context)


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
        dropped_id = storm_capped(error)
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
    if not _active():
        return
    user = {"id": str(user_id), **extra}
    if email is not None:
        user["email"] = email
    if name is not None:
        user["name"] = name
    # SENTRY_USER_FIELDS decides how much of the user Sentry learns (`id` alone, by default
    # id, email and name).
    sentry_sdk.set_user(allowed_user_fields(user))


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
