"""The sentry_sdk.init options, built from the settings, and the release name.

`start_sdk` is the whole set-up: it builds the `CoachIntegration` (our per-client state),
passes every option to `sentry_sdk.init`, and undoes what the SDK changes on its own in
DSN-less Spotlight mode.
"""

import logging
import subprocess
from pathlib import Path
from typing import Any

import sentry_sdk
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.argv import ArgvIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger

from app import __version__
from app.core.config import Settings
from app.core.ratelimit import RateLimiter
from app.observability import _sdk_private as sdk
from app.observability import filters, transport
from app.observability.asgi import request_integrations
from app.observability.budgets import Budgets
from app.observability.integration import CoachIntegration
from app.observability.sampling import TracesSampler
from app.observability.scrubbing import Scrubber
from app.observability.spotlight import keep_our_options
from app.observability.sql import sql_integration
from app.observability.storm_cap import StormCap

RELEASE_PREFIX = "genai-coach-backend@"
# Our own warnings about Sentry (lost events, dropped events) must never become events or
# breadcrumbs in the queue they report on.
_QUIET_LOGGERS = (transport.logger.name, filters.logger.name)


def start_sdk(settings: Settings) -> CoachIntegration:
    """Call sentry_sdk.init with everything the settings ask for; return our integration."""
    integration = build_integration(settings)
    sdk.warn_if_missing()
    sentry_sdk.init(**sdk_options(settings, integration))
    keep_our_options(sentry_sdk.get_client(), integration.sampler)
    for name in _QUIET_LOGGERS:
        ignore_logger(name)
    return integration


def build_integration(settings: Settings) -> CoachIntegration:
    """Our per-client state: scrubber, storm cap, user fields, budgets and sampler."""
    return CoachIntegration(
        scrubber=Scrubber(extra_fields=settings.sentry_scrub_fields),
        storm_cap=StormCap(
            per_issue=settings.sentry_max_events_per_issue_per_minute,
            overall=settings.sentry_max_events_per_minute,
            # Fails closed: while Redis is down, the cap counts in this process.
            limiter=RateLimiter.from_settings(settings, fail_closed=True),
        ),
        user_fields=settings.sentry_user_fields,
        budgets=Budgets(
            api_ms=settings.sentry_budget_api_ms,
            db_ms=settings.sentry_budget_db_ms,
            external_ms=settings.sentry_budget_external_ms,
        ),
        sampler=TracesSampler(settings.traces_sample_rate, settings.sentry_traces_sample_rates),
    )


def sdk_options(settings: Settings, integration: CoachIntegration) -> dict[str, Any]:
    """Every keyword argument of sentry_sdk.init."""
    return {
        "dsn": settings.sentry_dsn.get_secret_value() if settings.sentry_dsn else None,
        "environment": settings.environment,
        "release": resolve_release(settings),
        "traces_sampler": integration.sampler,
        # The guide's profiles_sample_rate is transaction-based profiling, deprecated in
        # sentry-sdk 2.x; the continuous profiler in "trace" mode profiles sampled requests.
        "profile_session_sample_rate": settings.sentry_profiles_sample_rate,
        "profile_lifecycle": "trace",
        "attach_stacktrace": True,
        "include_local_variables": True,
        "max_value_length": settings.sentry_max_value_length,
        "data_collection": data_collection(settings, integration.scrubber.fields),
        "integrations": [
            integration,
            *request_integrations(settings),
            sql_integration(),  # SQL spans only for sampled requests
            # Error events from logs come from the log handler of `log_correlation` instead,
            # which runs before the log line is written, so the line can carry the event id.
            LoggingIntegration(level=logging.INFO, event_level=None),
            *client_integrations(settings),
        ],
        # Only the integrations listed here: the SDK would otherwise import every library
        # it knows of that is installed, `openai` included (a third of the app's import
        # time) in a process that has no OpenAI key, and enable Starlette/FastAPI next to
        # our middleware.
        "auto_enabling_integrations": False,
        # Argv copies the worker's command line into every event and transaction: constant,
        # useless for a web service, and serialized each time.
        "disabled_integrations": [ArgvIntegration()],
        "before_send": filters.before_send_filter,
        "before_send_transaction": filters.before_send_transaction_filter,
        "spotlight": settings.spotlight_url or False,
        **transport.transport_options(
            queue_size=settings.sentry_transport_queue_size,
            shutdown_timeout=settings.sentry_shutdown_timeout,
        ),
        **integration.budgets.sdk_options(),
    }


def client_integrations(settings: Settings) -> list[Integration]:
    """The SDK's integrations for the clients this process uses: S3 when S3_BUCKET is set,
    OpenAI (and the HTTP client under it) when OPENAI_API_KEY is set, Redis when REDIS_URL
    is set. Each is imported only then: each imports its library."""
    integrations: list[Integration] = []
    if settings.s3_bucket:
        from sentry_sdk.integrations.boto3 import Boto3Integration

        integrations.append(Boto3Integration())
    if settings.openai_api_key is not None:
        from sentry_sdk.integrations.httpx2 import Httpx2Integration
        from sentry_sdk.integrations.openai import OpenAIIntegration

        integrations += [
            OpenAIIntegration(include_prompts=settings.sentry_send_ai_prompts),
            Httpx2Integration(),
        ]
    if settings.redis_url is not None:
        from sentry_sdk.integrations.redis import RedisIntegration

        integrations.append(RedisIntegration())
    return integrations


def data_collection(settings: Settings, scrub_terms: tuple[str, ...]) -> dict[str, Any]:
    """What the SDK may collect on its own, category by category.

    `send_default_pii` is deprecated; `data_collection` says the same thing per category. Passing
    it also switches off the SDK's EventScrubber, whose exact-name matching misses fields such as
    `refresh_token`; `before_send_filter` does that work for every channel instead (the SDK's
    own denylist below, fed with our field names, is a first line only).
    """
    denylist = {"mode": "denylist", "terms": list(scrub_terms)}
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
