"""A commit that fails is the request's failure: a 500 with the event id, and nothing kept.

The failure is real: a deferred constraint trigger on PostgreSQL accepts every statement and
refuses the transaction only at COMMIT, the way a deferred foreign key or exclusion would.
"""

from pathlib import Path

from tests.support.auth import register_and_login
from tests.support.refuse_commit import postgres_only


@postgres_only
def test_a_failed_commit_is_a_500_with_the_id_of_its_one_event(
    sentry_client, sentry_inbox, refuse_commit
):
    headers = register_and_login(sentry_client)
    refuse_commit("coaching_sessions")
    sentry_inbox.clear()

    response = sentry_client.post("/api/v1/sessions", headers=headers, json={"title": "Pitch"})

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    event = sentry_inbox.event(body["event_id"])
    assert "refused at commit" in str(event["exception"]["values"][-1]["value"])
    assert len(sentry_inbox.events()) == 1
    assert sentry_client.get("/api/v1/sessions", headers=headers).json() == []


@postgres_only
def test_a_recording_whose_row_did_not_commit_leaves_no_stored_object(
    client_factory, refuse_commit, tmp_path: Path
):
    client = client_factory(local_storage_dir=tmp_path / "recordings")
    headers = register_and_login(client)
    refuse_commit("recordings")

    files = {"file": ("practice.wav", b"RIFF-audio-bytes", "audio/wav")}
    response = client.post("/api/v1/recordings", files=files, headers=headers)

    assert response.status_code == 500
    stored = [p for p in (tmp_path / "recordings").rglob("*") if p.is_file()]
    assert stored == []
