#!/usr/bin/env python3
"""What Sentry costs per request, measured side by side in one run.

    .venv/bin/python scripts/bench.py            # in-process, ~2 min
    .venv/bin/python scripts/bench.py --quick    # in-process, ~30 s
    .venv/bin/python scripts/bench.py --http     # through uvicorn, p50/p95/p99 under load

In-process mode calls the ASGI app directly (no network, no load generator to distort it).
Each configuration lives in its own worker process, because sentry_sdk.init is process-wide
and the stock integrations patch Starlette for good once set up. The parent runs the workers
one at a time, in alternating order (A B C D, B C D A, ...), and reports medians over rounds.
Envelopes go over HTTP to a local sink process, so the SDK's transport does its real work.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_support import (  # noqa: E402
    CONFIGS,
    DEFAULT_CONFIGS,
    ENDPOINTS,
    SECRET_KEY,
    TMP_DIR,
    call,
    sentry_env,
    sink_process,
)


def prepare_app(config: str, dsn: str, instrument: Callable[[Any], None] | None = None) -> tuple:
    """The app for one configuration on a fresh SQLite file, a signed-in user's token, a loop.

    `instrument(app)` runs before the app's first request, while middleware can still be added.
    """
    from sqlalchemy import create_engine

    from app.core.config import load_settings
    from app.core.db import Base
    from app.main import create_app

    db = Path(tempfile.mkdtemp(dir=TMP_DIR)) / "bench.db"
    url = f"sqlite:///{db}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    env = {k.lower(): v for k, v in sentry_env(config, dsn).items()}
    settings = load_settings(_env_file=None, database_url=url, secret_key=SECRET_KEY, **env)
    app = create_app(settings)
    if instrument is not None:
        instrument(app)
    loop = asyncio.new_event_loop()
    user = {"email": "bench@example.com", "password": "correct-horse-battery", "name": "Bench"}
    loop.run_until_complete(call(app, "POST", "/api/v1/auth/register", body=user))
    login = {"email": user["email"], "password": user["password"]}
    _, body = loop.run_until_complete(call(app, "POST", "/api/v1/auth/login", body=login))
    token = json.loads(body)["access_token"]
    return app, token, loop


def worker(config: str, dsn: str) -> None:
    """One configuration's worker process: see `serve_batches`."""
    import sentry_sdk

    app, token, loop = prepare_app(config, dsn)
    serve_batches(config, app, token, loop, lambda: sentry_sdk.flush(timeout=30), sys.stdout)
    sentry_sdk.flush(timeout=5)  # send what is queued before exiting, quietly


def serve_batches(
    label: str, app: Any, token: str, loop: Any, flush: Callable, out: TextIO
) -> None:
    """Warm up, say `ready` on `out`, then answer each `run <endpoint index> <n>` from stdin with
    the batch's CPU and wall seconds. CPU time is the whole process's (event loop, threadpool,
    the telemetry client's own threads), so it is what telemetry costs a saturated server, and
    other tenants of the machine barely move it.
    """

    async def batch(endpoint: str, n: int) -> str:
        method, path, payload = ENDPOINTS[endpoint]
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            status, _ = await call(app, method, path, body=payload, token=token)
            if status >= 400:
                raise SystemExit(f"{label}: {method} {path} answered {status}")
        # The telemetry of this batch is sent inside the measured time: left in the queue, the
        # client's thread would send it while the next worker is being measured.
        flush()
        return f"{time.process_time() - cpu} {time.perf_counter() - wall}"

    for endpoint in ENDPOINTS:  # warm-up: imports, pools, caches, first profiler start
        loop.run_until_complete(batch(endpoint, 50))
    print("ready", file=out, flush=True)
    for line in sys.stdin:
        _, index, n = line.split()
        endpoint = list(ENDPOINTS)[int(index)]
        print(loop.run_until_complete(batch(endpoint, int(n))), file=out, flush=True)


def start_worker(config: str, dsn: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", config, "--dsn", dsn],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"worker {config} did not start")
    return proc


def in_process(rounds: int, requests: int, configs: list[str]) -> None:
    with sink_process() as dsn:
        workers = {config: [start_worker(config, dsn)] for config in configs}
        try:
            samples = run_rounds(workers, rounds, requests)
        finally:
            for [proc] in workers.values():
                proc.stdin.close()
                proc.wait(timeout=30)
    print_table(samples, configs, rounds, requests)


def run_rounds(workers: dict[str, list[subprocess.Popen]], rounds: int, requests: int) -> dict:
    """Batches of `requests` from each configuration in rotating order (A B C, B C A, ...), per
    endpoint; returns per-request seconds, one per round, keyed by (endpoint, configuration,
    "cpu" or "wall"). A configuration with several worker processes uses them in turn, one per
    round.
    """
    names = list(workers)
    samples: dict[tuple[str, str, str], list[float]] = {}
    for i in range(rounds):
        order = names[i % len(names) :] + names[: i % len(names)]
        for index, endpoint in enumerate(ENDPOINTS):
            for name in order:
                proc = workers[name][i % len(workers[name])]
                proc.stdin.write(f"run {index} {requests}\n")
                proc.stdin.flush()
                answer = proc.stdout.readline().split()
                if len(answer) != 2:
                    raise SystemExit(f"worker {name} stopped answering")
                cpu, wall = map(float, answer)
                samples.setdefault((endpoint, name, "cpu"), []).append(cpu / requests)
                samples.setdefault((endpoint, name, "wall"), []).append(wall / requests)
        print(f"round {i + 1}/{rounds} done", file=sys.stderr, flush=True)
    return samples


def print_table(samples: dict, configs: list[str], rounds: int, requests: int) -> None:
    print(
        f"\nIn-process ASGI, {rounds} alternating rounds x {requests} requests, medians;"
        " ratio = Sentry-off throughput kept (target >= 0.95 production, >= 0.85 full)"
    )
    for kind, title in (
        ("cpu", "CPU time per request (whole process)"),
        ("wall", "Wall time per request (moves with the machine's load)"),
    ):
        print(f"\n{title}\n")
        _print_kind(samples, configs, kind)
    print()
    for config in configs:
        print(f"  {config:<10} {CONFIGS[config]['label']}")


def _print_kind(samples: dict, configs: list[str], kind: str) -> None:
    header = f"| {'Endpoint':<24} |" + "".join(f" {c:>22} |" for c in configs)
    print(header)
    print("|" + "-" * 26 + "|" + "".join("-" * 24 + "|" for _ in configs))
    for endpoint in ENDPOINTS:
        base = statistics.median(samples[(endpoint, configs[0], kind)])
        cells = []
        for config in configs:
            median = statistics.median(samples[(endpoint, config, kind)])
            cells.append(f" {median * 1e6:8.0f} us  x{base / median:5.3f} |".rjust(24))
        print(f"| {endpoint:<24} |" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (~30 s)")
    parser.add_argument("--http", action="store_true", help="through uvicorn with a load generator")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 15, quick 5)")
    parser.add_argument("--requests", type=int, help="requests per round and configuration")
    parser.add_argument(
        "--configs", default=",".join(DEFAULT_CONFIGS), help="comma-separated, first is baseline"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.dsn)
    elif args.http:
        from scripts.bench_http import http_mode

        http_mode(args.quick, args.configs.split(","))
    else:
        rounds = args.rounds or (5 if args.quick else 15)
        requests = args.requests or (100 if args.quick else 200)
        in_process(rounds, requests, args.configs.split(","))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
