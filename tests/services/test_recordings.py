"""Transcription and feedback failures, and an upload whose row fails: one event each, nothing
half-stored."""

import pytest
from sqlalchemy import text

from scripts.fakes.openai_server import FakeOpenAI
from tests.support.auth import register_and_login
from tests.support.envelopes import crumbs
from tests.support.recordings import AUDIO, stored_files, upload


def test_transcription_failure_event_carries_the_ai_breadcrumb(
    client_factory, ai_settings, sentry_inbox, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **ai_settings)
    headers = register_and_login(client)
    recording_id = upload(client, headers).json()["id"]
    fake_openai.fail_with(status=500)

    response = client.post(f"/api/v1/recordings/{recording_id}/transcription", headers=headers)

    assert response.status_code == 502
    event = sentry_inbox.event(response.json()["event_id"])
    assert len(sentry_inbox.events()) == 1
    assert event["tags"] == {**event["tags"], "service": "openai", "operation": "transcription"}
    [crumb] = crumbs(event, "ai")
    assert crumb["data"]["model"] == "whisper-1" and crumb["data"]["outcome"] == "http_500"
    assert b"AUDIO-CONTENT-MARKER" not in sentry_inbox.all_bytes()


@pytest.mark.both_backends
def test_invalid_feedback_json_is_502_one_event_and_nothing_stored(
    client_factory, ai_settings, sentry_inbox, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **ai_settings)
    headers = register_and_login(client)
    recording_id = upload(client, headers).json()["id"]
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


@pytest.mark.both_backends
def test_upload_breadcrumb_on_an_event_and_no_orphan_when_the_row_fails(
    client_factory, sentry_inbox, tmp_path, database_url
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, local_storage_dir=tmp_path / "rec")
    headers = register_and_login(client)
    with client.app.state.engine.begin() as connection:
        connection.execute(text("DROP TABLE recordings"))

    response = upload(client, headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    [crumb] = crumbs(event, "upload")
    assert crumb["data"] == {"size": len(AUDIO), "content_type": "audio/wav", "backend": "local"}
    assert b"AUDIO-CONTENT-MARKER" not in sentry_inbox.all_bytes()
    assert stored_files(tmp_path / "rec") == []
