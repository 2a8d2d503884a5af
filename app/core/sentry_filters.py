"""Which events Sentry should not get: duplicates of failures we report ourselves, and
coaching content (prompts) unless SENTRY_SEND_AI_PROMPTS is on.

Kept apart from `app.core.sentry` so that module stays the small, general core.
"""

from typing import Any

import sentry_sdk


def is_openai_integration_event(event: dict[str, Any]) -> bool:
    """True for the error event sentry-sdk's OpenAIIntegration sends on its own.

    The integration reports every exception raised inside `chat.completions.create` as
    unhandled (mechanism "openai"), before our code can catch it. Our service layer catches
    it and reports it once with the user, tags and upstream details, so this copy is noise.
    """
    values = (event.get("exception") or {}).get("values") or []
    return any((value.get("mechanism") or {}).get("type") == "openai" for value in values)


def is_app_error(hint: dict[str, Any]) -> bool:
    """True for an AppError, which is never an event by itself.

    Starlette's integration captures every handled exception with a 5xx `status_code`, and
    ours has one for 502/503/504. A 503 "not configured" is no incident, and for 502/504 the
    upstream failure behind it was already reported once, with its details.
    """
    from app.core.errors import AppError  # errors imports sentry, which imports us

    exc_info = hint.get("exc_info")
    return bool(exc_info) and isinstance(exc_info[1], AppError)


def keep_request_private() -> None:
    """Keep this request's body and local variables out of everything it sends to Sentry.

    The body of an AI request is the user's prompt, and the service's local variables hold the
    conversation, so both stay out unless SENTRY_SEND_AI_PROMPTS is on. The processor sits on
    the request's isolation scope and runs after the one that attaches the request body.
    """
    if not sentry_sdk.get_client().is_active():
        return
    sentry_sdk.get_isolation_scope().add_event_processor(_strip_private_data)


def _strip_private_data(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
    for section in ("exception", "threads"):
        for value in (event.get(section) or {}).get("values") or []:
            for frame in (value.get("stacktrace") or {}).get("frames") or []:
                frame.pop("vars", None)
    return event
