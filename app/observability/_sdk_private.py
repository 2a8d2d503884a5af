"""Every private sentry-sdk name the Sentry layer relies on, resolved once, in one place.

The lean request path and the lean SQL integration build on internals of sentry-sdk 2.x that
have no public equivalent. A release may rename or move any of them, so each is looked up here
behind a guard: a missing name never raises at import time. `missing()` lists what was not
found; the callers then fall back to the SDK's public integrations (Starlette, FastAPI,
SQLAlchemy) instead of building on a name that is gone.
"""

import logging
from typing import Any

import sentry_sdk

logger = logging.getLogger(__name__)

_missing: list[str] = []


def _resolve(module: str, name: str) -> Any:
    try:
        return getattr(__import__(module, fromlist=[name]), name)
    except (ImportError, AttributeError):
        _missing.append(f"{module}.{name}")
        return None


generate_sample_rand = _resolve("sentry_sdk.tracing_utils", "_generate_sample_rand")
format_sql = _resolve("sentry_sdk.tracing_utils", "_format_sql")
get_request_data = _resolve("sentry_sdk.integrations._asgi_common", "_get_request_data")
RootPathInPath = _resolve("sentry_sdk.integrations._asgi_common", "_RootPathInPath")
check_minimum_version = _resolve("sentry_sdk.integrations", "_check_minimum_version")
sql_before_cursor_execute = _resolve("sentry_sdk.integrations.sqlalchemy", "_before_cursor_execute")
sql_after_cursor_execute = _resolve("sentry_sdk.integrations.sqlalchemy", "_after_cursor_execute")
sql_handle_error = _resolve("sentry_sdk.integrations.sqlalchemy", "_handle_error")
_session_tracking = _resolve("sentry_sdk.sessions", "_is_auto_session_tracking_enabled")


def _has_attributes(module: str, owner: str, *names: str) -> bool:
    cls = _resolve(module, owner)
    absent = [name for name in names if cls is None or not hasattr(cls, name)]
    _missing.extend(f"{module}.{owner}.{name}" for name in absent)
    return not absent


# Slots or methods on the classes, checked without building an instance.
_scope_internals = _has_attributes("sentry_sdk.scope", "Scope", "_propagation_context", "_session")
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
    logger.warning(
        "sentry-sdk %s lacks %s; using %s",
        sentry_sdk.VERSION,
        ", ".join(_missing),
        " and ".join(instead) or "the public API only",
    )


def lean_asgi_available() -> bool:
    """Whether the lean request path has every internal it builds on."""
    names = (generate_sample_rand, get_request_data, RootPathInPath, _session_tracking)
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


def sample_rand(context: Any) -> float:
    """The incoming sample_rand, else one derived from the trace id: the SDK's own dice."""
    incoming = context._sample_rand()
    if incoming is not None:
        return float(incoming)
    return generate_sample_rand(context.trace_id)


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


def session_tracking_enabled(scope: Any) -> bool:
    """Whether this scope tracks sessions (auto_session_tracking, or forced on or off for it)."""
    return bool(_session_tracking(scope))


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
    """Mixin for `HttpTransport`: the two private methods our transport extends.

    `pool_options_hook` adjusts the urllib3 pool options, `on_answer` learns each request's
    status or error. If a release renames the private methods, these overrides are simply
    never called: the SDK's transport keeps working, with its own timeout and retries.
    """

    def _get_pool_options(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        options = super()._get_pool_options(*args, **kwargs)  # type: ignore[misc]
        return self.pool_options_hook(options)

    def _request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super()._request(*args, **kwargs)  # type: ignore[misc]
        except Exception as exc:
            self.on_answer(None, exc)
            raise
        self.on_answer(response.status, None)
        return response

    def pool_options_hook(self, options: dict[str, Any]) -> dict[str, Any]:
        return options

    def on_answer(self, status: int | None, error: BaseException | None) -> None:
        pass
