"""The account endpoints: change the password, delete the account."""

import pytest

from tests.support.auth import register_and_login

# The basics of the data a user keeps: on both databases.
pytestmark = pytest.mark.both_backends

PASSWORD = "correct-horse-battery"


def _login(client, email="ada@example.com", password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_change_password_then_log_in_with_the_new_one(client):
    headers = register_and_login(client, password=PASSWORD)
    wrong = client.post(
        "/api/v1/users/me/password",
        headers=headers,
        json={"current_password": "not-it", "new_password": "another-long-one"},
    )
    assert wrong.status_code == 401
    response = client.post(
        "/api/v1/users/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "another-long-one"},
    )
    assert response.status_code == 204
    assert _login(client).status_code == 401
    assert _login(client, password="another-long-one").status_code == 200


def test_delete_me_removes_the_account(client):
    headers = register_and_login(client, password=PASSWORD)
    client.post("/api/v1/sessions", headers=headers, json={"title": "Pitch practice"})
    assert client.delete("/api/v1/users/me", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401
    assert _login(client).status_code == 401
