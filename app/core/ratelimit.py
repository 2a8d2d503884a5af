"""One small rate-limit interface for every limit of the service.

Moving windows from the `limits` library. Every limit (the Sentry storm cap, `/sentry-debug`,
the login throttle) goes through `RateLimiter`, and `RateLimiter.from_settings` is the one
place that picks the storage: Redis when REDIS_URL is set, so that every process and replica
counts together, else memory, so that each process counts alone.

Redis can be down. What happens then depends on what the limit protects:
- request limits fail open: the hit is allowed, so no user gets an error because of Redis;
- the Sentry storm cap fails closed: it counts in this process instead (`fallback`), so at
  most the per-process cap reaches Sentry.
After a failure the limiter leaves Redis alone for a few seconds, so a dead or black-holed
Redis costs one short timeout now and then, not one per request, and the outage is logged at
most once a minute.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from app.core.config import Settings

__all__ = ["RateLimitItem", "RateLimiter", "announce", "parse"]

logger = logging.getLogger(__name__)

# Redis sits next to the service (Railway's private network): an answer takes a millisecond,
# so a quarter of a second without one means it is gone.
REDIS_TIMEOUT_SECONDS = 0.25
RETRY_REDIS_AFTER_SECONDS = 5.0
OUTAGE_LOG_INTERVAL_SECONDS = 60.0


class RateLimiter:
    """Counts hits per key in moving windows; thread-safe."""

    def __init__(self, storage: Storage | None = None, *, fallback: "RateLimiter | None" = None):
        self._strategy = MovingWindowRateLimiter(storage or MemoryStorage())
        # None: allow while the storage is unreachable; else count there instead.
        self._fallback = fallback
        self._outage = _Outage("counting in this process" if fallback else "allowing every hit")

    @classmethod
    def from_settings(cls, settings: Settings, *, fail_closed: bool = False) -> "RateLimiter":
        """Shared through Redis when REDIS_URL is set, else per process.

        `fail_closed` makes an unreachable Redis fall back to a per-process count instead of
        allowing every hit (for limits that protect a quota, not a user).
        """
        if settings.redis_url is None:
            return cls()
        storage = RedisStorage(
            settings.redis_url.get_secret_value(),
            key_prefix=settings.redis_key_prefix,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        return cls(storage, fallback=cls() if fail_closed else None)

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        """Count one hit; False means the limit is reached and the hit was refused."""
        if self._outage.waiting():
            return self._hit_while_down(item, keys)
        try:
            allowed = self._strategy.hit(item, *keys)
        except StorageError as exc:
            self._outage.failed(exc.storage_error)
            return self._hit_while_down(item, keys)
        self._outage.recovered()
        return allowed

    def retry_after(self, item: RateLimitItem, *keys: str) -> int:
        """Seconds until the window has room again for these keys (at least 1)."""
        if self._outage.waiting() and self._fallback is not None:
            return self._fallback.retry_after(item, *keys)
        try:
            reset_at = self._strategy.get_window_stats(item, *keys).reset_time
        except StorageError:
            return item.get_expiry()
        return max(1, int(reset_at - time.time()) + 1)

    def _hit_while_down(self, item: RateLimitItem, keys: tuple[str, ...]) -> bool:
        return True if self._fallback is None else self._fallback.hit(item, *keys)


class _Outage:
    """Whether the storage failed recently, and a log line at most once a minute about it."""

    def __init__(self, meanwhile: str) -> None:
        self._meanwhile = meanwhile
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._down = False
        self._logged_at: float | None = None

    def waiting(self) -> bool:
        return time.monotonic() < self._retry_at

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down = True
            self._retry_at = now + RETRY_REDIS_AFTER_SECONDS
            if self._logged_at is not None and now - self._logged_at < OUTAGE_LOG_INTERVAL_SECONDS:
                return
            self._logged_at = now
        logger.warning(
            "Redis unreachable for the rate limits, %s meanwhile: %s: %s",
            self._meanwhile,
            type(error).__name__,
            error,
        )

    def recovered(self) -> None:
        if not self._down:  # the common case, without the lock
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            logger.warning("Redis reachable again: the rate limits are shared again")


def announce(settings: Settings) -> None:
    """The start-up log line that says whether the limits are shared."""
    if settings.redis_url is None:
        logger.info("Rate limits: per process (REDIS_URL is unset)")
        return
    parts = urlsplit(settings.redis_url.get_secret_value())
    logger.info(
        "Rate limits: shared through Redis at %s:%s (key prefix %r)",
        parts.hostname,
        parts.port or 6379,
        settings.redis_key_prefix,
    )
