"""Values derived from the active Sentry client, computed once per client.

A client's options and integrations are fixed when `sentry_sdk.init` builds it (new options,
new client), so what hot paths derive from them (is an integration on, which of ours) can
be kept until the client changes, instead of being looked up again on every request or query.
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import sentry_sdk

T = TypeVar("T")


class PerClient(Generic[T]):
    """`compute(client)` for the active client, cached until another client is active.

    While Sentry is off (no active client) it is `inactive`, and nothing is computed or kept.
    """

    __slots__ = ("_cached", "_compute", "_inactive")

    def __init__(self, compute: Callable[[Any], T], inactive: T | None = None) -> None:
        self._compute = compute
        self._inactive = inactive
        # One tuple, swapped whole, so a thread never pairs one client with another's value.
        self._cached: tuple[Any, Any] = (None, inactive)

    def get(self) -> T | None:
        client = sentry_sdk.get_client()
        cached = self._cached
        if cached[0] is client:
            return cached[1]
        if not client.is_active():
            return self._inactive
        value = self._compute(client)
        self._cached = (client, value)
        return value
