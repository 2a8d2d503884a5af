"""The real service under uvicorn in a subprocess, as a context manager; SIGTERM stops it."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scripts.fakes import served_app
from scripts.fakes.forked import PythonProcess
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
    stderr_path = workdir / f"{name}.stderr.log"
    with served_app.served({"SECRET_KEY": TEST_SECRET_KEY, **env}, workdir, stderr=stderr_path) as (
        base_url,
        process,
    ):
        yield Served(base_url, process, stderr_path)
