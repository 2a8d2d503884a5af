"""New passwords: 8 to 128 characters, and not one of the most common passwords."""

import pytest

from tests.support.auth import register_and_login

COMMON = ["password", "12345678", "qwertyuiop", "password123", "PassWord123"]


def _register(client, password: str):
    body = {"email": "ada@example.com", "password": password, "name": "Ada"}
    return client.post("/api/v1/auth/register", json=body)


@pytest.mark.parametrize("password", [*COMMON, "short7!", "x" * 129])
def test_a_common_or_badly_sized_password_is_refused_at_registration(client, password):
    response = _register(client, password)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_a_password_change_to_a_common_password_is_refused(client):
    headers = register_and_login(client)
    body = {"current_password": "correct-horse-battery", "new_password": "qwertyuiop"}

    response = client.post("/api/v1/users/me/password", json=body, headers=headers)

    assert response.status_code == 422


@pytest.mark.parametrize("password", ["correct-horse-battery", "x" * 128, "8 chars!"])
def test_uncommon_passwords_of_8_to_128_characters_are_accepted(client, password):
    assert _register(client, password).status_code == 201
