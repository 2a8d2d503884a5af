#!/usr/bin/env python3
"""A login flood against the real service: memory and /health latency while it lasts.

    .venv/bin/python scripts/bench_login_flood.py            # 150 concurrent logins, 3 waves
    .venv/bin/python scripts/bench_login_flood.py --logins 300 --waves 1

uvicorn (one worker) with production argon2 cost (64 MiB per hash) and Sentry off. Every
login uses an unknown email, so each one costs a full hash; the per-address login limit is
raised out of the way, so what is measured is the hashing bound (PASSWORD_HASH_CONCURRENCY),
not the throttle. Reports the statuses, the server's RSS before and at its peak, and /health
p50/p95 polled during the flood.
"""

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_http import start_server  # noqa: E402

RSS_TARGET_MB = 256


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class PeakRss(threading.Thread):
    """Samples a process's RSS every 10 ms and keeps the highest."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)


async def flood(base: str, logins: int) -> tuple[Counter, list[float]]:
    """`logins` concurrent logins, and /health polled until they are all answered."""
    limits = httpx.Limits(max_connections=logins + 2, max_keepalive_connections=logins + 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        done = asyncio.Event()
        health_ms: list[float] = []

        async def poll_health() -> None:
            while not done.is_set():
                start = time.perf_counter()
                await http.get("/health")
                health_ms.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.05)

        async def login(index: int) -> int:
            body = {"email": f"flood{index}@example.com", "password": "wrong-password"}
            return (await http.post("/api/v1/auth/login", json=body)).status_code

        poller = asyncio.create_task(poll_health())
        statuses = await asyncio.gather(*(login(i) for i in range(logins)))
        done.set()
        await poller
    return Counter(statuses), health_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=150)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    os.environ.update({"LOGIN_MAX_FAILURES_PER_IP": "1000000", "SENTRY_DSN": ""})
    proc, base = start_server("off", "")
    try:
        before = rss_mb(proc.pid)
        sampler = PeakRss(proc.pid)
        sampler.start()
        statuses: Counter = Counter()
        health_ms: list[float] = []
        began = time.perf_counter()
        for _ in range(args.waves):
            wave_statuses, wave_health = asyncio.run(flood(base, args.logins))
            statuses += wave_statuses
            health_ms += wave_health
        elapsed = time.perf_counter() - began
        sampler.stopped.set()
        sampler.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    growth = sampler.peak - before
    quartiles = statistics.quantiles(health_ms, n=20, method="inclusive")
    print(f"{args.waves} waves of {args.logins} concurrent logins in {elapsed:.1f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"RSS: {before:.0f} MB before, {sampler.peak:.0f} MB at peak (+{growth:.0f} MB)")
    print(
        f"/health during the flood: p50 {statistics.median(health_ms):.0f} ms, "
        f"p95 {quartiles[18]:.0f} ms over {len(health_ms)} requests"
    )
    verdict = "within" if growth < RSS_TARGET_MB else "OVER"
    print(f"RSS growth {verdict} the {RSS_TARGET_MB} MB target")


if __name__ == "__main__":
    main()
