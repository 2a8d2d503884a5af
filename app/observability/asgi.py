"""A lean Sentry request path: one ASGI middleware instead of sentry-sdk's Starlette/FastAPI one.

The stock integrations cost more per request than our endpoints do (docs/performance.md):
they patch every Starlette layer, read and parse each body up front and build a transaction
for every request, sampled or not. This middleware does the same job with less work:

- a fresh isolation scope per request, so the user and breadcrumbs never bleed across requests;
- the incoming `sentry-trace`/`baggage` continued, so outgoing calls carry the trace on;
- the sampling decision first (through the configured `traces_sampler`), and a transaction
  only for a sampled request, named after the matched route template;
- request data (and a bounded copy of the body) attached only when an event is sent;
- a sampled transaction's plain parts handed to the SDK's serializer already in JSON form
  (`plain_parts`);
- the request's breadcrumbs and user kept on its own record (`deferred`), turned into
  event data only for an event that is sent;
- an exception that escapes captured once: not again when the 500 handler already
  reported it.

Everything else stays with sentry-sdk: client, scopes, scrubbing hooks, transport, and the
SQLAlchemy, OpenAI, boto3 and HTTP client integrations.
"""

import logging
import random
import sys
from contextlib import ExitStack
from typing import Any

import sentry_sdk
from fastapi import FastAPI
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.fastapi import FastApiIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.tracing import Transaction, TransactionSource
from sentry_sdk.tracing_utils import has_tracing_enabled
from sentry_sdk.utils import capture_internal_exceptions, event_from_exception
from sentry_sdk.utils import logger as sdk_logger

from app.core.config import Settings
from app.observability import _sdk_private as sdk
from app.observability import deferred, release_health
from app.observability.integration import EVENT_ID_ATTR, CoachIntegration
from app.observability.plain_parts import PlainParts
from app.observability.request_data import (
    BODY_METHODS,
    BodyTap,
    RequestProcessor,
    body_limit,
    done_serving,
    route_template,
    serving,
)
from app.observability.sampling import TracesSampler

OP_HTTP_SERVER = "http.server"
ORIGIN = "auto.http.lean_asgi"
_TRACE_HEADERS = (b"sentry-trace", b"baggage")
logger = logging.getLogger(__name__)
_warned: set[str] = set()


def lean_path(settings: Settings) -> bool:
    """Whether requests go through our middleware: asked for, and this SDK has what it needs."""
    return settings.sentry_lean_asgi and sdk.lean_asgi_available()


def request_integrations(settings: Settings) -> list[Integration]:
    """The stock request integrations, only when the lean path is off."""
    if lean_path(settings):
        return []
    return [
        StarletteIntegration(transaction_style="url"),
        FastApiIntegration(transaction_style="url"),
    ]


def install_request_middleware(app: FastAPI, settings: Settings) -> None:
    """Wrap the whole middleware stack, outside Starlette's ServerErrorMiddleware.

    Outermost, the middleware sees the 500 that ServerErrorMiddleware sends, and the scope it
    opens is still the current one while the 500 handler captures the exception. On the stock
    path, a thin wrapper only notes the request, so the storm cap knows its route.
    """
    if not settings.sentry_enabled:
        return
    _quiet_sdk_debug_logger()
    middleware = SentryRequestMiddleware if lean_path(settings) else RequestMarker
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: middleware(build())  # type: ignore[method-assign]


def _quiet_sdk_debug_logger() -> None:
    # sentry-sdk sets its logger to DEBUG and drops the records in a filter unless `debug` is
    # on: every logger.debug() in the SDK still builds a LogRecord (frame lookup included),
    # about two per transaction. At WARNING they are never built; warnings still show.
    if not sentry_sdk.get_client().options.get("debug"):
        logging.getLogger("sentry_sdk.errors").setLevel(logging.WARNING)


