"""A sick Sentry changes no answer: the real service under uvicorn, against five sick modes.

All modes (and a healthy run to compare with) run at once, each in its own uvicorn process
against its own misbehaving endpoint, so the whole file takes about as long as one run. The
latency ratios are printed (run pytest with -s to see them), never asserted.
"""

import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sentry_sdk

from scripts.fakes.served_app import ROUND, Run, serve_and_drive, sqlite_database
from scripts.fakes.sick_sentry import SickSentry

SICK_MODES = ("hang", "slow", "ratelimit", "error500", "refused")
SHUTDOWN_TIMEOUT_S = 1.0
SHUTDOWN_MARGIN_S = 3.0  # generous: interpreter exit and uvicorn's own shutdown on a busy box
ROUNDS = 3
QUEUE_SIZE = 6  # small, so that 3 rounds overflow it while Sentry does not answer


def _env(sentry: SickSentry, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SENTRY_DSN": sentry.dsn,
        "SENTRY_TRACES_SAMPLE_RATE": "1.0",
        "SENTRY_DEBUG_RATE_LIMIT": "1000/minute",
        "SENTRY_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT_S),
        "SENTRY_TRANSPORT_QUEUE_SIZE": str(QUEUE_SIZE),
        "LOG_LEVEL": "INFO",
        # Cheap password hashing: each round signs in, and six servers share the CPU.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "64",
        "ARGON2_PARALLELISM": "1",
    }


def _serve(mode: str, root: Path) -> Run:
    workdir = root / mode
    database_url = sqlite_database(workdir)
    sentry = SickSentry(mode)
    try:
        return serve_and_drive(_env(sentry, database_url), workdir, ROUNDS)
    finally:
        sentry.stop()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    root = tmp_path_factory.mktemp("outages")
    modes = ("healthy", *SICK_MODES)
    with ThreadPoolExecutor(max_workers=len(modes)) as pool:
        futures = {mode: pool.submit(_serve, mode, root) for mode in modes}
        results = {mode: future.result() for mode, future in futures.items()}
    healthy = results["healthy"].median_ms
    print("\nmode        median ms  ratio vs healthy  shutdown s")
    for mode, run in results.items():
        ratio = run.median_ms / healthy
        print(f"{mode:<10}  {run.median_ms:9.1f}  {ratio:16.2f}  {run.shutdown_s:10.2f}")
    yield results


@pytest.mark.parametrize("mode", ("healthy", *SICK_MODES))
def test_every_request_is_answered_as_usual_and_shutdown_is_bounded(
    runs: dict[str, Run], mode: str
):
    run = runs[mode]

    failures = [(path, wanted, got) for path, wanted, got in run.statuses if wanted != got]
    assert not failures, f"{mode}: requests answered differently: {failures}\n{run.stderr[-3000:]}"
    assert len(run.statuses) == ROUNDS * len(ROUND)
    assert all(re.fullmatch(r"[0-9a-f]{32}", event_id or "") for event_id in run.event_ids)
    # uvicorn re-raises SIGTERM after its graceful shutdown: -15 is its normal exit.
    assert run.returncode in (0, -15), run.stderr[-3000:]
    assert run.shutdown_s < SHUTDOWN_TIMEOUT_S + SHUTDOWN_MARGIN_S


@pytest.mark.parametrize("mode", ("hang", "ratelimit", "refused"))
def test_lost_events_are_counted_and_logged_not_buffered(runs: dict[str, Run], mode: str):
    reason = {
        "hang": "queue_overflow",
        "ratelimit": "ratelimit_backoff",
        "refused": "network_error",
    }
    assert f"Sentry is not taking events ({reason[mode]})" in runs[mode].stderr


def test_the_log_line_of_a_500_carries_its_trace_and_event_id(runs: dict[str, Run]):
    run = runs["healthy"]
    event_id = run.event_ids[0]
    line = next(line for line in run.stderr.splitlines() if f"(event_id={event_id})" in line)
    assert re.search(rf"\[trace_id=[0-9a-f]{{32}} event_id={event_id}\]", line), line


def test_a_hanging_sentry_fills_a_bounded_queue_and_close_respects_the_timeout(
    client_factory, caplog
):
    sentry = SickSentry("hang")
    try:
        client = client_factory(
            sentry_dsn=sentry.dsn,
            sentry_traces_sample_rate=1.0,
            sentry_debug_rate_limit="1000/minute",
            sentry_transport_queue_size=2,
            sentry_shutdown_timeout=0.5,
        )
        with caplog.at_level(logging.WARNING, logger="app.observability.transport"):
            responses = [client.get("/sentry-debug") for _ in range(6)]
        assert [r.status_code for r in responses] == [500] * 6
        assert all(r.json()["event_id"] for r in responses)
        transport = sentry_sdk.get_client().transport
        assert transport.drop_summary().get("queue_overflow/error", 0) >= 1
        assert "Sentry is not taking events (queue_overflow)" in caplog.text

        started = time.monotonic()
        sentry_sdk.get_client().close()  # uses SENTRY_SHUTDOWN_TIMEOUT, like the exit hook
        elapsed = time.monotonic() - started
        print(f"\nin-process close() against a hanging Sentry: {elapsed:.2f} s (timeout 0.5 s)")
        assert elapsed < 0.5 + SHUTDOWN_MARGIN_S
    finally:
        sentry.stop()
