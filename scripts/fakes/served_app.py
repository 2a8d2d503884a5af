"""The real service under uvicorn, in a subprocess, driven over HTTP and stopped with SIGTERM."""

import os
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from app import models  # noqa: F401 - registers the tables on Base.metadata
from app.core.db import Base
from scripts.fakes.forked import PythonProcess
from scripts.fakes.sick_sentry import free_port

# One round of what users do: traced successes and failures, a 500 among them.
ROUND = (
    ("GET", "/health", 200),
    ("GET", "/sentry-debug", 500),
    ("POST", "/api/v1/auth/login", 401),
    ("GET", "/api/v1/users/me", 401),
    ("GET", "/no-such-page", 404),
)
# Generous: six servers start at once on a shared two-core machine, and at a load of 18 one
# took over 60 s. A server that never starts still fails, only later.
START_TIMEOUT_S = 180.0
SECRET_KEY = "served-app-secret-key-that-is-long-enough-0123456789"


def sqlite_database(workdir: Path) -> str:
    """A new folder holding a SQLite database with the app's tables; returns its URL."""
    workdir.mkdir()
    database_url = f"sqlite:///{workdir / 'app.db'}"
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return database_url


@dataclass
class Run:
    """What one served app did: statuses, latencies, event ids, shutdown time, stderr."""

    statuses: list[tuple[str, int, int]] = field(default_factory=list)  # path, wanted, got
    latencies_ms: list[float] = field(default_factory=list)
    event_ids: list[str | None] = field(default_factory=list)
    shutdown_s: float = 0.0
    rss_kb: int | None = None  # resident memory of the server after the requests (Linux)
    returncode: int | None = None
    stderr: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms)


@contextmanager
def served(
    env: dict[str, str], workdir: Path, stderr: Path | None = None
) -> Iterator[tuple[str, PythonProcess]]:
    """The app under uvicorn with `env` (and a SECRET_KEY unless `env` has one), cwd `workdir`,
    ready to serve; yields its base URL and process. Its stderr goes to `workdir/stderr.log`
    unless `stderr` names another file."""
    port = free_port()
    process = PythonProcess(
        ["-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": SECRET_KEY, **env},
        cwd=workdir,
        stderr=stderr or workdir / "stderr.log",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def serve_and_drive(env: dict[str, str], workdir: Path, rounds: int) -> Run:
    """Start the app with `env`, send `rounds` rounds of requests, SIGTERM it, time the exit."""
    run = Run()
    with served(env, workdir) as (base, process):
        # A new connection per request: the rounds measure the service, not connection reuse.
        no_keepalive = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base, timeout=30, limits=no_keepalive) as client:
            for _ in range(rounds):
                _one_round(client, run)
        run.rss_kb = _rss_kb(process.pid)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        run.returncode = process.wait(timeout=60)
        run.shutdown_s = time.monotonic() - started
    run.stderr = (workdir / "stderr.log").read_text()
    return run


def peak_rss_kb(pid: int) -> int | None:
    """The highest resident memory the process has had since start or reset (Linux VmHWM)."""
    return _status_kb(pid, "VmHWM:")


def reset_peak_rss(pid: int) -> None:
    """Restart VmHWM from the current RSS (start-up peaks, such as argon2's, hide the rest)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _rss_kb(pid: int) -> int | None:
    return _status_kb(pid, "VmRSS:")


def _status_kb(pid: int, field: str) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith(field)), None)
    return int(line.split()[1]) if line else None


def wait_until_ready(base: str, process: subprocess.Popen | PythonProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    # One client for all the polls: each new client loads the CA bundle (about 20 ms of CPU).
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"uvicorn exited with {process.returncode} before serving")
            try:
                if client.get(f"{base}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise AssertionError("uvicorn did not serve /health in time")


def _one_round(client: httpx.Client, run: Run) -> None:
    for method, path, wanted in ROUND:
        body = {"email": "nobody@example.com", "password": "wrong-password"}
        started = time.perf_counter()
        response = client.request(method, path, json=body if method == "POST" else None)
        run.latencies_ms.append((time.perf_counter() - started) * 1000)
        run.statuses.append((path, wanted, response.status_code))
        if wanted == 500:
            run.event_ids.append(response.json().get("event_id"))
