"""Events that are not ours to send: copies of failures the service reports itself."""

from typing import Any

from app.core.errors import AppError


def is_openai_integration_event(event: dict[str, Any]) -> bool:
    """True for the error event sentry-sdk's OpenAIIntegration sends on its own.

    The integration reports every exception raised inside `chat.completions.create` as
    unhandled (mechanism "openai"), before our code can catch it. Our service layer catches
    it and reports it once with the user, tags and upstream details, so this copy is noise
    (sentry-python #3758).
    """
    values = (event.get("exception") or {}).get("values") or []
    return any((value.get("mechanism") or {}).get("type") == "openai" for value in values)


def is_app_error(hint: dict[str, Any]) -> bool:
    """True for an AppError, which is never an event by itself.

    Starlette's integration captures every handled exception with a 5xx `status_code`, and
    ours has one for 502/503/504. A 503 "not configured" is no incident, and for 502/504 the
    upstream failure behind it was already reported once, with its details.
    """
    exc_info = hint.get("exc_info")
    return bool(exc_info) and isinstance(exc_info[1], AppError)


def not_ours(event: dict[str, Any], hint: dict[str, Any]) -> bool:
    """A copy the SDK would send of a failure the service reports itself, once."""
    return is_openai_integration_event(event) or is_app_error(hint)
