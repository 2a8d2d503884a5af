#!/usr/bin/env python3
"""The two set-up commands, runnable on a fresh machine with only Python 3.11+:

    python3 scripts/dev.py serve   # install, migrate, run the API on http://localhost:8000
    python3 scripts/dev.py test    # install, run the whole test suite

Both create `.venv/` beside this repo and install the project into it, only when
pyproject.toml changed since the last install. Extra arguments go to uvicorn or pytest.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed-from"


def ensure_environment(extras: str) -> None:
    """Create the virtualenv and install the project, unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 a machine has
        sys.exit("Python 3.11 or newer is required")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print(f"Creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f".[{extras}]" if extras else "."], cwd=ROOT, check=True)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT).returncode


def serve(extra: list[str]) -> int:
    ensure_environment("")
    if code := run("-m", "app.migrate"):
        return code
    port = os.environ.get("PORT", "8000")
    return run("-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", port, *extra)


def test(extra: list[str]) -> int:
    ensure_environment("test")
    return run("-m", "pytest", *extra)


def main() -> int:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
