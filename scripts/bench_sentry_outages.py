#!/usr/bin/env python3
"""Latency, memory and shutdown time of the real service while Sentry is sick, side by side.

    .venv/bin/python scripts/bench_sentry_outages.py [rounds]

For each mode (healthy, hang, slow, ratelimit, error500, refused) it starts a local endpoint
that misbehaves that way and the app under uvicorn pointed at it, sends `rounds` rounds of
requests (successes, 401s, 404s and 500s), reads the server's resident memory, then sends
SIGTERM and times the exit. Modes run one after another, so they do not compete for the CPU.
"""

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.fakes.served_app import Run, serve_and_drive, sqlite_database
from scripts.fakes.sick_sentry import SickSentry

MODES = ("healthy", "hang", "slow", "ratelimit", "error500", "refused")


def bench(mode: str, rounds: int, root: Path) -> Run:
    workdir = root / mode
    database_url = sqlite_database(workdir)
    sentry = SickSentry(mode)
    env = {
        "DATABASE_URL": database_url,
        "SENTRY_DSN": sentry.dsn,
        "SENTRY_TRACES_SAMPLE_RATE": "1.0",
        "SENTRY_DEBUG_RATE_LIMIT": "100000/minute",
        # Every round fails a login for the same account: let them all be 401s, not 429s.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": "100000",
        "LOGIN_MAX_FAILURES_PER_IP": "100000",
        "LOG_LEVEL": "WARNING",
    }
    try:
        return serve_and_drive(env, workdir, rounds)
    finally:
        sentry.stop()


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with tempfile.TemporaryDirectory() as tmp:
        runs = {mode: bench(mode, rounds, Path(tmp)) for mode in MODES}
    healthy = runs["healthy"]
    print(f"{rounds} rounds x 5 requests per mode; SENTRY_SHUTDOWN_TIMEOUT=2 s")
    print("mode       failed  median ms  p95 ms  ratio(median)  RSS MB  shutdown s")
    for mode, run in runs.items():
        failed = sum(1 for _path, wanted, got in run.statuses if wanted != got)
        p95 = statistics.quantiles(run.latencies_ms, n=20)[-1]
        rss = f"{run.rss_kb / 1024:6.1f}" if run.rss_kb else "   n/a"
        print(
            f"{mode:<9}  {failed:6d}  {run.median_ms:9.1f}  {p95:6.1f}  "
            f"{run.median_ms / healthy.median_ms:13.2f}  {rss}  {run.shutdown_s:10.2f}"
        )


if __name__ == "__main__":
    main()
