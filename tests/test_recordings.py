"""Recordings on the local folder and on S3 (moto's server), transcribed and reviewed by a fake
OpenAI, with what reaches Sentry read from the envelopes."""

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.models import Recording
from tests.support.audio import wav_bytes
from tests.support.auth import register_and_login
from tests.envelopes import crumbs, spans, transaction
from tests.fakes.fixtures import (  # noqa: F401 - fixtures
    FAKE_AWS_KEY_ID,
    FAKE_AWS_SECRET,
    FAKE_OPENAI_KEY,
    ai_settings,
    fake_openai,
    moto_endpoint,
    openai_server,
    s3_client,
    s3_settings,
)
from tests.fakes.openai_server import FEEDBACK, TRANSCRIPT, FakeOpenAI

AUDIO = wav_bytes(os.urandom(96 * 1024) + b"AUDIO-CONTENT-MARKER")
MB = 1024 * 1024


def _upload(client: TestClient, headers, data: bytes = AUDIO, content_type: str = "audio/wav",
            **form):
    files = {"file": ("practice.wav", data, content_type)}
    return client.post("/api/v1/recordings", files=files, data=form, headers=headers)


def _count(client: TestClient) -> int:
    with client.app.state.session_factory() as db:
        return db.scalar(select(func.count()).select_from(Recording))


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_local_upload_read_and_streamed_download(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)

    created = _upload(client, headers)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["filename"] == "practice.wav"
    assert body["content_type"] == "audio/wav"
    assert body["size"] == len(AUDIO)
    [stored] = _stored_files(tmp_path / "rec")
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

    response = _upload(client, headers, b"%PDF-1.7 not audio", "application/pdf")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "audio" in response.json()["detail"]
    assert _stored_files(tmp_path / "rec") == [] and _count(client) == 0


@pytest.mark.parametrize("size", [MB + 1, 3 * MB], ids=["just-over", "far-over"])
def test_oversized_upload_is_413_and_stores_nothing(client_factory, tmp_path, size) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec", max_upload_mb=1)
    headers = register_and_login(client)

    response = _upload(client, headers, b"\0" * size)

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "1 MB" in response.json()["detail"]
    assert _stored_files(tmp_path / "rec") == [] and _count(client) == 0


def test_oversized_chunked_upload_is_stopped_while_streaming(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec", max_upload_mb=1)
    headers = register_and_login(client)
    head = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
            b"Content-Type: audio/wav\r\n\r\n")

    def body():  # no Content-Length: the server only learns the size by reading
        yield head
        for _ in range(40):
            yield b"\0" * (256 * 1024)
        yield b"\r\n--b--\r\n"

    response = client.post("/api/v1/recordings", content=body(), headers={
        **headers, "Content-Type": "multipart/form-data; boundary=b"})

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert _stored_files(tmp_path / "rec") == [] and _count(client) == 0


def test_another_users_recording_does_not_exist(client_factory, ai_settings) -> None:
    client = client_factory(**ai_settings)
    recording_id = _upload(client, register_and_login(client)).json()["id"]
    intruder = register_and_login(client, email="eve@example.com", name="Eve")

    for method, suffix in [("get", ""), ("get", "/download"),
                           ("post", "/transcription"), ("post", "/feedback")]:
        response = client.request(method, f"/api/v1/recordings/{recording_id}{suffix}",
                                  headers=intruder)
        assert response.status_code == 404, suffix
        assert response.json()["code"] == "not_found"


