"""The error-storm cap: one broken endpoint under load must not eat the month's error quota.

At most N events per issue fingerprint (Sentry's grouping idea: the exception type, the
in-app frames by module and function, and the route template; an event's own `fingerprint`
wins; for messages, the message template and level) and M events overall per moving
minute. Dropped events are counted; a summary line is logged at most once a minute while
dropping, and each dropped event's id is logged with "dropped by storm cap" so the id a 500
response carries can still be found in the logs.
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from limits import RateLimitItemPerMinute

from app.core.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

SUMMARY_INTERVAL = 60.0
IN_APP_PREFIX = "app."


def exception_fingerprint(
    error: BaseException, *, route: str | None = None, custom: Sequence[str] | None = None
) -> str:
    """The fingerprint of the event this exception would make, without building the event."""
    if custom:
        return _custom(custom, lambda: exception_fingerprint(error, route=route))
    frames = []
    tb = error.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if _in_app(module):
            frames.append(f"{module}.{tb.tb_frame.f_code.co_name}")
        tb = tb.tb_next
    return _key(type(error).__qualname__, frames, route)


def fingerprint(event: dict[str, Any], *, route: str | None = None) -> str:
    """What makes two events "the same issue" for the cap."""
    custom = event.get("fingerprint")
    if custom:
        return _custom(custom, lambda: fingerprint({**event, "fingerprint": None}, route=route))
    route = route or event.get("transaction")
    values = (event.get("exception") or {}).get("values") or []
    if values:
        exception = values[-1]
        frames = [
            f"{frame.get('module')}.{frame.get('function')}"
            for frame in (exception.get("stacktrace") or {}).get("frames") or []
            if _in_app(frame.get("module") or "")
        ]
        return _key(str(exception.get("type")), frames, route)
    logentry = event.get("logentry") or {}
    message = logentry.get("message") or event.get("message") or ""
    return f"message:{event.get('level')}:{message}"


def _in_app(module: str) -> bool:
    # Our own code, as Sentry's grouping sees it: library frames (SQLAlchemy's do_execute,
    # Starlette's routing) are the same for every failure and must not decide the issue.
    return module.startswith(IN_APP_PREFIX)


def _key(exception_type: str, frames: Sequence[str], route: str | None) -> str:
    # Functions, not line numbers: an edit elsewhere in the file must not start a new issue.
    return f"{exception_type}@{route or '-'}:{'>'.join(frames) or '-'}"


def _custom(custom: Sequence[str], default: Callable[[], str]) -> str:
    # Sentry's "{{ default }}" stands for the grouping it would have used.
    parts = [default() if part == "{{ default }}" else str(part) for part in custom]
    return "custom:" + "|".join(parts)


class StormCap:
    """Decides whether an error event may be sent; thread-safe, O(cap) per event."""

    def __init__(self, *, per_issue: int, overall: int, limiter: RateLimiter | None = None):
        # Shared through Redis when the settings say so (options.build_integration).
        self._limiter = limiter or RateLimiter()
        self._per_issue = RateLimitItemPerMinute(per_issue) if per_issue > 0 else None
        self._overall = RateLimitItemPerMinute(overall) if overall > 0 else None
        self._lock = threading.Lock()
        self._dropped: Counter[str] = Counter()
        self._last_summary: float | None = None

    def allow(self, event: dict[str, Any]) -> bool:
        """Count the event against both caps; False means drop it."""
        return self.allow_key(fingerprint(event), event.get("event_id"))

    def allow_key(self, key: str, event_id: str | None) -> bool:
        """Count one event with this fingerprint against both caps; False means drop it."""
        # The per-issue cap is checked first: a storm of one issue must not use up the
        # overall budget that other issues still need.
        if self._per_issue is not None and not self._limiter.hit(self._per_issue, "issue", key):
            self._record_drop(event_id, key, "per issue")
            return False
        if self._overall is not None and not self._limiter.hit(self._overall, "all"):
            self._record_drop(event_id, key, "overall")
            return False
        return True

    def _record_drop(self, event_id: str | None, key: str, cap: str) -> None:
        logger.info("Sentry event %s dropped by storm cap (%s): %s", event_id, cap, key)
        now = time.monotonic()
        with self._lock:
            self._dropped[key] += 1
            if self._last_summary is not None and now - self._last_summary < SUMMARY_INTERVAL:
                return
            dropped, self._dropped = self._dropped, Counter()
            self._last_summary = now
        top = ", ".join(f"{name} x{count}" for name, count in dropped.most_common(3))
        logger.warning(
            "Sentry storm cap: dropped %d events since the last summary (%s)",
            sum(dropped.values()),
            top,
        )
