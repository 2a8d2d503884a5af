"""Registration, login and tokens."""

from datetime import timedelta

import pytest

from app.core.security import create_token
from tests.support.settings import TEST_SECRET_KEY

# The basics of the data a user keeps: on both databases.
pytestmark = pytest.mark.both_backends

PASSWORD = "correct-horse-battery"


def _register(client, email="ada@example.com", password=PASSWORD, name="Ada"):
    return client.post(
        "/api/v1/auth/register", json={"email": email, "password": password, "name": name}
    )


def _login(client, email="ada@example.com", password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_register_returns_the_user_without_secrets(client):
    response = _register(client)
    assert response.status_code == 201
    body = response.json()
    assert {"id", "email", "name"} <= body.keys()
    assert body["email"] == "ada@example.com"
    assert not {"password", "hashed_password"} & body.keys()


def test_duplicate_email_is_a_conflict(client):
    _register(client)
    response = _register(client, email="ADA@example.com")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_invalid_body_is_a_422_that_does_not_echo_the_password(client):
    response = _register(client, email="not-an-email", password="tiny")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {tuple(error["loc"]) for error in body["detail"]} >= {
        ("body", "email"),
        ("body", "password"),
    }
    assert "tiny" not in response.text


def test_login_returns_a_bearer_token_pair(client):
    _register(client)
    response = _login(client)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] and body["refresh_token"]


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    _register(client)
    wrong_password = _login(client, password="wrong-password")
    unknown_email = _login(client, email="nobody@example.com")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert wrong_password.headers["www-authenticate"] == "Bearer"


def test_oauth2_password_form_logs_in_for_swagger(client):
    _register(client)
    response = client.post(
        "/api/v1/auth/token", data={"username": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_refresh_gives_a_new_pair_that_works(client):
    _register(client)
    tokens = _login(client).json()
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200


def test_an_access_token_is_not_a_refresh_token_and_vice_versa(client):
    _register(client)
    tokens = _login(client).json()
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert refresh.status_code == 401
    me = client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    assert me.status_code == 401


def test_expired_and_garbage_refresh_tokens_are_refused(client):
    _register(client)
    expired = create_token(
        subject="1",
        token_type="refresh",
        lifetime=timedelta(seconds=-1),
        secret_key=TEST_SECRET_KEY,
    )
    for token in (expired, "garbage"):
        response = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_me_needs_a_valid_token(client):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = client.get("/api/v1/users/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "not_authenticated"


def test_a_token_signed_with_another_key_is_refused(client):
    _register(client)
    forged = create_token(
        subject="1", token_type="access", lifetime=timedelta(minutes=5), secret_key="x" * 40
    )
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