def test_upload_into_another_users_session_is_not_found(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec")
    owner = register_and_login(client)
    session_id = client.post("/api/v1/sessions", json={"title": "x"}, headers=owner).json()["id"]
    intruder = register_and_login(client, email="eve@example.com", name="Eve")

    response = _upload(client, intruder, session_id=str(session_id))

    assert response.status_code == 404
    assert _stored_files(tmp_path / "rec") == []


def test_s3_round_trip_with_transcription_and_feedback_traced(
    client_factory, ai_settings, s3_settings, sentry_inbox, moto_endpoint,
    fake_openai: FakeOpenAI,
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0,
                            **ai_settings, **s3_settings)
    headers = register_and_login(client)
    recording_id = _upload(client, headers).json()["id"]

    download = client.get(f"/api/v1/recordings/{recording_id}/download", headers=headers)
    feedback = client.post(f"/api/v1/recordings/{recording_id}/feedback", headers=headers)

    assert download.content == AUDIO
    assert download.headers["content-type"] == "audio/wav"
    assert feedback.status_code == 200, feedback.text
    assert feedback.json() == FEEDBACK
    [audio_sent] = [r for r in fake_openai.requests if "audio" in r]
    assert audio_sent["audio"] == AUDIO and audio_sent["model"] == "whisper-1"
    detail = client.get(f"/api/v1/recordings/{recording_id}", headers=headers).json()
    assert detail["transcript"] == TRANSCRIPT and detail["feedback"] == FEEDBACK
    [key] = [o["Key"] for o in s3_client(moto_endpoint).list_objects_v2(
        Bucket=s3_settings["s3_bucket"])["Contents"]]

    upload_trace = transaction(sentry_inbox, "/api/v1/recordings")
    [put] = spans(upload_trace, "storage.upload")
    assert put["data"]["storage.bucket"] == s3_settings["s3_bucket"]
    assert put["data"]["storage.key"] == key
    assert put["data"]["storage.bytes"] == len(AUDIO)
    [aws_put] = [s for s in spans(upload_trace, "http.client")
                 if s["description"] == "aws.s3.PutObject"]
    assert aws_put["parent_span_id"] == put["span_id"]
    download_trace = transaction(sentry_inbox, "/api/v1/recordings/{recording_id}/download")
    [get] = spans(download_trace, "storage.download")
    assert get["data"]["storage.key"] == key
    assert get["data"]["storage.bytes"] == len(AUDIO)
    assert any(s["description"] == "aws.s3.GetObject" for s in spans(download_trace,
                                                                      "http.client"))
    assert spans(download_trace, "http.client.stream")  # the streamed body, timed

    review = transaction(sentry_inbox, "/api/v1/recordings/{recording_id}/feedback")
    [transcription] = spans(review, "ai.transcription")
    assert transcription["data"]["gen_ai.request.model"] == "whisper-1"
    assert transcription["data"]["gen_ai.usage.total_tokens"] == 18
    [review_span] = spans(review, "ai.feedback")
    assert review_span["data"]["gen_ai.request.model"] == "gpt-4o-mini"
    assert review_span["data"]["gen_ai.usage.input_tokens"] == 42
    raw = sentry_inbox.all_bytes()
    for secret in (FAKE_AWS_SECRET, FAKE_AWS_KEY_ID, FAKE_OPENAI_KEY, "AUDIO-CONTENT-MARKER",
                   TRANSCRIPT):
        assert secret.encode() not in raw, secret


def test_s3_failure_is_one_event_with_tags_and_the_returned_id(
    client_factory, s3_settings, sentry_inbox, tmp_path
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn,
                            **{**s3_settings, "s3_bucket": "no-such-bucket"})
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]

    response = _upload(client, headers)

    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"
    event = sentry_inbox.event(response.json()["event_id"])
    assert len(sentry_inbox.events()) == 1
    assert event["user"]["id"] == str(user_id)
    assert event["tags"]["service"] == "s3" and event["tags"]["operation"] == "upload"
    assert event["extra"]["upstream_status_code"] == 404
    assert event["extra"]["upstream_error"] == "NoSuchBucket"
    assert event["extra"]["upstream_request_id"]
    raw = sentry_inbox.all_bytes()
    assert FAKE_AWS_SECRET.encode() not in raw and FAKE_AWS_KEY_ID.encode() not in raw
    assert _count(client) == 0


def test_transcription_failure_event_carries_the_ai_breadcrumb(
    client_factory, ai_settings, sentry_inbox, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **ai_settings)
    headers = register_and_login(client)
    recording_id = _upload(client, headers).json()["id"]
    fake_openai.fail_with(status=500)

    response = client.post(f"/api/v1/recordings/{recording_id}/transcription", headers=headers)

    assert response.status_code == 502
    event = sentry_inbox.event(response.json()["event_id"])
    assert len(sentry_inbox.events()) == 1
    assert event["tags"] == {**event["tags"], "service": "openai", "operation": "transcription"}
    [crumb] = crumbs(event, "ai")
    assert crumb["data"]["model"] == "whisper-1" and crumb["data"]["outcome"] == "http_500"
    assert b"AUDIO-CONTENT-MARKER" not in sentry_inbox.all_bytes()


def test_invalid_feedback_json_is_502_one_event_and_nothing_stored(
    client_factory, ai_settings, sentry_inbox, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **ai_settings)
    headers = register_and_login(client)
    recording_id = _upload(client, headers).json()["id"]
    fake_openai.fail_with(bad_json=True)

    response = client.post(f"/api/v1/recordings/{recording_id}/feedback", headers=headers)

    assert response.status_code == 502
    event = sentry_inbox.event(response.json()["event_id"])
    assert len(sentry_inbox.events()) == 1
    assert event["tags"]["operation"] == "feedback"
    assert event["extra"]["upstream_error"] == "InvalidAIResponse"
    assert event["extra"]["upstream_request_id"] == fake_openai.requests[-1]["id"]
    assert b"very good" not in sentry_inbox.all_bytes()  # the bad answer itself stays out
    detail = client.get(f"/api/v1/recordings/{recording_id}", headers=headers).json()
    assert detail["feedback"] is None


def test_upload_breadcrumb_on_an_event_and_no_orphan_when_the_row_fails(
    client_factory, sentry_inbox, tmp_path, database_url
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)
    with client.app.state.engine.begin() as connection:
        connection.execute(text("DROP TABLE recordings"))

    response = _upload(client, headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    [crumb] = crumbs(event, "upload")
    assert crumb["data"] == {"size": len(AUDIO), "content_type": "audio/wav", "backend": "local"}
    assert b"AUDIO-CONTENT-MARKER" not in sentry_inbox.all_bytes()
    assert _stored_files(tmp_path / "rec") == []
