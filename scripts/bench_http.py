"""HTTP mode of the benchmark: uvicorn (one worker, 127.0.0.1) under a bounded load generator.

Reports throughput and p50/p95/p99 latency per configuration, and checks the API budget
(p95 < 500 ms). The load generator shares the machine with the server, so absolute req/s
are lower than in-process; the ratios between configurations are what to read.
"""

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from scripts.bench_support import (
    CONFIGS,
    ENDPOINTS,
    ROOT,
    SECRET_KEY,
    TMP_DIR,
    sentry_env,
    sink_process,
)

CONCURRENCY = 16
P95_BUDGET_MS = 500.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(config: str, dsn: str) -> tuple[subprocess.Popen, str]:
    from sqlalchemy import create_engine

    import app.models  # noqa: F401 - registers the tables on Base.metadata
    from app.core.db import Base

    url = f"sqlite:///{Path(tempfile.mkdtemp(dir=TMP_DIR)) / 'bench.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING"}
    env.pop("SENTRY_DSN", None)
    env.update(sentry_env(config, dsn))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"uvicorn for {config} did not start")


def sign_in(base: str) -> str:
    user = {"email": "bench@example.com", "password": "correct-horse-battery", "name": "Bench"}
    httpx.post(base + "/api/v1/auth/register", json=user, timeout=10)
    login = {"email": user["email"], "password": user["password"]}
    return httpx.post(base + "/api/v1/auth/login", json=login, timeout=10).json()["access_token"]


async def load(base: str, token: str, endpoint: str, seconds: float) -> tuple[float, list[float]]:
    """CONCURRENCY clients in a closed loop for `seconds`; returns req/s and latencies (ms)."""
    method, path, body = ENDPOINTS[endpoint]
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        stop = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                response = await http.request(method, path, json=body)
                latencies.append((time.perf_counter() - start) * 1000)
                if response.status_code >= 400:
                    raise SystemExit(f"{method} {path} answered {response.status_code}")

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, latencies


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def http_mode(quick: bool, configs: list[str]) -> None:
    seconds, rounds = (4.0, 1) if quick else (8.0, 2)
    with sink_process() as dsn:
        servers = {config: start_server(config, dsn) for config in configs}
        try:
            tokens = {config: sign_in(base) for config, (_, base) in servers.items()}
            results: dict[tuple[str, str], list[tuple[float, list[float]]]] = {}
            for i in range(rounds):
                order = configs[i % len(configs) :] + configs[: i % len(configs)]
                for endpoint in ENDPOINTS:
                    for config in order:
                        base = servers[config][1]
                        asyncio.run(load(base, tokens[config], endpoint, 1.0))  # warm-up
                        result = asyncio.run(load(base, tokens[config], endpoint, seconds))
                        results.setdefault((endpoint, config), []).append(result)
                print(f"round {i + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)
    _print_http_table(results, configs, seconds, rounds)


def _print_http_table(results: dict, configs: list[str], seconds: float, rounds: int) -> None:
    print(
        f"\nHTTP through uvicorn (1 worker), {CONCURRENCY} concurrent clients,"
        f" {rounds} x {seconds:.0f} s per cell, latencies pooled over rounds\n"
    )
    print(
        "| Endpoint                 | Config     |   req/s | ratio |  p50 ms |  p95 ms |"
        "  p99 ms | p95 < 500 ms |"
    )
    print(
        "|--------------------------|------------|---------|-------|---------|---------|"
        "---------|--------------|"
    )
    for endpoint in ENDPOINTS:
        base_rps = statistics.median(r for r, _ in results[(endpoint, configs[0])])
        for config in configs:
            runs = results[(endpoint, config)]
            rps = statistics.median(r for r, _ in runs)
            pooled = [latency for _, latencies in runs for latency in latencies]
            p50, p95, p99 = (_percentile(pooled, q) for q in (50, 95, 99))
            verdict = "yes" if p95 < P95_BUDGET_MS else "NO"
            print(
                f"| {endpoint:<24} | {config:<10} | {rps:7.0f} | {rps / base_rps:5.2f} |"
                f" {p50:7.1f} | {p95:7.1f} | {p99:7.1f} | {verdict:>12} |"
            )
    print()
    for config in configs:
        print(f"  {config:<10} {CONFIGS[config]['label']}")