class RequestMarker:
    """Notes the request being served (the stock integrations do everything else)."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        token = serving(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            done_serving(token)


class SentryRequestMiddleware:
    """Per-request Sentry scope, trace continuation and (sampled) transaction.

    Its own bookkeeping is guarded the way the SDK guards its hooks: if a sentry-sdk release
    changes something it relies on, the request is served without Sentry's extras, never
    turned into a 500.
    """

    __slots__ = ("_plan", "app")

    def __init__(self, app: Any) -> None:
        self.app = app
        self._plan: _ClientPlan | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = sentry_sdk.get_client()
        if scope["type"] != "http" or not client.is_active():
            await self.app(scope, receive, send)
            return
        try:
            plan = self._plan
            if plan is None or plan.client is not client:
                plan = self._plan = _ClientPlan(client)
            isolation, scope_tokens = sdk.enter_request_scopes(client)
        except Exception:
            _warn_once("Sentry request set-up failed; serving requests without it")
            await self.app(scope, receive, send)
            return
        token = serving(scope)
        try:
            receive, transaction, record = _prepare(isolation, scope, receive, plan)
            session = plan.sessions.start(isolation)
            try:
                if transaction is None:
                    # Not through `_run`: one coroutine less for every untraced request.
                    try:
                        await self.app(scope, receive, send)
                    except Exception as exc:
                        _report_unhandled(exc)
                        raise
                else:
                    await _run_traced(self.app, scope, receive, send, transaction)
            finally:
                plan.sessions.end(isolation, session)
                if record is not None:
                    deferred.end(record)
        finally:
            sdk.exit_request_scopes(scope_tokens)  # never raises
            done_serving(token)


class _ClientPlan:
    """What the request path reads from a client's options, read once per client.

    Options are fixed when `sentry_sdk.init` builds the client (new options, new client), so
    a plan keyed on the client never goes stale.
    """

    __slots__ = (
        "body_limit",
        "client",
        "options",
        "our_sampler",
        "plain_parts",
        "record",
        "sampler",
        "sessions",
        "tracing",
    )

    def __init__(self, client: Any) -> None:
        self.client = client
        self.options = client.options
        self.tracing = has_tracing_enabled(client.options)
        sampler = client.options.get("traces_sampler")
        self.sampler = sampler if callable(sampler) else None
        self.our_sampler = isinstance(sampler, TracesSampler)
        self.body_limit = body_limit(client.options)
        self.sessions = release_health.RequestSessions(client)
        self.plain_parts = PlainParts(client)
        self.record = deferred.RecordSettings(
            client,
            client.get_integration(CoachIntegration),
            query_breadcrumbs=client.get_integration(SqlalchemyIntegration) is not None,
        )


def _prepare(isolation: Any, scope: dict[str, Any], receive: Any, plan: _ClientPlan) -> Any:
    """The request's scope set up; returns the receive to use, a sampled transaction and the
    token of the request's record of breadcrumbs and user (None when set-up failed)."""
    record = None
    try:
        isolation.clear_breadcrumbs()
        record = deferred.start(isolation, plan.record)
        tap = None
        if plan.body_limit and scope["method"] in BODY_METHODS:
            tap = BodyTap(receive, plan.body_limit)
        isolation.add_event_processor(RequestProcessor(scope, tap))
        incoming = _trace_headers(scope)
        if incoming:
            isolation.generate_propagation_context(incoming)
        else:
            isolation.set_new_propagation_context()  # no incoming trace: nothing to parse
        transaction = _sampled_transaction(isolation, scope, plan) if plan.tracing else None
        if transaction is not None:
            # The current scope's processors run after all the others: its parts made plain
            # last, once every processor has added its data.
            sentry_sdk.get_current_scope().add_event_processor(plan.plain_parts)
        return tap or receive, transaction, record
    except Exception:
        _warn_once("Sentry request set-up failed; serving requests without it")
        return receive, None, record


async def _run_traced(
    app: Any, scope: dict[str, Any], receive: Any, send: Any, transaction: Any
) -> None:
    stack = ExitStack()
    try:
        stack.enter_context(
            sentry_sdk.start_transaction(transaction, custom_sampling_context={"asgi_scope": scope})
        )
    except Exception:
        _warn_once("Sentry transaction failed to start; serving requests without it")
        await _run(app, scope, receive, send)
        return
    try:
        await _run(app, scope, receive, _status_recorder(send, transaction))
    except BaseException:
        _finish(stack, transaction, scope, sys.exc_info())
        raise
    _finish(stack, transaction, scope, (None, None, None))


def _finish(stack: ExitStack, transaction: Any, scope: dict[str, Any], exc_info: Any) -> None:
    with capture_internal_exceptions():
        _name_after_route(transaction, scope)
    with capture_internal_exceptions():
        stack.__exit__(*exc_info)


