"""How much a 500 stalls the other requests: event building on or off the event loop.

    .venv/bin/python scripts/bench_500_stall.py [--errors 150]

The app runs in-process with Sentry on (traces 0, no storm cap, a local sink as Sentry). Two
probes share the event loop with a stream of 500s from /sentry-debug: a fast request
(GET /api/v1/users/me, a 401) sent back to back, and a 1 ms sleep whose overshoot is the loop's
lag. The same probes run for as long without 500s. Medians and p95s are printed in ms.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_support import call, sink_process
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import load_settings
from app.core.db import Base
from app.main import create_app

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"


def build_app(dsn: str, workdir: str):
    url = f"sqlite:///{workdir}/bench.db"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    settings = load_settings(
        _env_file=None,
        secret_key=SECRET_KEY,
        database_url=url,
        sentry_dsn=dsn,
        sentry_traces_sample_rate=0.0,
        sentry_profiles_sample_rate=0.0,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
        sentry_debug_rate_limit="100000/minute",
        log_level="WARNING",
    )
    return create_app(settings)


async def probes(app, stop: asyncio.Event) -> tuple[list[float], list[float]]:
    requests_ms: list[float] = []
    lags_ms: list[float] = []

    async def request_probe() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await call(app, "GET", "/api/v1/users/me")
            requests_ms.append((time.perf_counter() - started) * 1000)

    async def lag_probe() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            lags_ms.append((time.perf_counter() - started) * 1000 - 1.0)

    await asyncio.gather(request_probe(), lag_probe())
    return requests_ms, lags_ms


async def scenario(app, errors: int, duration: float | None) -> tuple[float, list, list]:
    stop = asyncio.Event()
    probing = asyncio.create_task(probes(app, stop))
    started = time.perf_counter()
    if duration is None:
        for _ in range(errors):
            status, _ = await call(app, "GET", "/sentry-debug")
            assert status == 500, status
    else:
        await asyncio.sleep(duration)
    elapsed = time.perf_counter() - started
    stop.set()
    requests_ms, lags_ms = await probing
    return elapsed, requests_ms, lags_ms


def summary(values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20)[-1]
    return f"median {statistics.median(values):6.2f}  p95 {p95:6.2f}  max {max(values):6.2f}"


async def main(errors: int) -> None:
    with sink_process() as dsn, tempfile.TemporaryDirectory() as workdir:
        app = build_app(dsn, workdir)
        await scenario(app, 20, None)  # warm-up: imports, first events, thread pool
        elapsed, with_500_requests, with_500_lags = await scenario(app, errors, None)
        _, quiet_requests, quiet_lags = await scenario(app, 0, elapsed)
    print(f"{errors} 500s in {elapsed:.2f} s, probes on the same event loop (ms):")
    print(f"  fast request, no 500s:     {summary(quiet_requests)}")
    print(f"  fast request, during 500s: {summary(with_500_requests)}")
    print(f"  loop lag, no 500s:         {summary(quiet_lags)}")
    print(f"  loop lag, during 500s:     {summary(with_500_lags)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", type=int, default=150)
    asyncio.run(main(parser.parse_args().errors))
