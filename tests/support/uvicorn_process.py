"""The real service under uvicorn in a subprocess, as a context manager; SIGTERM stops it."""

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scripts.fakes.forked import PythonProcess
from scripts.fakes.served_app import wait_until_ready
from scripts.fakes.sick_sentry import free_port
from tests.support.settings import TEST_SECRET_KEY


@dataclass
class Served:
    """A running server: its address and process; `stop()` sends SIGTERM and waits."""

    base_url: str
    process: PythonProcess
    stderr_path: Path

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()


@contextmanager
def served(env: dict[str, str], workdir: Path, name: str = "app") -> Iterator[Served]:
    """`uvicorn app.main:app` with only `env` (and a test SECRET_KEY), cwd `workdir`."""
    port = free_port()
    stderr_path = workdir / f"{name}.stderr.log"
    process = PythonProcess(
        ["-m", "uvicorn", "app.main:app", "--port", str(port)],
        env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": TEST_SECRET_KEY, **env},
        cwd=workdir,
        stderr=stderr_path,
    )
    server = Served(f"http://127.0.0.1:{port}", process, stderr_path)
    try:
        wait_until_ready(server.base_url, process)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
