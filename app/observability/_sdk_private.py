"""Every private sentry-sdk name the Sentry layer relies on, resolved once, in one place.

The lean request path and the lean SQL integration build on internals of sentry-sdk 2.x that
have no public equivalent. A release may rename or move any of them, so each is looked up here
behind a guard: a missing name never raises at import time. `missing()` lists what was not
found; the callers then fall back to the SDK's public integrations (Starlette, FastAPI,
SQLAlchemy) instead of building on a name that is gone.
"""

import logging
import sys
from copy import deepcopy
from typing import Any

import sentry_sdk
import urllib3
from sentry_sdk.scope import Scope
from sentry_sdk.utils import capture_internal_exception

logger = logging.getLogger(__name__)

_missing: list[str] = []


def _resolve(module: str, name: str) -> Any:
    try:
        return getattr(__import__(module, fromlist=[name]), name)
    except (ImportError, AttributeError):
        _missing.append(f"{module}.{name}")
        return None


Baggage = _resolve("sentry_sdk.tracing_utils", "Baggage")
format_sql = _resolve("sentry_sdk.tracing_utils", "_format_sql")
get_request_data = _resolve("sentry_sdk.integrations._asgi_common", "_get_request_data")
RootPathInPath = _resolve("sentry_sdk.integrations._asgi_common", "_RootPathInPath")
check_minimum_version = _resolve("sentry_sdk.integrations", "_check_minimum_version")
sql_before_cursor_execute = _resolve("sentry_sdk.integrations.sqlalchemy", "_before_cursor_execute")
sql_after_cursor_execute = _resolve("sentry_sdk.integrations.sqlalchemy", "_after_cursor_execute")
sql_handle_error = _resolve("sentry_sdk.integrations.sqlalchemy", "_handle_error")
SDK_INFO = _resolve("sentry_sdk.client", "SDK_INFO")
format_timestamp = _resolve("sentry_sdk.utils", "format_timestamp")
_current_scope_var = _resolve("sentry_sdk.scope", "_current_scope")
_isolation_scope_var = _resolve("sentry_sdk.scope", "_isolation_scope")


def _has_attributes(module: str, owner: str, *names: str) -> bool:
    cls = _resolve(module, owner)
    absent = [name for name in names if cls is None or not hasattr(cls, name)]
    _missing.extend(f"{module}.{owner}.{name}" for name in absent)
    return not absent


# Slots or methods on the classes, checked without building an instance.
_scope_internals = _has_attributes(
    "sentry_sdk.scope",
    "Scope",
    "_propagation_context",
    "_session",
    "_force_auto_session_tracking",
)
_context_internals = _has_attributes(
    "sentry_sdk.tracing_utils", "PropagationContext", "_sample_rand"
)
_transport_internals = _has_attributes(
    "sentry_sdk.transport", "BaseHttpTransport", "_send_envelope", "_flush_client_reports"
)


def missing() -> tuple[str, ...]:
    """The private names this SDK release lacks (empty when everything resolved)."""
    return tuple(_missing)


def warn_if_missing() -> None:
    """At start-up: one warning naming what this SDK release lacks and what is used instead."""
    if not _missing:
        return
    instead = []
    if not lean_asgi_available():
        instead.append("the stock Starlette/FastAPI integrations")
    if not lean_sql_available():
        instead.append("the stock SQLAlchemy integration")
    if not transport_lanes_available():
        instead.append("the SDK's single transport queue")
    if not lean_scope_fork:
        instead.append("the SDK's own scope copy")
    logger.warning(
        "sentry-sdk %s lacks %s; using %s",
        sentry_sdk.VERSION,
        ", ".join(_missing),
        " and ".join(instead) or "the public API only",
    )


def lean_asgi_available() -> bool:
    """Whether the lean request path has every internal it builds on."""
    names = (
        Baggage,
        get_request_data,
        RootPathInPath,
        _current_scope_var,
        _isolation_scope_var,
    )
    return all(name is not None for name in names) and _scope_internals and _context_internals


def lean_sql_available() -> bool:
    """Whether the lean SQL integration has every internal it builds on."""
    names = (
        format_sql,
        check_minimum_version,
        sql_before_cursor_execute,
        sql_after_cursor_execute,
        sql_handle_error,
    )
    return all(name is not None for name in names)


def transport_lanes_available() -> bool:
    """Whether the transport can send envelopes from queues of its own (errors first)."""
    return _transport_internals


def send_envelope(transport: Any, envelope: Any) -> None:
    """Send one envelope now, on the calling thread: rate limits, client reports, answer."""
    transport._send_envelope(envelope)
    transport._flush_client_reports()


def send_client_reports(transport: Any) -> None:
    """Send the pending client report (the SDK's count of dropped data) now."""
    transport._flush_client_reports(force=True)


