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
- the last answer (status, or the connection error) kept for `python -m app.core.sentry check`;
- errors first: error events have a queue and a sending thread of their own, so they never
  wait behind (or get dropped for) transactions; a flood of transactions overflows only its
  own queue;
- what the shutdown flush could not send, counted and logged as lost;
- envelopes posted over a kept-alive `http.client` connection per sending thread rather than
  urllib3's pool, for about a third less CPU per envelope, unless a proxy is configured
  (`direct_http.py`).

The private `HttpTransport` methods this builds on are reached through `_sdk_private`; without
them the SDK's single queue is used.
"""

import logging
import threading
import time
from collections import Counter
from typing import Any

import sentry_sdk
import urllib3
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import HttpTransport
from sentry_sdk.utils import capture_internal_exceptions
from sentry_sdk.worker import BackgroundWorker

from app.observability import _sdk_private as sdk
from app.observability._sdk_private import TransportHooks
from app.observability.direct_http import DirectSender

# Not sent to Sentry (the set-up ignores this logger): a log line about losing events must not
# become one more event in the queue it reports on.
logger = logging.getLogger(__name__)

# Reasons for which the SDK drops data because Sentry cannot take it (client-side sampling and
# before_send filtering are choices, not losses, and are not logged).
OUTAGE_REASONS = frozenset(
    {"queue_overflow", "network_error", "send_error", "ratelimit_backoff", "backpressure"}
)
LOG_INTERVAL_S = 60.0
SAMPLED_OUT = "sample_rate"  # the SDK's reason for a transaction the sampler did not keep
SHUTDOWN_LOSS = "shutdown_flush"
ERRORS, OTHERS = "errors", "others"


def transport_options(*, queue_size: int, shutdown_timeout: float) -> dict[str, Any]:
    """The sentry_sdk.init options that bound memory (queue) and shutdown (flush) time."""
    return {
        "transport": ResilientTransport,
        "transport_queue_size": queue_size,
        "shutdown_timeout": shutdown_timeout,
        **sdk.compression_options(),
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
        count_unsent = getattr(client.transport, "count_unsent_as_lost", None)
        if count_unsent is not None:
            count_unsent()


class Lane:
    """One bounded queue and its sending thread, knowing what it still holds, by category."""

    def __init__(self, queue_size: int) -> None:
        self.worker = BackgroundWorker(queue_size=queue_size)
        self.pending: Counter[str] = Counter()
        self._lock = threading.Lock()

    def submit(self, job: Any, categories: list[str]) -> bool:
        """Queue `job`; False (and nothing queued) when the queue is full."""

        def run() -> None:
            try:
                job()
            finally:
                self._forget(categories)

        with self._lock:
            self.pending.update(categories)
        if self.worker.submit(run):
            return True
        self._forget(categories)
        return False

    def _forget(self, categories: list[str]) -> None:
        with self._lock:
            self.pending.subtract(categories)
            self.pending = +self.pending

    def unsent(self) -> Counter[str]:
        with self._lock:
            return Counter(self.pending)


class ResilientTransport(TransportHooks, HttpTransport):
    """HttpTransport with a short timeout, no retries, counted drops and a remembered answer."""

    TIMEOUT = 5  # seconds per attempt, connect + read

    def __init__(self, options: dict[str, Any]) -> None:
        self.dropped: Counter[tuple[str, str]] = Counter()
        self.last_status: int | None = None
        self.last_error: BaseException | None = None
        self._drop_lock = threading.Lock()
        self._answer = threading.local()
        self._last_logged: dict[str, float] = {}
        self._senders: dict[Any, DirectSender | None] = {}
        super().__init__(options)
        size = options["transport_queue_size"]
        self.lanes = (
            {ERRORS: Lane(size), OTHERS: Lane(size)} if sdk.transport_lanes_available() else None
        )

    def pool_options_hook(self, options: dict[str, Any]) -> dict[str, Any]:
        options["retries"] = urllib3.Retry(total=0, redirect=False, raise_on_status=False)
        options["maxsize"] = 2  # one connection per sending thread
        return options

    def direct_request(self, method: str, endpoint_type: Any, body: Any, headers: Any) -> Any:
        if endpoint_type not in self._senders:
            target = self.direct_target(endpoint_type)
            built = DirectSender(*target, self.TIMEOUT) if target else None
            # Both lanes may get here at once: setdefault keeps one sender, the other unused.
            self._senders.setdefault(endpoint_type, built)
        sender = self._senders[endpoint_type]
        if sender is None or method != "POST":
            return None
        return sender.post(body, headers)

    def capture_envelope(self, envelope: Envelope) -> None:
        if self.lanes is None:
            super().capture_envelope(envelope)
            return
        categories = [str(item.data_category) for item in envelope.items]
        lane = self.lanes[ERRORS if "error" in categories else OTHERS]

        def send() -> None:
            with capture_internal_exceptions():
                sdk.send_envelope(self, envelope)

        if not lane.submit(send, categories):
            self.on_dropped_event("full_queue")
            for item in envelope.items:
                self.record_lost_event("queue_overflow", item=item)

    def flush(self, timeout: float, callback: Any = None) -> None:
        if self.lanes is None:
            super().flush(timeout, callback)
            return
        if timeout <= 0:
            return
        deadline = time.monotonic() + timeout
        self.lanes[OTHERS].worker.submit(lambda: sdk.send_client_reports(self))
        for name in (ERRORS, OTHERS):  # errors first, the rest with the time left
            self.lanes[name].worker.flush(max(deadline - time.monotonic(), 0.0), callback)

    def kill(self) -> None:
        for lane in (self.lanes or {}).values():
            lane.worker.kill()
        super().kill()
        for sender in self._senders.values():
            if sender is not None:
                sender.close()

    def is_healthy(self) -> bool:
        full = any(lane.worker.full() for lane in (self.lanes or {}).values())
        return not full and super().is_healthy()

    def count_unsent_as_lost(self) -> None:
        """Count and log what is still queued: at shutdown, it will never be sent."""
        unsent: Counter[str] = Counter()
        for lane in (self.lanes or {}).values():
            unsent += lane.unsent()
        if not unsent:
            return
        with self._drop_lock:
            for category, count in unsent.items():
                self.dropped[SHUTDOWN_LOSS, category] += count
        logger.warning(
            "Sentry shutdown flush timed out (%s): dropped so far %s",
            SHUTDOWN_LOSS,
            self.drop_summary(),
        )

    def on_answer(self, status: int | None, error: BaseException | None) -> None:
        self.last_status, self.last_error = status, error
        self._answer.status = status  # per sending thread: the lanes send in parallel

    def record_lost_event(
        self,
        reason: str,
        data_category: Any = None,
        item: Any = None,
        *,
        quantity: int = 1,
    ) -> None:
        if reason == SAMPLED_OUT:
            # Not sent by choice, on nine requests in ten: the client report counts it, and it
            # is no loss for the outage log (the bookkeeping below cost each unsampled request
            # about 4k instructions).
            super().record_lost_event(reason, data_category, item, quantity=quantity)
            return
        category = item.data_category if item is not None else data_category
        ours = self._reason(reason)  # the client report keeps the SDK's own
        with self._drop_lock:
            self.dropped[ours, str(category)] += quantity
            due = time.monotonic() - self._last_logged.get(ours, -LOG_INTERVAL_S) >= LOG_INTERVAL_S
            if due and ours in OUTAGE_REASONS:
                self._last_logged[ours] = time.monotonic()
        if due and ours in OUTAGE_REASONS:
            logger.warning(
                "Sentry is not taking events (%s): dropped so far %s", ours, self.drop_summary()
            )
        super().record_lost_event(reason, data_category, item, quantity=quantity)

    def _reason(self, reason: str) -> str:
        # sentry-sdk reports any unexpected HTTP answer as a network error; but Sentry did
        # answer (401, 500...), which tells whoever reads the log something else.
        if reason == "network_error" and getattr(self._answer, "status", None) is not None:
            return "send_error"
        return reason

    def drop_summary(self) -> dict[str, int]:
        """Dropped items so far, by "reason/category"."""
        with self._drop_lock:
            return {f"{reason}/{category}": n for (reason, category), n in self.dropped.items()}
