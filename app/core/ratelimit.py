"""One small rate-limit interface for every limit of the service.

Moving windows from the `limits` library, over one storage. Every limit (the Sentry storm
cap, the `/sentry-debug` limit, failed logins) goes through this class, so that the storage
behind all of them can change in one place.
"""

import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

__all__ = ["RateLimitItem", "RateLimiter", "parse"]


class RateLimiter:
    """Counts hits per key in moving windows; thread-safe."""

    def __init__(self, storage: Storage | None = None) -> None:
        self._strategy = MovingWindowRateLimiter(storage or MemoryStorage())

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        """Count one hit; False means the limit is reached and the hit was refused."""
        return self._strategy.hit(item, *keys)

    def test(self, item: RateLimitItem, *keys: str) -> bool:
        """Whether one more hit would be allowed, without counting it."""
        return self._strategy.test(item, *keys)

    def retry_after(self, item: RateLimitItem, *keys: str) -> int:
        """Seconds until the window has room again for these keys (at least 1)."""
        reset_at = self._strategy.get_window_stats(item, *keys).reset_time
        return max(1, int(reset_at - time.time()) + 1)
