"""The error-storm cap: one broken endpoint under load must not eat the month's error quota.

At most N events per issue fingerprint (exception type + the file, function and line that
raised it; for messages, the message template and level) and M events overall per moving
minute. Dropped events are counted; a summary line is logged at most once a minute while
dropping, and each dropped event's id is logged with "dropped by storm cap" so the id a 500
response carries can still be found in the logs.
"""

import logging
import os
import threading
import time
from collections import Counter
from typing import Any

from limits import RateLimitItemPerMinute

from app.core.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

SUMMARY_INTERVAL = 60.0


def exception_fingerprint(error: BaseException) -> str:
    """The fingerprint of the event this exception would make, without building the event."""
    tb = error.__traceback__
    if tb is None:
        return f"{type(error).__qualname__}@unknown"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    where = os.path.abspath(code.co_filename)
    return f"{type(error).__qualname__}@{where}:{code.co_name}:{tb.tb_lineno}"


def fingerprint(event: dict[str, Any]) -> str:
    """What makes two events "the same issue" for the cap."""
    values = (event.get("exception") or {}).get("values") or []
    if values:
        exception = values[-1]
        frames = (exception.get("stacktrace") or {}).get("frames") or [{}]
        frame = frames[-1]
        where = frame.get("abs_path") or frame.get("filename") or frame.get("module")
        return f"{exception.get('type')}@{where}:{frame.get('function')}:{frame.get('lineno')}"
    logentry = event.get("logentry") or {}
    message = logentry.get("message") or event.get("message") or ""
    return f"message:{event.get('level')}:{message}"


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
