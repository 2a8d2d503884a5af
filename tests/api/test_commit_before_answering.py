"""What a 2xx promises is stored, and the very next request reads it."""

import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests.support.live_server import live_server

pytestmark = pytest.mark.both_backends

PASSWORD = "correct-horse-battery"
TRIES = 5
# A slow database: each commit takes this long. A commit that runs after the answer is then
# still running when the client's next request arrives, every time, not once in a hundred.
SLOW_COMMIT_S = 0.05


def _slow_commits(app: FastAPI) -> FastAPI:
    event.listen(app.state.engine, "commit", lambda _connection: time.sleep(SLOW_COMMIT_S))
    return app


def test_a_user_can_log_in_right_after_registering(app_factory):
    with live_server(_slow_commits(app_factory())) as base, httpx.Client(base_url=base) as http:
        refused = 0
        for i in range(TRIES):
            email = f"user{i}@example.com"
            body = {"email": email, "password": PASSWORD, "name": "Ada"}
            assert http.post("/api/v1/auth/register", json=body).status_code == 201
            login = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            refused += login.status_code != 200
    assert refused == 0, f"{refused} of {TRIES} logins right after registering were refused"


def test_a_created_session_can_be_read_right_away(app_factory):
    with live_server(_slow_commits(app_factory())) as base, httpx.Client(base_url=base) as http:
        body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
        http.post("/api/v1/auth/register", json=body)
        login = http.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        missing = 0
        for i in range(TRIES):
            created = http.post("/api/v1/sessions", json={"title": f"Pitch {i}"})
            assert created.status_code == 201
            missing += http.get(f"/api/v1/sessions/{created.json()['id']}").status_code != 200
    assert missing == 0, f"{missing} of {TRIES} sessions were not there right after 201"
