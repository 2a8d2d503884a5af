"""The container's start command: a client behind an untrusted peer cannot pick its own
rate-limit key by sending a different X-Forwarded-For each time."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from scripts.fakes.served_app import sqlite_database, wait_until_ready
from scripts.fakes.sick_sentry import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_start_command_counts_spoofed_forwarded_for_as_one_client(tmp_path):
    port = free_port()
    command = json.loads(re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)[1])
    command[-1] = command[-1].replace("0.0.0.0", "127.0.0.1")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PORT": str(port),
        "DATABASE_URL": sqlite_database(tmp_path / "db"),
        "SENTRY_DEBUG_RATE_LIMIT": "2/minute",
        # The proxy is elsewhere: this loopback peer is as untrusted as any client.
        "FORWARDED_ALLOW_IPS": "192.0.2.1",
    }
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base, server)
        statuses = [
            httpx.get(
                f"{base}/sentry-debug", headers={"X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n in range(4)
        ]
    finally:
        server.kill()
        server.wait()

    assert statuses == [500, 500, 429, 429]
