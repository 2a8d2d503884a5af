"""Failed logins, counted per account and per client address, and the logins they refuse.

Only failures count. Once an account (or an address) has failed too often within the window,
every attempt for it is refused with 429 until the window passes, the right password
included, and before any password hash is computed, so a guessing run costs us nothing.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from app.core import sentry
from app.core.errors import InvalidCredentials, RateLimited
from app.core.ratelimit import RateLimiter, RateLimitItem, parse


class LoginThrottle:
    """Refuses logins for accounts and addresses that failed too often; counts failures."""

    def __init__(
        self, limiter: RateLimiter, *, per_account: int, per_address: int, window_minutes: int
    ) -> None:
        self._limiter = limiter
        window = f"{window_minutes} minutes"
        self._limits: tuple[tuple[str, RateLimitItem], ...] = (
            ("account", parse(f"{per_account} per {window}")),
            ("address", parse(f"{per_address} per {window}")),
        )

    @contextmanager
    def attempt(self, *, email: str, address: str) -> Iterator[None]:
        """Refuse a throttled attempt (429); count the attempt as a failure if it fails."""
        keys = {"account": _account_key(email), "address": address}
        for scope, rate in self._limits:
            if not self._limiter.test(rate, "login-failures", scope, keys[scope]):
                sentry.add_breadcrumb(
                    "Login throttled", category="auth", level="warning", data={"limit": scope}
                )
                retry_after = self._limiter.retry_after(rate, "login-failures", scope, keys[scope])
                raise RateLimited(
                    "Too many failed sign-ins; try again later",
                    headers={"Retry-After": str(retry_after)},
                )
        try:
            yield
        except InvalidCredentials:
            for scope, rate in self._limits:
                self._limiter.hit(rate, "login-failures", scope, keys[scope])
            raise


def _account_key(email: str) -> str:
    # Limiter keys may live in a shared store (Redis): no email addresses in clear there.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
