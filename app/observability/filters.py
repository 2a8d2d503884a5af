"""The hooks that decide what leaves the process: the storm cap, scrubbing, the user's fields.

`sentry_sdk.init` gets `before_send_filter` and `before_send_transaction_filter` (the storm
cap runs earlier, in `integration.cap_error_storms`). Each hook reads its state from the
current client's `CoachIntegration`.

Breadcrumbs are scrubbed with the event that carries them (before_send), not one by one as
they are recorded: every SQL query and log line makes one, on every request, and nearly all
of them are thrown away unsent. Only error events carry breadcrumbs (not transactions), and
the SDK hands Spotlight the same envelope it sends, after before_send.
"""

import logging
from typing import Any

import sentry_sdk

from app.observability import integration as coach
from app.observability.budgets import mark_over_budget
from app.observability.copies import not_ours
from app.observability.secret_shapes import FILTERED

logger = logging.getLogger(__name__)


def before_send_filter(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Scrub secrets from every part of an error event before it leaves the process.

    Never raises: if anything fails, the event is dropped, because an event that could not be
    scrubbed must not leave the process.
    """
    try:
        integration = _integration()
        if not_ours(event, hint):
            # Failures our service layer reports itself, once, with user, tags and upstream
            # details. Dropping a copy also resets DedupeIntegration.
            return None
        _limit_user(event, integration)
        return integration.scrubber.scrub_event(event)
    except Exception as exc:
        logger.warning("Sentry event dropped: scrubbing failed (%s)", type(exc).__name__)
        return None


def before_send_transaction_filter(
    event: dict[str, Any], hint: dict[str, Any]
) -> dict[str, Any] | None:
    """Scrub transactions too; request bodies go only on error events."""
    try:
        integration = _integration()
        request = event.get("request")
        if isinstance(request, dict):
            request.pop("data", None)
        mark_over_budget(event, integration.budgets)  # tags what went over budget
        _limit_user(event, integration)
        return integration.scrubber.scrub_transaction(event)
    except Exception as exc:
        logger.warning("Sentry transaction dropped: scrubbing failed (%s)", type(exc).__name__)
        return None


def _limit_user(event: dict[str, Any], integration: coach.CoachIntegration) -> None:
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = integration.allowed_user_fields(user)


def _integration() -> coach.CoachIntegration:
    integration = coach.current()
    if integration is None:
        # Only a client set up without our integration gets here: nothing to scrub with, so
        # the event must not leave.
        raise LookupError("CoachIntegration is not installed")
    return integration


def keep_request_private() -> None:
    """Keep this request's body and local variables out of everything it sends to Sentry.

    The body of an AI request is the user's prompt, and the service's local variables hold the
    conversation, so both stay out unless SENTRY_SEND_AI_PROMPTS is on; so does the body's text
    where an exception message repeats it. The processor sits on
    the request's isolation scope and runs after the one that attaches the request body.
    """
    if not sentry_sdk.get_client().is_active():
        return
    sentry_sdk.get_isolation_scope().add_event_processor(_strip_private_data)


def _strip_private_data(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    texts = _texts(request.pop("data", None)) if isinstance(request, dict) else []
    for section in ("exception", "threads"):
        for value in (event.get(section) or {}).get("values") or []:
            if texts and isinstance(value.get("value"), str):
                value["value"] = _without(value["value"], texts)
            for frame in (value.get("stacktrace") or {}).get("frames") or []:
                frame.pop("vars", None)
    return event


# Shorter strings ("en", "user") are not the user's words, and removing them would garble the
# message; a long text may be cut short in a message, so its start is removed too.
MIN_PRIVATE_TEXT = 8
PREFIX = 32


def _texts(data: Any) -> list[str]:
    """The request body's strings long enough to be the user's words, longest first."""
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and len(item) >= MIN_PRIVATE_TEXT:
            found += [item, item[:PREFIX]] if len(item) > PREFIX else [item]
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(set(found), key=len, reverse=True)


def _without(message: str, texts: list[str]) -> str:
    for text in texts:
        message = message.replace(text, FILTERED)
    return message
