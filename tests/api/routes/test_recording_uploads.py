"""Uploads are audio by their bytes; downloads are attachments; a lost file is a 404 + warning."""

import pytest
from fastapi.testclient import TestClient

from tests.support.audio import wav_bytes
from tests.support.auth import register_and_login
from tests.support.fakes import s3_client

# Real headers of each allowed container, as the sniffer reads them.
SAMPLES = {
    "audio/wav": wav_bytes(),
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64,
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\0" * 64,
    "audio/ogg": b"OggS\x00\x02" + b"\0" * 22 + b"\x01\x13OpusHead" + b"\0" * 64,
    "audio/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 64,
    "audio/flac": b"fLaC\x00\x00\x00\x22" + b"\0" * 64,
}


def _upload(client: TestClient, headers, data: bytes, name="talk", content_type="audio/wav"):
    files = {"file": (name, data, content_type)}
    return client.post("/api/v1/recordings", files=files, headers=headers)


@pytest.mark.parametrize("media_type", sorted(SAMPLES))
def test_each_allowed_audio_format_is_accepted_by_its_bytes(client_factory, tmp_path, media_type):
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)

    # The client's content type is not believed either way.
    response = _upload(client, headers, SAMPLES[media_type], content_type="application/pdf")

    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == media_type


@pytest.mark.parametrize(
    "data",
    [b"<html><script>alert(1)</script></html>", b"%PDF-1.7", b"\x89PNG\r\n\x1a\n" + b"0" * 64],
)
def test_anything_but_audio_is_415_whatever_its_declared_type(client_factory, tmp_path, data):
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)

    response = _upload(client, headers, data, content_type="audio/wav")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not (tmp_path / "rec").exists() or not any((tmp_path / "rec").rglob("*.*"))


def test_downloads_are_attachments_that_browsers_must_not_sniff(client_factory, tmp_path):
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)
    recording_id = _upload(client, headers, wav_bytes(), name="talk.wav").json()["id"]

    download = client.get(f"/api/v1/recordings/{recording_id}/download", headers=headers)

    assert download.status_code == 200
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == "audio/wav"


def test_a_recording_whose_file_vanished_is_404_and_one_warning(
    client_factory, tmp_path, sentry_inbox
):
    client = client_factory(local_storage_dir=tmp_path / "rec", sentry_dsn=sentry_inbox.dsn)
    headers = register_and_login(client)
    recording_id = _upload(client, headers, wav_bytes()).json()["id"]
    for stored in (tmp_path / "rec").rglob("*"):
        if stored.is_file():
            stored.unlink()

    response = client.get(f"/api/v1/recordings/{recording_id}/download", headers=headers)

    assert response.status_code == 404
    assert response.json()["code"] == "recording_file_missing"
    [event] = sentry_inbox.events()
    assert event["level"] == "warning"
    assert event["message"] == "A stored recording is missing"
    assert event["extra"]["recording_id"] == recording_id


def test_a_recording_whose_s3_object_vanished_is_404_too(client_factory, s3_settings):
    client = client_factory(**s3_settings)
    headers = register_and_login(client)
    recording_id = _upload(client, headers, wav_bytes()).json()["id"]
    bucket = s3_client(s3_settings["s3_endpoint_url"])
    for item in bucket.list_objects_v2(Bucket=s3_settings["s3_bucket"])["Contents"]:
        bucket.delete_object(Bucket=s3_settings["s3_bucket"], Key=item["Key"])

    response = client.get(f"/api/v1/recordings/{recording_id}/download", headers=headers)

    assert response.status_code == 404
    assert response.json()["code"] == "recording_file_missing"
