"""Ordinary hostile input gets a 4xx, never a 500, on both backends, and before any AI call."""

import pytest

from scripts.fakes.openai_server import FakeOpenAI
from tests.support.audio import wav_bytes
from tests.support.auth import register_and_login

# Past PostgreSQL's INTEGER, past SQLite's 64-bit integer, and far below zero.
OUT_OF_RANGE_IDS = [2**31, 2**63, 2**70, -(2**70)]
ID_ROUTES = [
    ("GET", "/api/v1/sessions/{id}"),
    ("POST", "/api/v1/sessions/{id}/messages"),
    ("GET", "/api/v1/recordings/{id}"),
    ("GET", "/api/v1/recordings/{id}/download"),
    ("POST", "/api/v1/recordings/{id}/transcription"),
    ("POST", "/api/v1/recordings/{id}/feedback"),
]


@pytest.mark.parametrize("record_id", OUT_OF_RANGE_IDS)
def test_ids_beyond_the_column_range_are_404_on_every_id_route(
    client_factory, ai_settings, record_id
):
    client = client_factory(**ai_settings)
    headers = register_and_login(client)
    for method, path in ID_ROUTES:
        body = {"content": "hello"} if path.endswith("messages") else None
        response = client.request(method, path.format(id=record_id), json=body, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"
    upload = client.post(
        "/api/v1/recordings",
        files={"file": ("a.wav", wav_bytes(), "audio/wav")},
        data={"session_id": str(record_id)},
        headers=headers,
    )
    assert upload.status_code == 404, upload.text


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/api/v1/auth/register", "name", {"email": "b@example.com", "password": "long-enough-1"}),
        ("/api/v1/sessions", "title", {}),
    ],
)
@pytest.mark.parametrize("bad", ["a\x00b", "line\x1bone", "x\x7f"])
def test_nul_and_control_characters_in_text_fields_are_422(client, path, field, body, bad):
    headers = register_and_login(client)

    response = client.post(path, json={**body, field: bad}, headers=headers)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_a_nul_in_the_token_form_is_422(client):
    form = {"username": "ada\x00@example.com", "password": "whatever"}

    assert client.post("/api/v1/auth/token", data=form).status_code == 422


def test_text_longer_than_its_column_is_422(client):
    headers = register_and_login(client)

    response = client.post("/api/v1/sessions", json={"title": "t" * 201}, headers=headers)

    assert response.status_code == 422


def test_a_nul_in_a_chat_message_is_refused_before_openai_is_called(
    client_factory, ai_settings, fake_openai: FakeOpenAI
):
    client = client_factory(**ai_settings)
    headers = register_and_login(client)
    session_id = client.post("/api/v1/sessions", json={"title": "t"}, headers=headers).json()["id"]

    response = client.post(
        f"/api/v1/sessions/{session_id}/messages", json={"content": "hi\x00"}, headers=headers
    )

    assert response.status_code == 422
    assert fake_openai.requests == []
    # Line breaks and tabs are part of a message, and reach the coach.
    multiline = {"content": "first line\n\tsecond"}
    ok = client.post(f"/api/v1/sessions/{session_id}/messages", json=multiline, headers=headers)
    assert ok.status_code == 201 and len(fake_openai.requests) == 1


def test_a_hostile_filename_and_a_long_content_type_are_stored_safely(client_factory, tmp_path):
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)
    name = "evil\x7f\u202egnp.wav\u2066"  # httpx itself percent-encodes a NUL

    response = client.post(
        "/api/v1/recordings",
        files={"file": (name, wav_bytes(), "audio/" + "x" * 300)},
        headers=headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "evilgnp.wav"
    assert response.json()["content_type"] == "audio/wav"


def test_a_405_names_every_method_of_the_path(client):
    response = client.delete("/api/v1/sessions")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["code"] == "method_not_allowed"
