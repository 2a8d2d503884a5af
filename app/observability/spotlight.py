"""Sentry Spotlight: see events locally, in a sidecar, without a Sentry account.

`SENTRY_SPOTLIGHT=1` (or the sidecar's URL, parsed in `app.core.config`) makes the SDK copy
every envelope to the sidecar (`npx @spotlightjs/spotlight`, http://localhost:8969/stream).
Without a DSN, sentry-sdk 2.75 then turns on PII and samples every error, transaction and
profile (`Client._init_impl`).
`keep_our_options` undoes that, so local mode shows exactly what production would send.
"""

from collections.abc import Callable
from typing import Any

import urllib3

# The SDK posts to the sidecar synchronously, in the thread that captures the event (and, for the
# async 500 handler, on the event loop). A stuck sidecar must not stall requests for long.
SIDECAR_TIMEOUT = urllib3.Timeout(connect=0.5, read=1.0)


def keep_our_options(client: Any, traces_sampler: Callable[[dict[str, Any]], float]) -> None:
    """Put back our privacy and sampling choices that the SDK overrides in DSN-less Spotlight mode.

    `data_collection` is ours already (the SDK only re-derives it when the user did not pass
    it); before_send and the other hooks are never touched by the SDK.
    """
    spotlight = getattr(client, "spotlight", None)
    if spotlight is None:
        return
    spotlight.http = urllib3.PoolManager(timeout=SIDECAR_TIMEOUT, retries=False)
    if client.options.get("dsn"):
        return
    client.options["send_default_pii"] = False
    client.options["error_sampler"] = None
    client.options["traces_sampler"] = traces_sampler
    client.options["profiles_sampler"] = None
