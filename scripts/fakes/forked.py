"""`python -m ...` and `python -c ...` in a new process that starts in milliseconds.

A new interpreter spends about a second importing the app's libraries (SQLAlchemy, FastAPI,
pydantic, sentry-sdk...) before it does anything a test looks at; the suite starts dozens.
Here each process is forked from a forkserver that imported those libraries once. The app
itself is not preloaded: each process imports it, reads its own environment and cwd, and
builds its settings, Sentry client and engine, as a new interpreter would.

Use a real interpreter instead where the interpreter is what is tested: the deploy commands
as written in railway.toml and the Dockerfile, `python -m app.core.sentry check` as ops run it.
"""

import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["scripts.fakes.app_libraries"])


class PythonProcess:
    """`python ARGS` (`-m module ...` or `-c code ...`), with Popen's pid, poll, wait, signals."""

    def __init__(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: Path | str,
        stdout: Path | str = os.devnull,
        stderr: Path | str = os.devnull,
    ) -> None:
        self.args = args
        self._process = _context.Process(
            target=_run, args=(args, env, str(cwd), str(stdout), str(stderr)), daemon=True
        )
        self._process.start()
        self.pid = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self._process.kill()


def run_python(
    args: list[str], *, env: dict[str, str], cwd: Path | str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run([python, *args], capture_output=True, text=True, timeout=...)`."""
    with tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        process = PythonProcess(args, env=env, cwd=cwd, stdout=out, stderr=err)
        try:
            code = process.wait(timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return subprocess.CompletedProcess(args, code, out.read_text(), err.read_text())


def _run(args: list[str], env: dict[str, str], cwd: str, stdout: str, stderr: str) -> None:
    """The child: the given cwd, environment and output files, then what `python ARGS` runs.

    An exit code, a `SystemExit("message")` and an uncaught exception end the process as they
    would end a new interpreter (multiprocessing prints the message or the traceback)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    with open(stdout, "w") as out, open(stderr, "w") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    option, target, *rest = args
    if option == "-m":
        sys.argv = [target, *rest]
        sys.path.insert(0, cwd)
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif option == "-c":
        sys.argv = ["-c", *rest]
        sys.path.insert(0, "")
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
    else:
        raise ValueError(f"expected -m or -c, not {option!r}")
