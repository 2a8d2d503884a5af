"""CoachIntegration: the per-client state of our Sentry layer, held where the SDK keeps it.

Following sentry-python's own integrations, everything that used to be module globals (the
scrubber, the storm cap, the user fields, the budgets and the traces sampler) lives on one
Integration object that `sentry_sdk.init` receives. Hooks look it up at call time with
`current()` and do nothing when it is absent (Sentry off, or another client), so two apps in
one process never share state, and a re-init replaces it whole.
"""

import contextlib
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from sentry_sdk.integrations import Integration
from sentry_sdk.scope import add_global_event_processor

from app.observability import _sdk_private as sdk
from app.observability import deferred
from app.observability.budgets import Budgets
from app.observability.copies import not_ours
from app.observability.per_client import PerClient
from app.observability.request_data import current_route
from app.observability.sampling import TracesSampler
from app.observability.scrubbing import Scrubber
from app.observability.storm_cap import StormCap, exception_fingerprint, fingerprint

# Where the event id of a captured exception is remembered, so that a second capture of the
# same exception (which DedupeIntegration drops and answers with None) still finds its id.
EVENT_ID_ATTR = "__sentry_event_id__"
# Set in the hint by capture_exception, which has already counted the event against the cap.
CAP_CHECKED = "genai_coach_cap_checked"
logger = logging.getLogger(__name__)

USER_IDENTITY_FIELDS = frozenset({"id", "email", "name", "username", "ip_address"})


class CoachIntegration(Integration):
    """Our scrubbing, storm cap, user fields, budgets and sampler, for one Sentry client."""

    identifier = "genai_coach"

    def __init__(
        self,
        *,
        scrubber: Scrubber,
        storm_cap: StormCap,
        user_fields: Iterable[str],
        budgets: Budgets,
        sampler: TracesSampler,
    ) -> None:
        self.scrubber = scrubber
        self.storm_cap = storm_cap
        self.user_fields = frozenset(user_fields)
        self.budgets = budgets
        self.sampler = sampler

    @staticmethod
    def setup_once() -> None:
        # The processor list is process-wide and outlives clients: installed once, it reads the
        # current client's integration on every event.
        add_global_event_processor(cap_error_storms)

    def cap_exception(self, error: BaseException) -> str | None:
        """The id of the event if the storm cap drops it, decided before the SDK builds the
        event (frames, locals and source lines cost ~10 ms, which a storm must not pay per
        request); None when it may be sent."""
        if hasattr(error, EVENT_ID_ATTR):
            return None  # captured before: the SDK's Dedupe answers
        event_id = uuid.uuid4().hex
        key = exception_fingerprint(error, route=current_route(), custom=sdk.scope_fingerprint())
        if self.storm_cap.allow_key(key, event_id):
            return None
        remember_event_id(error, event_id)
        return event_id

    def allowed_user_fields(self, user: dict[str, Any]) -> dict[str, Any]:
        """SENTRY_USER_FIELDS picks among the identifying fields; other attributes a developer
        sets on purpose (a plan, a role) are not personal data and stay."""
        fields = self.user_fields
        return {k: v for k, v in user.items() if k in fields or k not in USER_IDENTITY_FIELDS}


_current: PerClient[CoachIntegration] = PerClient(
    lambda client: client.get_integration(CoachIntegration)
)


def current() -> CoachIntegration | None:
    """The integration of the active client; None when Sentry is off."""
    record = deferred.current()
    if record is not None:  # in a request: the record knows, without asking the client
        return record.settings.integration
    return _current.get()


def remember_event_id(error: BaseException | None, event_id: str | None) -> None:
    """Note the event id on the exception, so a later capture or log line finds it."""
    # capture_exception returns this id even when the event is dropped (storm cap), so the 500
    # response still carries an id that the logs know.
    if error is not None:
        with contextlib.suppress(AttributeError, TypeError):  # exceptions with __slots__
            setattr(error, EVENT_ID_ATTR, event_id)


def cap_error_storms(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Global event processor: the storm cap, before the SDK serializes the event.

    It runs as an event processor rather than in before_send because the SDK serializes every
    event (frame locals included) before before_send; a dropped event then costs almost nothing.
    """
    if event.get("type") == "transaction":
        return event
    integration = current()
    if integration is None:
        return event
    try:
        if not_ours(event, hint):
            return event  # before_send drops it; it must neither count nor claim the exception
        error = (hint.get("exc_info") or (None, None))[1]
        if error is not None and hasattr(error, EVENT_ID_ATTR):
            return None  # the same exception captured again: its first capture was counted
        remember_event_id(error, event.get("event_id"))
        if hint.get(CAP_CHECKED):
            return event
        key = fingerprint(event, route=current_route())
        if integration.storm_cap.allow_key(key, event.get("event_id")):
            return event
        return None
    except Exception:
        # (privacy is before_send's job, and it fails closed)
        logger.warning("Sentry storm cap failed", exc_info=True)
        return event
