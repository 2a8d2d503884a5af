"""The token lifecycle: one login per device, single-use refresh tokens, logout, revocation."""

import time

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from app.models import Login
from app.services.logins import PRUNE_BATCH

pytestmark = pytest.mark.both_backends

PASSWORD = "correct-horse-battery"


def _register(client: TestClient, email: str = "ada@example.com", name: str = "Ada") -> int:
    body = {"email": email, "password": PASSWORD, "name": name}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _login(client: TestClient, email: str = "ada@example.com") -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _refresh(client: TestClient, tokens: dict[str, str]):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})


def _me(client: TestClient, tokens: dict[str, str]) -> int:
    return client.get("/api/v1/users/me", headers=_bearer(tokens)).status_code


def test_a_deleted_users_tokens_do_not_pass_to_the_next_user(client):
    ada_id = _register(client)
    ada = _login(client)
    assert client.delete("/api/v1/users/me", headers=_bearer(ada)).status_code == 204
    eve_id = _register(client, email="eve@example.com", name="Eve")
    eve = _login(client, email="eve@example.com")
    client.post("/api/v1/sessions", headers=_bearer(eve), json={"title": "Eve's diary"})

    assert eve_id > ada_id
    assert client.get("/api/v1/sessions", headers=_bearer(ada)).status_code == 401
    assert _me(client, ada) == 401
    assert _refresh(client, ada).status_code == 401


def test_a_refresh_token_works_once_and_its_successor_works(client):
    _register(client)
    first = _login(client)

    second = _refresh(client, first)
    again = _refresh(client, first)

    assert second.status_code == 200
    assert again.status_code == 401
    assert again.json()["code"] == "not_authenticated"


def test_reusing_a_refresh_token_revokes_the_whole_login(client):
    _register(client)
    stolen = _login(client)
    rotated = _refresh(client, stolen).json()  # the rightful client refreshes first

    assert _refresh(client, stolen).status_code == 401  # the thief replays the old token
    assert _me(client, rotated) == 401
    assert _refresh(client, rotated).status_code == 401


def test_refreshing_never_extends_the_login(client):
    _register(client)
    tokens = _login(client)
    first_exp = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})["exp"]
    # `exp` counts whole seconds: from the next one on, a sliding expiry would be later.
    time.sleep(1.01 - time.time() % 1)
    for _ in range(3):
        tokens = _refresh(client, tokens).json()
    last_exp = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})["exp"]
    assert last_exp == first_exp


def test_logout_ends_this_login_and_no_other(client):
    _register(client)
    phone, laptop = _login(client), _login(client)

    response = client.post("/api/v1/auth/logout", headers=_bearer(phone))

    assert response.status_code == 204
    assert _me(client, phone) == 401
    assert _refresh(client, phone).status_code == 401
    assert _me(client, laptop) == 200
    assert _refresh(client, laptop).status_code == 200


def test_logout_needs_a_bearer_token(client):
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_password_change_ends_every_earlier_login(client):
    _register(client)
    phone, laptop = _login(client), _login(client)

    change = {"current_password": PASSWORD, "new_password": "another-long-one"}
    response = client.post("/api/v1/users/me/password", headers=_bearer(phone), json=change)

    assert response.status_code == 204
    for tokens in (phone, laptop):
        assert _me(client, tokens) == 401
        assert _refresh(client, tokens).status_code == 401
    new = client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "another-long-one"}
    )
    assert _me(client, new.json()) == 200


def test_the_token_check_rides_on_the_query_that_loads_the_user(client):
    _register(client)
    tokens = _login(client)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert _me(client, tokens) == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    [query] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert "logins" in query and "users" in query


def test_signing_in_prunes_expired_logins_a_batch_at_a_time(client):
    user_id = _register(client)
    expired = PRUNE_BATCH + 20
    with client.app.state.session_factory() as db:
        db.execute(
            text(
                "INSERT INTO logins (user_id, created_at, expires_at, refresh_counter)"
                " VALUES (:user_id, :past, :past, 0)"
            ),
            [{"user_id": user_id, "past": "2000-01-01 00:00:00"}] * expired,
        )
        db.commit()

    _login(client)

    with client.app.state.session_factory() as db:
        left = db.scalar(select(func.count()).select_from(Login))
    assert left == expired - PRUNE_BATCH + 1  # the new login stays
