#!/usr/bin/env python3
"""The two set-up commands, runnable on a fresh machine with only Python 3.11+:

    python3 scripts/dev.py serve   # install, migrate, run the API on http://localhost:8000
    python3 scripts/dev.py test    # install, run the whole test suite

Both create `.venv/` beside this repo and install the locked dependencies into it
(requirements.txt, or requirements-test.txt for the tests, with hashes), only when the lock
or pyproject.toml changed since the last install. Extra arguments go to uvicorn or pytest.

    python3 scripts/dev.py test --newest-sentry   # the suite against the newest sentry-sdk 2.x
    python3 scripts/dev.py lint                   # ruff and the import contracts, as CI runs them
    python3 scripts/dev.py lock [--upgrade]       # re-resolve the lock files (pip-tools)
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"": ROOT / "requirements.txt", "test": ROOT / "requirements-test.txt"}
NEWEST_SENTRY = "sentry-sdk[fastapi,sqlalchemy,openai]>=2,<3"


def python_in(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(extras: str, venv_dir: Path = ROOT / ".venv") -> Path:
    """Create the virtualenv and install the lock and the project, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 a machine has
        sys.exit("Python 3.11 or newer is required")
    python, stamp, lock = python_in(venv_dir), venv_dir / ".installed-from", LOCKS[extras]
    inputs = (ROOT / "pyproject.toml").read_bytes() + lock.read_bytes() + extras.encode()
    wanted = hashlib.sha256(inputs).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        print(f"Creating {venv_dir}", flush=True)
        venv.create(venv_dir, with_pip=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    # Exactly the locked versions, each checked against its hash; then the project itself,
    # whose dependencies the lock already holds.
    subprocess.run([*pip, "--require-hashes", "--no-deps", "-r", str(lock)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", "."], cwd=ROOT, check=True)
    if extras == "test":
        warm_up(python)
    stamp.write_text(wanted)
    return python


def warm_up(python: Path) -> None:
    """Collect the suite once, in one process: pytest rewrites the asserts of the tests and of
    the hypothesis and schemathesis plugins and caches them, and Python caches the app's
    bytecode. Without it, the first run after an install did that work in every xdist worker at
    once (a fresh clone's suite took 57 s where the next run took 48). A failure here is left
    for the run itself to report."""
    collect = ["-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    subprocess.run(
        [str(python), *collect], cwd=ROOT, env=caching_bytecode(), stdout=subprocess.DEVNULL
    )


def run(python: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run([str(python), *args], cwd=ROOT, env=env).returncode


def caching_bytecode() -> dict[str, str]:
    """The environment, with Python allowed to cache compiled modules (`__pycache__/`, ignored
    by git). With PYTHONDONTWRITEBYTECODE set, as some shells and CI images have it, every
    pytest process compiles the assertion rewrites of the tests and of the hypothesis and
    schemathesis plugins again (collection took 7.4 s instead of 3.9), and every process a
    test starts compiles the app again."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def serve(extra: list[str]) -> int:
    python = ensure_environment("")
    if code := run(python, "-m", "app.migrate"):
        return code
    port = os.environ.get("PORT", "8000")
    return run(
        python, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", port, *extra
    )


def test(extra: list[str]) -> int:
    if "--newest-sentry" in extra:
        extra.remove("--newest-sentry")
        return test_newest_sentry(extra)
    python = ensure_environment("test")
    return run(python, "-m", "pytest", *parallel(extra), *extra, env=caching_bytecode())


def parallel(extra: list[str]) -> list[str]:
    """One pytest-xdist worker per core and one more, a whole file per worker at a time (module
    fixtures, such as the served apps of observability/test_transport.py, start once). A third
    of the workers' time is spent waiting for servers, subprocesses and sleeps, which the extra
    worker fills: on two cores, over six interleaved pairs of runs, 3 workers took a median 58 s
    and 2 took 62. Passing `-n` or `-p no:xdist` chooses otherwise."""
    chosen = any(arg.startswith(("-n", "--numprocesses")) or arg == "no:xdist" for arg in extra)
    workers = (os.cpu_count() or 1) + 1
    return [] if chosen else ["-n", str(workers), "--dist", "loadfile"]


def test_newest_sentry(extra: list[str]) -> int:
    """The suite in .venv-newest-sentry: the lock, then the newest sentry-sdk 2.x over it."""
    python = ensure_environment("test", ROOT / ".venv-newest-sentry")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", NEWEST_SENTRY], check=True)
    newest, locked = sentry_version(python), locked_version("sentry-sdk")
    if newest == locked:
        print(f"sentry-sdk {newest} is the newest 2.x and the locked one: nothing more to run")
        return 0
    print(f"Running the suite against sentry-sdk {newest} (locked: {locked})", flush=True)
    return run(python, "-m", "pytest", *parallel(extra), *extra, env=caching_bytecode())


def sentry_version(python: Path) -> str:
    code = "import importlib.metadata as m; print(m.version('sentry-sdk'))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


def locked_version(name: str) -> str:
    for line in LOCKS["test"].read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1].split()[0]
    return ""


def lock(extra: list[str]) -> int:
    """Re-resolve requirements.txt and requirements-test.txt from pyproject.toml, with hashes."""
    python = python_in(ROOT / ".venv-lock")
    if not python.exists():
        venv.create(python.parent.parent, with_pip=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pip-tools"], check=True)
    compile_ = [
        str(python),
        "-m",
        "piptools",
        "compile",
        "--quiet",
        "--generate-hashes",
        "--strip-extras",
        "--allow-unsafe",
        "--no-emit-index-url",
        "--no-emit-find-links",
    ]
    runtime = [*compile_, *extra, "--output-file", "requirements.txt", "pyproject.toml"]
    if code := subprocess.run(runtime, cwd=ROOT).returncode:
        return code
    tests = [
        *compile_,
        *extra,
        "--extra",
        "test",
        "--constraint",
        "requirements.txt",
        "--output-file",
        "requirements-test.txt",
        "pyproject.toml",
    ]
    return subprocess.run(tests, cwd=ROOT).returncode


def lint(extra: list[str]) -> int:
    """ruff (lint and format) over the code, then the import contracts of pyproject.toml."""
    python = ensure_environment("test")
    paths = ["app", "tests", "scripts"]
    checks = (
        [str(python), "-m", "ruff", "check", *paths],
        [str(python), "-m", "ruff", "format", "--check", *paths],
        [str(python.parent / "lint-imports"), "--no-cache"],  # the package has no __main__
    )
    failed = [check for check in checks if subprocess.run([*check, *extra], cwd=ROOT).returncode]
    return 1 if failed else 0


def main() -> int:
    commands = {"serve": serve, "test": test, "lint": lint, "lock": lock}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