def propagation_context(scope: Any) -> Any:
    """The scope's propagation context (trace id, parent span, incoming sample_rand)."""
    return scope._propagation_context


def incoming_sample_rand(context: Any) -> float | None:
    """The sample_rand the request's trace came with (its baggage), else None."""
    incoming = context._sample_rand()
    return None if incoming is None else float(incoming)


def new_trace_baggage(sample_rand: float) -> Any:
    """Baggage for a trace the request starts, holding only the dice rolled for it.

    The Transaction takes its `_sample_rand` from this baggage (without it, it derives one from
    the trace id: a `random.Random` seeded per call, ~70k instructions). Being mutable, the
    baggage is filled from the transaction (trace id, release, sample rate, sampled, this
    sample_rand) as soon as the trace is propagated or sent, as the SDK's own is.
    """
    return Baggage({"sample_rand": f"{sample_rand:.6f}"}, mutable=True)


def compression_options() -> dict[str, Any]:
    """Envelope compression that costs less CPU per envelope than the SDK's default.

    With Brotli installed the SDK compresses every envelope at quality 4: ~60 us of CPU per
    envelope more than quality 1 in the app (docs/performance.md). Without it, gzip at level
    9, which costs twice level 6 for the same size on envelopes of a few KB. Quality 1
    compresses a transaction about as small as gzip -9. The choice is made through
    the SDK's `_experiments` options, its only knob for it.
    """
    try:
        import brotli  # noqa: F401
    except ImportError:
        choice = {"transport_compression_algo": "gzip", "transport_compression_level": 6}
    else:
        choice = {"transport_compression_algo": "br", "transport_compression_level": 1}
    return {"_experiments": choice}


def enter_request_scopes(client: Any) -> tuple[Any, tuple[Any, Any]]:
    """Fork the current and the isolation scope for one request and make the forks current.

    What `sentry_sdk.isolation_scope()` does, in that order, without its generator and
    `copy.copy`'s dispatch. The forked current scope also holds the client, so every
    `sentry_sdk.get_client()` during the request finds it on the first of the three scopes
    it would otherwise walk (the client sits on the global scope). Returns the forked
    isolation scope and the tokens `exit_request_scopes` takes.
    """
    # The context variables first: the classmethods only add a fallback for a context that
    # has no scope yet (each creates one then).
    current = fork_scope(_current_scope_var.get() or Scope.get_current_scope())
    # Not `set_client`: it also sets the global scope's attributes again (~40 lines of Python).
    current.client = client
    current_token = _current_scope_var.set(current)
    isolation = fork_scope(_isolation_scope_var.get() or Scope.get_isolation_scope())
    return isolation, (current_token, _isolation_scope_var.set(isolation))


# The slots Scope.__copy__ of sentry-sdk 2.75 and 2.76 copies; `_lean_copy` mirrors it.
_COPIED_SLOTS = frozenset(
    {
        "_type", "client", "_level", "_name", "_fingerprint", "_transaction",
        "_transaction_info", "_user", "_tags", "_contexts", "_extras", "_breadcrumbs",
        "_n_breadcrumbs_truncated", "_gen_ai_original_message_count", "_event_processors",
        "_error_processors", "_propagation_context", "_should_capture", "_span",
        "_server_segment_span", "_session", "_force_auto_session_tracking", "_attachments",
        "_profile", "_last_event_id", "_flags", "_attributes", "_gen_ai_conversation_id",
    }
)  # fmt: skip


def _lean_copy(scope: Any) -> Any:
    """Scope.__copy__, field for field, with the breadcrumbs' deque copied by its own method
    and `_flags` deep-copied only when there are any: `copy()` and `deepcopy()` dispatch
    through Python code, a fifth of the fork's cost on every request."""
    rv = object.__new__(scope.__class__)
    rv._type = scope._type
    rv.client = scope.client
    rv._level = scope._level
    rv._name = scope._name
    rv._fingerprint = scope._fingerprint
    rv._transaction = scope._transaction
    rv._transaction_info = scope._transaction_info.copy()
    rv._user = scope._user
    rv._tags = scope._tags.copy()
    rv._contexts = scope._contexts.copy()
    rv._extras = scope._extras.copy()
    rv._breadcrumbs = scope._breadcrumbs.copy()
    rv._n_breadcrumbs_truncated = scope._n_breadcrumbs_truncated
    rv._gen_ai_original_message_count = scope._gen_ai_original_message_count.copy()
    rv._event_processors = scope._event_processors.copy()
    rv._error_processors = scope._error_processors.copy()
    rv._propagation_context = scope._propagation_context
    rv._should_capture = scope._should_capture
    rv._span = scope._span
    rv._server_segment_span = scope._server_segment_span
    rv._session = scope._session
    rv._force_auto_session_tracking = scope._force_auto_session_tracking
    rv._attachments = scope._attachments.copy()
    rv._profile = scope._profile
    rv._last_event_id = scope._last_event_id
    flags = scope._flags
    rv._flags = None if flags is None else deepcopy(flags)
    rv._attributes = scope._attributes.copy()
    rv._gen_ai_conversation_id = scope._gen_ai_conversation_id
    return rv


