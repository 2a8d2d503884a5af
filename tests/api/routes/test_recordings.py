"""Recordings on the local folder: upload, read, download, and other users' recordings."""

import pytest

from tests.support.auth import register_and_login
from tests.support.recordings import AUDIO, recording_count, stored_files, upload

# The basics of the data a user keeps: on both databases.
pytestmark = pytest.mark.both_backends


def test_local_upload_read_and_streamed_download(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)

    created = upload(client, headers)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["filename"] == "practice.wav"
    assert body["content_type"] == "audio/wav"
    assert body["size"] == len(AUDIO)
    [stored] = stored_files(tmp_path / "rec")
    assert stored.read_bytes() == AUDIO
    detail = client.get(f"/api/v1/recordings/{body['id']}", headers=headers).json()
    assert detail["transcript"] is None and detail["feedback"] is None
    download = client.get(f"/api/v1/recordings/{body['id']}/download", headers=headers)
    assert download.status_code == 200
    assert download.content == AUDIO
    assert download.headers["content-type"] == "audio/wav"


def test_wrong_type_is_415_and_stores_nothing(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)

    response = upload(client, headers, b"%PDF-1.7 not audio", "application/pdf")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "audio" in response.json()["detail"]
    assert stored_files(tmp_path / "rec") == [] and recording_count(client) == 0


def test_another_users_recording_does_not_exist(client_factory, ai_settings) -> None:
    client = client_factory(**ai_settings)
    recording_id = upload(client, register_and_login(client)).json()["id"]
    intruder = register_and_login(client, email="eve@example.com", name="Eve")

    for method, suffix in [
        ("get", ""),
        ("get", "/download"),
        ("post", "/transcription"),
        ("post", "/feedback"),
    ]:
        response = client.request(
            method, f"/api/v1/recordings/{recording_id}{suffix}", headers=intruder
        )
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "not_found"


def test_upload_into_another_users_session_is_not_found(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec")
    owner = register_and_login(client)
    session_id = client.post("/api/v1/sessions", json={"title": "x"}, headers=owner).json()["id"]
    intruder = register_and_login(client, email="eve@example.com", name="Eve")

    response = upload(client, intruder, session_id=str(session_id))

    assert response.status_code == 404
    assert stored_files(tmp_path / "rec") == []
