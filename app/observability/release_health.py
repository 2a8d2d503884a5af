"""Release health for one request: the SDK's request-mode session, without what it never sends.

Request-mode sessions only ever reach Sentry as per-minute aggregates (release, environment,
minute, outcome). `Scope.start_session` still builds a full `Session` for each request: a
uuid4 session id, a second clock read in `update()`, the user copied in; and `end_session`
runs `update()` once more to close it. Those fields are dropped when the session is folded into
its aggregate. `RequestSession` keeps what the aggregate and error marking read (status,
errors, started, release, environment) and skips the rest; the SDK still owns the aggregation,
the error marking (`capture_event` updates the scope's session) and the flushing.
"""

from datetime import UTC, datetime
from typing import Any

from sentry_sdk.session import Session
from sentry_sdk.utils import capture_internal_exceptions

from app.observability import _sdk_private as sdk

_NO_SID = None  # never sent: aggregates carry counts, not session ids


class RequestSession(Session):
    """A request-mode session with only what its aggregate reads set up front."""

    def __init__(self, *, release: str | None, environment: str | None) -> None:
        # Session.__init__ is skipped on purpose (uuid4 and update()); every attribute it
        # sets is set here, so the SDK's own methods (update on an error, to_json) still work.
        started = datetime.now(UTC)
        self.sid = _NO_SID
        self.did = None
        self.started = started
        self.timestamp = started
        self.status = "ok"
        self.release = release
        self.environment = environment
        self.duration = None
        self.user_agent = None
        self.ip_address = None
        self.session_mode = "request"
        self.errors = 0


def start(isolation: Any, client: Any) -> RequestSession | None:
    """A session for this request on its isolation scope, if session tracking is on (None if
    not, or if this SDK release broke something it relies on: the request is served anyway)."""
    with capture_internal_exceptions():
        if not sdk.session_tracking_enabled(isolation):
            return None
        options = client.options
        release, environment = options.get("release"), options.get("environment")
        session = RequestSession(release=release, environment=environment)
        sdk.set_scope_session(isolation, session)
        return session
    return None


def end(isolation: Any, client: Any, session: RequestSession | None) -> None:
    """Close the request's session and hand it to the SDK's aggregates."""
    if session is None:
        return
    sdk.set_scope_session(isolation, None)
    if session.status == "ok":
        session.status = "exited"
    client.capture_session(session)