def _sdk_copy(scope: Any) -> Any:
    return scope.__copy__()


# Another SDK release may add or drop a field: its own __copy__ is then used.
lean_scope_fork = set(getattr(Scope, "__slots__", ())) == _COPIED_SLOTS
if not lean_scope_fork:
    _missing.append("sentry_sdk.scope.Scope's fields as of 2.76")
fork_scope = _lean_copy if lean_scope_fork else _sdk_copy


def exit_request_scopes(tokens: tuple[Any, Any]) -> None:
    """Restore the scopes that were current before `enter_request_scopes`."""
    # As the SDK's isolation_scope() does: a failed reset is logged, never raised.
    current_token, isolation_token = tokens
    try:
        _current_scope_var.reset(current_token)
    except (LookupError, ValueError):
        capture_internal_exception(sys.exc_info())
    try:
        _isolation_scope_var.reset(isolation_token)
    except (LookupError, ValueError):
        capture_internal_exception(sys.exc_info())


def sdk_info(client: Any) -> dict[str, Any] | None:
    """The `sdk` part of an event, as `_prepare_event` builds it (None if this SDK lacks it)."""
    if SDK_INFO is None:
        return None
    info = dict(SDK_INFO)  # read at event time: integrations may rename the SDK at set-up
    info["integrations"] = sorted(client.integrations.keys())
    return info


def session_tracking_enabled(scope: Any, auto_session_tracking: bool) -> bool:
    """Whether this scope tracks sessions: forced on or off for it, else the client's option.

    The SDK's `_is_auto_session_tracking_enabled`, with the option read once per client
    instead of through `sentry_sdk.get_client()` on every request.
    """
    forced = scope._force_auto_session_tracking
    return auto_session_tracking if forced is None else bool(forced)


def set_scope_session(scope: Any, session: Any) -> None:
    """Put the request's session where capture_event marks it errored or crashed."""
    # Scope.start_session builds the heavyweight Session itself; there is no public setter.
    scope._session = session


def scope_fingerprint() -> list[str] | None:
    """A custom fingerprint set on the current or the isolation scope (it decides grouping)."""
    # The public `Scope.fingerprint` has a setter only.
    for scope in (sentry_sdk.get_current_scope(), sentry_sdk.get_isolation_scope()):
        custom = getattr(scope, "_fingerprint", None)
        if custom:
            return list(custom)
    return None


def request_data(asgi_scope: dict[str, Any]) -> dict[str, Any]:
    """The `request` part of an event, as the SDK's ASGI integration builds it."""
    return get_request_data(asgi_scope, RootPathInPath.EXCLUDED)


class TransportHooks:
    """Mixin for `HttpTransport`: the private methods our transport extends.

    `pool_options_hook` adjusts the urllib3 pool options, `direct_request` may send a request
    itself (None: the SDK's urllib3 pool sends it), `on_answer` learns each request's status
    or error. If a release renames the private methods, these overrides are simply never
    called: the SDK's transport keeps working, with its own timeout and retries.
    """

    def _get_pool_options(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        options = super()._get_pool_options(*args, **kwargs)  # type: ignore[misc]
        return self.pool_options_hook(options)

    def _request(self, method: str, endpoint_type: Any, body: Any, headers: Any) -> Any:
        try:
            response = self.direct_request(method, endpoint_type, body, headers)
            if response is None:
                response = super()._request(method, endpoint_type, body, headers)  # type: ignore[misc]
        except Exception as exc:
            self.on_answer(None, exc)
            raise
        self.on_answer(response.status, None)
        return response

    def pool_options_hook(self, options: dict[str, Any]) -> dict[str, Any]:
        return options

    def direct_request(self, method: str, endpoint_type: Any, body: Any, headers: Any) -> Any:
        return None

    def on_answer(self, status: int | None, error: BaseException | None) -> None:
        pass

    def direct_target(self, endpoint_type: Any) -> tuple[str, dict[str, Any]] | None:
        """The URL for `endpoint_type` and the SDK's pool options (certificates, socket
        options), or None when the SDK sends through a proxy or lacks what this reads."""
        pool, auth = getattr(self, "_pool", None), getattr(self, "_auth", None)
        # ProxyManager and SOCKSProxyManager are PoolManager subclasses.
        if type(pool) is not urllib3.PoolManager or auth is None:
            return None
        return str(auth.get_api_url(endpoint_type)), self._get_pool_options()
