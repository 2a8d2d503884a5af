"""The hooks that decide what leaves the process: the storm cap, scrubbing, the user's fields.

`app.core.sentry_filters` says which events are not ours to send at all (copies of failures
the service reports itself); `app.core.sentry` hands these hooks to the SDK (before_send, before_send_transaction,
a global event processor) and `configure` sets them up from the settings.

Breadcrumbs are scrubbed with the event that carries them (before_send), not one by one as
they are recorded: every SQL query and log line makes one, on every request, and nearly all
of them are thrown away unsent. Only error events carry breadcrumbs (not transactions), and
the SDK hands Spotlight the same envelope it sends, after before_send.
"""

import logging
import uuid
from typing import Any

from app.core import budgets
from app.core.config import Settings
from app.core.quota import EventQuota, exception_fingerprint
from app.core.scrubbing import Scrubber
from app.core.sentry_filters import is_app_error, is_openai_integration_event

logger = logging.getLogger("app.core.sentry")
# Warnings about events the filters dropped; never turned into breadcrumbs or events themselves.
filter_logger = logging.getLogger("app.core.sentry.filters")

USER_IDENTITY_FIELDS = frozenset({"id", "email", "name", "username", "ip_address"})
# Where the event id of a captured exception is remembered, so that a second capture of the
# same exception (which DedupeIntegration drops and answers with None) still finds its id.
EVENT_ID_ATTR = "__sentry_event_id__"
# Set in the hint by capture_exception, which has already counted the event against the cap.
CAP_CHECKED = "genai_coach_cap_checked"

_scrubber = Scrubber()
_quota = EventQuota(per_issue=10, overall=100)
_user_fields: frozenset[str] = frozenset({"id", "email", "name"})


def configure(settings: Settings) -> None:
    """Scrubber fields, storm caps and user fields from the settings."""
    global _scrubber, _quota, _user_fields
    _scrubber = Scrubber(extra_fields=settings.sentry_scrub_fields)
    _quota = EventQuota(
        per_issue=settings.sentry_max_events_per_issue_per_minute,
        overall=settings.sentry_max_events_per_minute,
    )
    _user_fields = frozenset(settings.sentry_user_fields)


def scrub_terms() -> tuple[str, ...]:
    """The sensitive field names, for the SDK's own denylists."""
    return _scrubber.fields


def cap_error_storms(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Global event processor: the storm cap, before the SDK serializes the event.

    It runs as an event processor rather than in before_send because the SDK serializes every
    event (frame locals included) before before_send; a dropped event then costs almost nothing.
    """
    if event.get("type") == "transaction":
        return event
    try:
        if _not_ours(event, hint):
            return event  # before_send drops it; it must neither count nor claim the exception
        error = (hint.get("exc_info") or (None, None))[1]
        if error is not None and hasattr(error, EVENT_ID_ATTR):
            return None  # the same exception captured again: its first capture was counted
        remember_event_id(error, event.get("event_id"))
        return event if hint.get(CAP_CHECKED) or _quota.allow(event) else None
    except Exception:
        # (privacy is before_send's job, and it fails closed)
        logger.warning("Sentry storm cap failed", exc_info=True)
        return event


def before_send_filter(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Scrub secrets from every part of an error event before it leaves the process.

    Never raises: if anything fails, the event is dropped, because an event that could not be
    scrubbed must not leave the process.
    """
    try:
        if _not_ours(event, hint):
            # Failures our service layer reports itself, once, with user, tags and upstream
            # details (sentry-python #3758). Dropping a copy also resets DedupeIntegration.
            return None
        return _scrub(event)
    except Exception as exc:
        filter_logger.warning("Sentry event dropped: scrubbing failed (%s)", type(exc).__name__)
        return None


def before_send_transaction_filter(
    event: dict[str, Any], hint: dict[str, Any]
) -> dict[str, Any] | None:
    """Scrub transactions too; request bodies go only on error events."""
    try:
        request = event.get("request")
        if isinstance(request, dict):
            request.pop("data", None)
        budgets.mark_over_budget(event)  # tags spans and the request that went over budget
        user = event.get("user")
        if isinstance(user, dict):
            event["user"] = allowed_user_fields(user)
        return _scrubber.scrub_transaction(event)
    except Exception as exc:
        filter_logger.warning(
            "Sentry transaction dropped: scrubbing failed (%s)", type(exc).__name__
        )
        return None


def _not_ours(event: dict[str, Any], hint: dict[str, Any]) -> bool:
    return is_openai_integration_event(event) or is_app_error(hint)


def _scrub(event: dict[str, Any]) -> dict[str, Any]:
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = allowed_user_fields(user)
    return _scrubber.scrub_event(event)


def storm_capped(error: BaseException) -> str | None:
    """The id of the event if the storm cap drops it, decided before the SDK builds the event
    (frames, locals and source lines cost ~10 ms, which a storm must not pay per request)."""
    if hasattr(error, EVENT_ID_ATTR):
        return None  # captured before: the SDK's Dedupe answers
    event_id = uuid.uuid4().hex
    if _quota.allow_key(exception_fingerprint(error), event_id):
        return None
    remember_event_id(error, event_id)
    return event_id


def allowed_user_fields(user: dict[str, Any]) -> dict[str, Any]:
    # SENTRY_USER_FIELDS picks among the identifying fields; other attributes a developer sets
    # on purpose (a plan, a role) are not personal data and stay.
    return {k: v for k, v in user.items() if k in _user_fields or k not in USER_IDENTITY_FIELDS}


def remember_event_id(error: BaseException | None, event_id: str | None) -> None:
    # capture_exception returns this id even when the event is dropped (storm cap), so the 500
    # response still carries an id that the logs know.
    if error is not None:
        try:
            setattr(error, EVENT_ID_ATTR, event_id)
        except (AttributeError, TypeError):  # exceptions with __slots__
            pass
