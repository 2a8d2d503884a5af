#!/usr/bin/env python3
"""Where a request's time goes: cProfile over the event loop and every threadpool thread.

    .venv/bin/python scripts/profile_requests.py prod "GET /api/v1/users/me" -n 2000

Routes are plain `def`, so half the work runs in anyio's worker threads, which a plain
cProfile run never sees; each thread gets its own profiler here and the stats are merged.
"""

import argparse
import cProfile
import pstats
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_support import CONFIGS, ENDPOINTS, call  # noqa: E402

_profilers: list[cProfile.Profile] = []


def _start_thread_profiler(*_args: object) -> None:
    profiler = cProfile.Profile()
    _profilers.append(profiler)
    profiler.enable()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", choices=list(CONFIGS))
    parser.add_argument("endpoint", choices=list(ENDPOINTS))
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--save", help="also write the merged stats to this file (pstats)")
    parser.add_argument("--match", help="only functions whose path:line(name) matches this regex")
    args = parser.parse_args()

    import sentry_sdk

    from scripts.bench import prepare_app  # builds the app the benchmark measures

    # Threads started from now on (threadpool, transport, profiler) get a profiler each.
    threading.setprofile(_start_thread_profiler)
    with _sink() as dsn:
        app, token, loop = prepare_app(args.config, dsn)
        method, path, body = ENDPOINTS[args.endpoint]

        async def run() -> None:
            for _ in range(args.n):
                await call(app, method, path, body=body, token=token)
            # The transport thread's sending is part of the cost: done here, while the sink is
            # up and the profilers run, not at exit.
            sentry_sdk.flush(timeout=30)

        main_profiler = cProfile.Profile()
        main_profiler.enable()
        loop.run_until_complete(run())
        main_profiler.disable()
    stats = pstats.Stats(main_profiler)
    for profiler in _profilers:
        profiler.disable()
        stats.add(profiler)
    if args.save:
        stats.dump_stats(args.save)
    print(f"{args.n} requests; divide by that for per-request figures")
    stats.sort_stats(args.sort).print_stats(*([args.match] if args.match else []), args.top)


def _sink():
    from scripts.bench_support import sink_process

    return sink_process()


if __name__ == "__main__":
    main()