async def _run(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
    try:
        await app(scope, receive, send)
    except Exception as exc:
        _report_unhandled(exc)
        raise


def _report_unhandled(exc: Exception) -> None:
    """An exception that left the app unreported (the 500 handler reports the rest)."""
    if hasattr(exc, EVENT_ID_ATTR):
        # The 500 handler already reported it (or the storm cap dropped it). Building the
        # event again (frames, locals, source lines: ~10 ms) only for DedupeIntegration to
        # drop it would double the cost of every 500.
        return
    with capture_internal_exceptions():
        event, hint = event_from_exception(
            exc,
            client_options=sentry_sdk.get_client().options,
            mechanism={"type": "asgi", "handled": False},
        )
        sentry_sdk.capture_event(event, hint=hint)


def _warn_once(message: str) -> None:
    # A changed SDK fails every request the same way: one traceback says it, thousands drown it.
    if message in _warned:
        logger.debug(message, exc_info=True)
        return
    _warned.add(message)
    logger.warning(message, exc_info=True)


def _trace_headers(scope: dict[str, Any]) -> dict[str, str]:
    """Only the two headers continue_trace reads, without decoding every header."""
    found = {}
    for key, value in scope["headers"]:
        if key in _TRACE_HEADERS:
            found[key.decode("latin-1")] = value.decode("latin-1")
    return found


def _sampled_transaction(isolation: Any, scope: dict[str, Any], plan: _ClientPlan) -> Any:
    """A transaction for this request if it is sampled, else None (nothing built)."""
    client = plan.client
    context = sdk.propagation_context(isolation)
    rate = _sample_rate(plan, scope, context.parent_sampled)
    if rate > 0 and client.monitor:  # (a rate of 0 stays 0: no need to ask the monitor)
        rate /= 2**client.monitor.downsample_factor
    if rate <= 0:
        return _sampled_out(client)
    # The trace's own dice if it came with them; else new ones, which a trace this request
    # starts keeps in its baggage (the transaction and whatever continues the trace read them
    # there). The SDK would derive them from the trace id: ~70k instructions per request.
    incoming = sdk.incoming_sample_rand(context)
    dice = incoming if incoming is not None else _roll()
    if dice >= rate:
        return _sampled_out(client)
    return Transaction(
        op=OP_HTTP_SERVER,
        name=scope["path"],
        source=TransactionSource.URL,
        origin=ORIGIN,
        baggage=sdk.new_trace_baggage(dice) if context.baggage is None else context.baggage,
        parent_sampled=context.parent_sampled,
        trace_id=context.trace_id,
        parent_span_id=context.parent_span_id,
        same_process_as_parent=False,
    )


def _sampled_out(client: Any) -> None:
    if client.transport:
        client.transport.record_lost_event("sample_rate", data_category="transaction")


def _roll() -> float:
    """A sample_rand in [0, 1) with the SDK's six digits."""
    return random.randrange(1_000_000) / 1_000_000


def _sample_rate(plan: _ClientPlan, scope: dict[str, Any], parent_sampled: Any) -> float:
    sampler = plan.sampler
    if sampler is None:
        rate = parent_sampled if parent_sampled is not None else plan.options["traces_sample_rate"]
        return float(rate or 0.0)
    try:
        if plan.our_sampler:
            return sampler.for_request(scope["path"], scope["method"], parent_sampled)
        # The keys the SDK's own ASGI integration passes, which a traces_sampler may read.
        context = {
            "transaction_context": {"op": OP_HTTP_SERVER, "name": scope["path"]},
            "parent_sampled": parent_sampled,
            "asgi_scope": scope,
        }
        return float(sampler(context) or 0.0)
    except Exception:
        sdk_logger.warning("[Tracing] traces_sampler raised; unsampling trace", exc_info=True)
        return 0.0


def _status_recorder(send: Any, transaction: Any) -> Any:
    async def send_with_status(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            with capture_internal_exceptions():
                transaction.set_http_status(message["status"])
        await send(message)

    return send_with_status


def _name_after_route(transaction: Any, scope: dict[str, Any]) -> None:
    path = route_template(scope)
    if path:
        transaction.name = path
        transaction.source = TransactionSource.ROUTE
