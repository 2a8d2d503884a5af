#!/usr/bin/env python3
"""Instructions per request under valgrind's callgrind: a cost that does not move with the load.

    .venv/bin/python scripts/bench_instructions.py                       # off, errors-only
    .venv/bin/python scripts/bench_instructions.py --configs off,prod-traces --requests 300

CPU-time ratios (scripts/bench.py) cannot resolve a change of 10-20 us per request on a shared
2-core machine: `off` itself moves by a quarter between runs. Callgrind counts the instructions
the interpreter executes instead, the same count twice for the same code and input, whatever
else the machine does. Each configuration runs in its own process under
`valgrind --tool=callgrind`, with counting switched on only after the warm-up (imports, the
first requests, the sign-in), over `--requests` calls of one endpoint. Instructions are not
time (a cache miss costs more than an add), so use this to compare two trees or two
configurations of one change, and scripts/bench.py for the throughput itself. Sampled
configurations (traces 0.1) count whichever requests the dice pick: compare them over many
requests, or prefer traces 0 or 1.

Callgrind runs the process 50 to 100 times slower, so the SDK's background threads (session
flusher, transport, health monitor), which wake up on a clock, not per request, get 50 to 100
times their real share of each request. `--by-thread` counts each thread on its own: the
event loop, the threadpool thread that runs the route, and the background threads apart.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_support import CONFIGS, ENDPOINTS  # noqa: E402

DSN = "http://public@127.0.0.1:9/1"  # nothing listens: events are dropped after counting
WARM_UP = 100


def worker(config: str, endpoint: str, requests: int) -> None:
    """Warm up, say `ready`, wait for `go`, serve the requests, say `done`, wait for `exit`."""
    import sentry_sdk

    from scripts.bench import prepare_app
    from scripts.bench_support import call

    app, token, loop = prepare_app(config, DSN)
    method, path, payload = ENDPOINTS[endpoint]

    async def batch(count: int) -> None:
        for _ in range(count):
            status, _ = await call(app, method, path, body=payload, token=token)
            assert status < 400, status

    loop.run_until_complete(batch(WARM_UP))
    sentry_sdk.flush(timeout=5)
    _say_and_wait("ready", "go")
    loop.run_until_complete(batch(requests))
    sentry_sdk.flush(timeout=5)
    _say_and_wait("done", "exit")


def _say_and_wait(said: str, awaited: str) -> None:
    print(said, flush=True)
    while sys.stdin.readline().strip() != awaited:
        pass


def count(config: str, endpoint: str, requests: int, out_dir: Path) -> list[int]:
    """Instructions per request of one configuration (its own process under callgrind), per
    thread in the order the threads started (the event loop's first)."""
    out = out_dir / f"callgrind.{config}.out"
    process = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--cache-sim=no",
            "--instr-atstart=no",
            "--separate-threads=yes",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--worker",
            config,
            "--endpoint",
            endpoint,
            "--requests",
            str(requests),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    _expect(process, "ready")
    subprocess.run(
        ["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True
    )
    _send(process, "go")
    _expect(process, "done")
    subprocess.run(["callgrind_control", "-d", str(process.pid)], check=True, capture_output=True)
    _send(process, "exit")
    process.wait(timeout=600)
    # The dumps taken on request (`.out.1-<thread>`) hold the counted part; those at exit
    # hold nothing more.
    dumps = sorted(out_dir.glob(f"callgrind.{config}.out.1-*"))
    return [_totals(dump) // requests for dump in dumps]


def _expect(process: subprocess.Popen, word: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == word:
            return
    raise SystemExit(f"the worker exited before saying {word!r} (exit code {process.wait()})")


def _send(process: subprocess.Popen, word: str) -> None:
    assert process.stdin is not None
    process.stdin.write(word + "\n")
    process.stdin.flush()


def _totals(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise SystemExit(f"no totals in {dump}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="off,errors-only", help="the first is the baseline")
    parser.add_argument("--endpoint", default="GET /api/v1/users/me", choices=list(ENDPOINTS))
    parser.add_argument("--requests", type=int, default=200, help="counted requests (200)")
    parser.add_argument(
        "--by-thread", action="store_true", help="also each thread's instructions per request"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.endpoint, args.requests)
        return
    configs = args.configs.split(",")
    unknown = [name for name in configs if name not in CONFIGS]
    if unknown:
        parser.error(f"unknown configs {unknown}; known: {list(CONFIGS)}")
    with tempfile.TemporaryDirectory() as out_dir:
        counts = {
            name: count(name, args.endpoint, args.requests, Path(out_dir)) for name in configs
        }
    totals = {name: sum(threads) for name, threads in counts.items()}
    base = totals[configs[0]]
    print(f"\n{args.endpoint}, {args.requests} requests after {WARM_UP} of warm-up")
    print("| Config | instructions per request | vs the first |")
    print("|---|---|---|")
    for name in configs:
        print(f"| {name} | {totals[name]:,} | x{base / totals[name]:.3f} |")
    if args.by_thread:
        print("\nPer thread, in the order they started (the event loop first; idle ones left out):")
        for name in configs:
            busy = [f"{count:,}" for count in counts[name] if count]
            print(f"  {name}: {' / '.join(busy)}")


if __name__ == "__main__":
    main()
