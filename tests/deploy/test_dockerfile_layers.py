"""The image installs the locked dependencies before it copies the code, and WEB_CONCURRENCY
sets the number of uvicorn workers."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from scripts.fakes.served_app import sqlite_database, wait_until_ready
from scripts.fakes.sick_sentry import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _instructions() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if re.match(r"^[A-Z]+ ", line)]


def test_locked_dependencies_are_installed_in_a_layer_before_the_code_is_copied():
    steps = _instructions()
    install = next(i for i, s in enumerate(steps) if "--require-hashes" in s)
    copy_code = next(i for i, s in enumerate(steps) if s.startswith("COPY app"))
    assert "-r requirements.txt" in steps[install]
    assert install < copy_code
    assert all(not s.startswith("COPY") or "requirements.txt" in s for s in steps[:install])


def test_web_concurrency_sets_the_number_of_uvicorn_workers(tmp_path):
    [cmd] = [json.loads(s.removeprefix("CMD ")) for s in _instructions() if s.startswith("CMD ")]
    port = free_port()
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": sqlite_database(tmp_path / "db"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    cmd[-1] = cmd[-1].replace("0.0.0.0", "127.0.0.1")  # loopback only, outside a container
    server = subprocess.Popen(cmd, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", server)
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    workers = set(re.findall(r"Started server process \[(\d+)\]", stderr))
    assert len(workers) == 2, stderr
