"""Coaching sessions belong to their user."""

import pytest

from tests.support.auth import register_and_login

# The basics of the data a user keeps: on both databases.
pytestmark = pytest.mark.both_backends


def test_create_list_and_read_sessions(client):
    headers = register_and_login(client)
    created = client.post("/api/v1/sessions", headers=headers, json={"title": "Interview prep"})
    assert created.status_code == 201
    session = created.json()
    assert session["title"] == "Interview prep"
    assert {"id", "created_at"} <= session.keys()
    client.post("/api/v1/sessions", headers=headers, json={"title": "Toast"})

    listed = client.get("/api/v1/sessions", headers=headers).json()
    assert [s["title"] for s in listed] == ["Toast", "Interview prep"]

    detail = client.get(f"/api/v1/sessions/{session['id']}", headers=headers).json()
    assert detail == {**session, "messages": []}


def test_another_users_session_is_not_found(client):
    ada = register_and_login(client)
    session_id = client.post("/api/v1/sessions", headers=ada, json={"title": "Mine"}).json()["id"]
    bob = register_and_login(client, email="bob@example.com", name="Bob")

    response = client.get(f"/api/v1/sessions/{session_id}", headers=bob)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/sessions", headers=bob).json() == []


def test_sessions_need_a_title_and_a_user(client):
    headers = register_and_login(client)
    empty = client.post("/api/v1/sessions", headers=headers, json={"title": ""})
    assert empty.status_code == 422
    assert client.post("/api/v1/sessions", json={"title": "x"}).status_code == 401
