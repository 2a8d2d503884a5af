"""The HTTP transport to Sentry, tuned so that a sick Sentry stays invisible to users.

What sentry-sdk 2.75 already guarantees (read in `transport.py` / `worker.py`): requests only
put envelopes on a bounded queue (`transport_queue_size`, `put_nowait`) that one daemon thread
drains; a full queue drops the envelope; 429s and `X-Sentry-Rate-Limits` pause sending per
category; `shutdown_timeout` bounds the flush at exit. What it does not do, and this adds:

- a short socket timeout: the stock `TIMEOUT` is 30 s per attempt (connect + read), so a Sentry
  that never answers parks the worker for 30 s per envelope; 5 s fails faster, so fewer events
  are lost while Sentry is merely slow;
- no retry of a timed-out or refused connection: urllib3's default retries would multiply it;
- drops counted by reason and category, and logged (at most once a minute per reason), instead
  of being silent;
- the last answer (status, or the connection error) kept for `python -m app.core.sentry check`.

The two private `HttpTransport` methods this extends are overridden in `_sdk_private`.
"""

import logging
import threading
import time
from collections import Counter
from typing import Any

import sentry_sdk
import urllib3
from sentry_sdk.transport import HttpTransport

from app.observability._sdk_private import TransportHooks

# Not sent to Sentry (the set-up ignores this logger): a log line about losing events must not
# become one more event in the queue it reports on.
logger = logging.getLogger(__name__)

# Reasons for which the SDK drops data because Sentry cannot take it (client-side sampling and
# before_send filtering are choices, not losses, and are not logged).
OUTAGE_REASONS = frozenset(
    {"queue_overflow", "network_error", "send_error", "ratelimit_backoff", "backpressure"}
)
LOG_INTERVAL_S = 60.0


def transport_options(*, queue_size: int, shutdown_timeout: float) -> dict[str, Any]:
    """The sentry_sdk.init options that bound memory (queue) and shutdown (flush) time."""
    return {
        "transport": ResilientTransport,
        "transport_queue_size": queue_size,
        "shutdown_timeout": shutdown_timeout,
    }


def flush_before_exit(timeout: float) -> None:
    """Best-effort send of what is queued, for at most `timeout` seconds; call at app shutdown.

    The SDK's own exit hook (atexit) never runs under uvicorn >= 0.29: after a graceful
    shutdown, uvicorn re-raises SIGTERM with the default handler, which ends the process at
    once. The lifespan's shutdown is the last moment our code runs.
    """
    client = sentry_sdk.get_client()
    if client.is_active():
        client.flush(timeout=timeout)


class ResilientTransport(TransportHooks, HttpTransport):
    """HttpTransport with a short timeout, no retries, counted drops and a remembered answer."""

    TIMEOUT = 5  # seconds per attempt, connect + read

    def __init__(self, options: dict[str, Any]) -> None:
        self.dropped: Counter[tuple[str, str]] = Counter()
        self.last_status: int | None = None
        self.last_error: BaseException | None = None
        self._drop_lock = threading.Lock()
        self._last_logged: dict[str, float] = {}
        super().__init__(options)

    def pool_options_hook(self, options: dict[str, Any]) -> dict[str, Any]:
        options["retries"] = urllib3.Retry(total=0, redirect=False, raise_on_status=False)
        return options

    def on_answer(self, status: int | None, error: BaseException | None) -> None:
        self.last_status, self.last_error = status, error

    def record_lost_event(
        self,
        reason: str,
        data_category: Any = None,
        item: Any = None,
        *,
        quantity: int = 1,
    ) -> None:
        category = item.data_category if item is not None else data_category
        with self._drop_lock:
            self.dropped[reason, str(category)] += quantity
            due = (
                time.monotonic() - self._last_logged.get(reason, -LOG_INTERVAL_S) >= LOG_INTERVAL_S
            )
            if due and reason in OUTAGE_REASONS:
                self._last_logged[reason] = time.monotonic()
        if due and reason in OUTAGE_REASONS:
            logger.warning(
                "Sentry is not taking events (%s): dropped so far %s",
                reason,
                self.drop_summary(),
            )
        super().record_lost_event(reason, data_category, item, quantity=quantity)

    def drop_summary(self) -> dict[str, int]:
        """Dropped items so far, by "reason/category"."""
        with self._drop_lock:
            return {f"{reason}/{category}": n for (reason, category), n in self.dropped.items()}
