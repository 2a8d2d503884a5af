"""Release health for one request: the SDK's request-mode session, without what it never sends.

Request-mode sessions only ever reach Sentry as per-minute aggregates (release, environment,
minute, outcome). `Scope.start_session` still builds a full `Session` for each request: a
uuid4 session id, a second clock read in `update()`, the user copied in; and `end_session`
runs `update()` once more to close it. Those fields are dropped when the session is folded into
its aggregate. `RequestSession` keeps what the aggregate and error marking read (status,
errors, started, release, environment) and skips the rest; the SDK still owns the aggregation,
the error marking (`capture_event` updates the scope's session) and the flushing.
"""

import time
from datetime import UTC, datetime
from typing import Any

from sentry_sdk.session import Session
from sentry_sdk.utils import capture_internal_exception

from app.observability import _sdk_private as sdk


class RequestSession(Session):
    """A request-mode session with only what its aggregate reads set up front."""

    # Session.__init__ is skipped on purpose (uuid4 and update()). Every attribute it sets
    # exists, so the SDK's own methods (update on an error, to_json) still work; those that a
    # request never changes are class attributes, set once, and `update()` shadows them on the
    # instance when an error marks the session.
    sid = None  # never sent: aggregates carry counts, not session ids
    did = None
    duration = None
    user_agent = None
    ip_address = None
    session_mode = "request"
    status = "ok"
    errors = 0
    # Shadows Session's property (`_minute_trunc(started)`, a datetime.replace per request):
    # the aggregate's bucket, computed once per minute by RequestSessions.
    truncated_started = None

    def __init__(
        self, minute: datetime, release: str | None, environment: str | None, attrs: dict
    ) -> None:
        # Request-mode sessions only ever leave the process counted in their minute's bucket,
        # so the minute is all the session keeps of its start.
        self.started = minute
        self.timestamp = minute
        self.truncated_started = minute
        self.release = release
        self.environment = environment
        self._attrs = attrs

    def get_json_attrs(self, with_user_info: bool | None = True) -> Any:
        # The aggregate's key, the same for every request of a client (a request-mode session
        # has no user info to add); the SDK only reads it.
        return self._attrs


class RequestSessions:
    """Starts and ends the request sessions of one client (its options read once)."""

    __slots__ = ("_minute", "attrs", "auto", "client", "environment", "release")

    def __init__(self, client: Any) -> None:
        options = client.options
        self.client = client
        self.auto = bool(options.get("auto_session_tracking", False))
        self.release = options.get("release")
        self.environment = options.get("environment")
        self.attrs = Session(release=self.release, environment=self.environment).get_json_attrs(
            with_user_info=False
        )
        self._minute: tuple[float, datetime] = (0.0, datetime.fromtimestamp(0, UTC))

    def start(self, isolation: Any) -> RequestSession | None:
        """A session for this request on its isolation scope, if session tracking is on (None
        if not, or if this SDK release broke something it relies on: the request is served)."""
        try:
            if not sdk.session_tracking_enabled(isolation, self.auto):
                return None
            minute = self._this_minute()
            session = RequestSession(minute, self.release, self.environment, self.attrs)
            sdk.set_scope_session(isolation, session)
            return session
        except Exception as exc:  # the SDK's capture_internal_exceptions(), without its calls
            capture_internal_exception((type(exc), exc, exc.__traceback__))
            return None

    def _this_minute(self) -> datetime:
        """The start of the current minute, in UTC (one datetime built per minute)."""
        now = time.time()
        start, minute = self._minute
        if not start <= now < start + 60:
            start = now - now % 60
            minute = datetime.fromtimestamp(start, UTC)
            self._minute = (start, minute)
        return minute

    def end(self, isolation: Any, session: RequestSession | None) -> None:
        """Close the request's session and hand it to the SDK's aggregates."""
        if session is None:
            return
        try:
            sdk.set_scope_session(isolation, None)
            if session.status == "ok":
                session.status = "exited"
            self.client.capture_session(session)
        except Exception as exc:
            capture_internal_exception((type(exc), exc, exc.__traceback__))
