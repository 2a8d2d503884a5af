"""Which requests are traced: the traces sampler.

Order of the rules: noise is never traced (not even when the caller sampled its trace, since
a health probe's spans are worth nothing); then the caller's decision from an incoming
`sentry-trace` header is honoured so distributed traces stay whole; then the per-route rate
of the longest matching prefix from SENTRY_TRACES_SAMPLE_RATES; then the configured rate.

The sampler reads only `asgi_scope` (path, method) and `parent_sampled` from the SDK's
sampling context, so it works with any middleware that passes the ASGI scope.
"""

from collections.abc import Mapping
from typing import Any

# Requests that are pure noise in Performance and cost quota for nothing.
UNTRACED_PATHS = frozenset({"/health", "/docs", "/redoc", "/openapi.json", "/favicon.ico"})
UNTRACED_METHODS = frozenset({"HEAD", "OPTIONS"})


class TracesSampler:
    """A `traces_sampler` for sentry_sdk.init, built from the settings."""

    def __init__(self, default_rate: float, route_rates: Mapping[str, float] | None = None):
        self.default_rate = default_rate
        # Longest prefix first, so the first match is the most specific one.
        self.route_rates = sorted((route_rates or {}).items(), key=lambda item: -len(item[0]))

    def __call__(self, sampling_context: Mapping[str, Any]) -> float:
        scope = sampling_context.get("asgi_scope") or {}
        return self.for_request(
            scope.get("path") or "",
            str(scope.get("method") or ""),
            sampling_context.get("parent_sampled"),
        )

    def for_request(self, path: str, method: str, parent_sampled: bool | None) -> float:
        """The rate for one request: what `__call__` answers, without a sampling context
        to build (the lean request path calls it directly)."""
        if path in UNTRACED_PATHS or path.startswith("/docs/"):
            return 0.0
        if method.upper() in UNTRACED_METHODS:
            return 0.0
        if parent_sampled is not None:
            return 1.0 if parent_sampled else 0.0
        return self.rate_for(path)

    def rate_for(self, path: str) -> float:
        """The rate for a path with no incoming decision."""
        for prefix, rate in self.route_rates:
            if path.startswith(prefix):
                return rate
        return self.default_rate
