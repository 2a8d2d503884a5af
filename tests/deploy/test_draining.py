"""A redeploy never cuts an AI call: Railway drains long enough, and uvicorn finishes the
request in flight on SIGTERM before it exits."""

import signal
import threading
import time
import tomllib
from pathlib import Path

import httpx

from app.core.config import Settings
from scripts.fakes.openai_server import REPLY
from scripts.fakes.served_app import sqlite_database
from tests.support.fakes import FAKE_OPENAI_KEY
from tests.support.uvicorn_process import served

ROOT = Path(__file__).resolve().parents[2]
SLOW_AI_S = 1.5


def _default(name: str) -> float:
    return Settings.model_fields[name].default


def test_railway_drains_longer_than_the_longest_ai_call():
    longest_ai_call = _default("openai_timeout_seconds") * (_default("openai_max_retries") + 1)
    needed = longest_ai_call + _default("sentry_shutdown_timeout")
    draining = tomllib.loads((ROOT / "railway.toml").read_text())["deploy"]["drainingSeconds"]
    assert draining >= needed


def test_sigterm_during_a_slow_ai_call_finishes_it_then_exits(fake_openai, tmp_path):
    env = {
        "DATABASE_URL": sqlite_database(tmp_path / "db"),
        "OPENAI_API_KEY": FAKE_OPENAI_KEY,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "LOCAL_STORAGE_DIR": str(tmp_path / "recordings"),
    }
    with served(env, tmp_path) as server, httpx.Client(base_url=server.base_url) as client:
        headers = _register_and_login(client)
        session = client.post("/api/v1/sessions", headers=headers, json={"title": "Pitch"}).json()
        session_url = f"/api/v1/sessions/{session['id']}"
        fake_openai.fail_with(delay=SLOW_AI_S)
        replies: list[httpx.Response] = []
        call = threading.Thread(
            target=lambda: replies.append(
                client.post(
                    f"{session_url}/messages",
                    headers=headers,
                    json={"content": "How was my opening?"},
                    timeout=30,
                )
            )
        )
        call.start()
        _wait_for(
            lambda: fake_openai.requests or replies,
            "the AI call never reached the fake OpenAI",
            timeout=30,
        )
        assert fake_openai.requests, f"answered without calling the AI: {replies[0].text}"

        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        call.join(timeout=30)
        answered = time.monotonic() - signalled
        exit_code = server.process.wait(timeout=30)
        exited = time.monotonic() - signalled

    [reply] = replies
    assert reply.status_code == 201, reply.text
    assert reply.json()["content"] == REPLY
    assert answered > SLOW_AI_S / 2  # it really was in flight when the signal came
    assert exit_code in (0, -signal.SIGTERM)
    assert exited >= answered
    assert "Waiting for connections to close" in server.stderr


def _register_and_login(client: httpx.Client) -> dict[str, str]:
    user = {"email": "ada@example.com", "password": "correct-horse-battery"}
    assert client.post("/api/v1/auth/register", json={**user, "name": "Ada"}).status_code == 201
    # At once: the 201 comes after the commit (api/test_commit_before_answering.py).
    login = client.post("/api/v1/auth/login", json=user)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _wait_for(condition, message: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)
