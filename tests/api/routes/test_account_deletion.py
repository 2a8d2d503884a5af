"""Deleting an account deletes its recordings from storage too, on the local folder and on S3.

Stored objects go first, then the rows: when storage fails part-way the account stays (503
with the Sentry event id), and deleting again finishes the job.
"""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.support.audio import wav_bytes
from tests.support.auth import register_and_login
from tests.support.fakes import s3_client

pytestmark = pytest.mark.both_backends


def _upload(client: TestClient, headers: dict[str, str], name: str = "practice.wav") -> int:
    files = {"file": (name, wav_bytes(name.encode()), "audio/wav")}
    response = client.post("/api/v1/recordings", files=files, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _stored(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_deleting_the_account_deletes_its_local_recordings(client_factory, tmp_path):
    root = tmp_path / "recordings"
    client = client_factory(local_storage_dir=root)
    ada = register_and_login(client)
    eve = register_and_login(client, email="eve@example.com", name="Eve")
    _upload(client, ada, "one.wav")
    _upload(client, ada, "two.wav")
    _upload(client, eve, "eves.wav")

    assert client.delete("/api/v1/users/me", headers=ada).status_code == 204

    assert [p.read_bytes() for p in _stored(root)] == [wav_bytes(b"eves.wav")]


def test_deleting_the_account_deletes_its_recordings_on_s3(client_factory, s3_settings):
    client = client_factory(**s3_settings)
    ada = register_and_login(client)
    _upload(client, ada, "one.wav")
    _upload(client, ada, "two.wav")
    bucket = s3_client(s3_settings["s3_endpoint_url"])

    assert bucket.list_objects_v2(Bucket=s3_settings["s3_bucket"])["KeyCount"] == 2
    assert client.delete("/api/v1/users/me", headers=ada).status_code == 204
    assert bucket.list_objects_v2(Bucket=s3_settings["s3_bucket"])["KeyCount"] == 0


def test_a_recording_already_gone_from_storage_counts_as_deleted(client_factory, tmp_path):
    root = tmp_path / "recordings"
    client = client_factory(local_storage_dir=root)
    ada = register_and_login(client)
    _upload(client, ada)
    [stored] = _stored(root)
    stored.unlink()

    assert client.delete("/api/v1/users/me", headers=ada).status_code == 204
    assert client.get("/api/v1/users/me", headers=ada).status_code == 401


def test_a_storage_failure_part_way_keeps_the_account_and_a_retry_finishes(
    client_factory, sentry_inbox, tmp_path
):
    root = tmp_path / "recordings"
    client = client_factory(
        local_storage_dir=root,
        sentry_dsn=sentry_inbox.dsn,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
    )
    ada = register_and_login(client)
    _upload(client, ada, "one.wav")
    _upload(client, ada, "two.wav")
    # The second object becomes something unlink() cannot remove: a real storage failure.
    with client.app.state.session_factory() as db:
        second_key = db.execute(
            text("SELECT storage_key FROM recordings ORDER BY id DESC")
        ).scalar()
    second = root / second_key
    second.unlink()
    (second / "blocker").mkdir(parents=True)

    failed = client.delete("/api/v1/users/me", headers=ada)

    assert failed.status_code == 503
    body = failed.json()
    assert body["code"] == "deletion_incomplete"
    sentry_inbox.event(body["event_id"])
    assert len(sentry_inbox.events()) == 1
    assert client.get("/api/v1/users/me", headers=ada).status_code == 200  # account kept
    assert _stored(root) == []  # the first recording went; the blocker is not a recording

    (second / "blocker").rmdir()
    second.rmdir()
    assert client.delete("/api/v1/users/me", headers=ada).status_code == 204
    assert client.get("/api/v1/users/me", headers=ada).status_code == 401
