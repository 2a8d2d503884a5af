"""Recordings on S3 (moto's server through real boto3): the round trip traced, a failure reported
once."""

from scripts.fakes.openai_server import FEEDBACK, TRANSCRIPT, FakeOpenAI
from tests.support.auth import register_and_login
from tests.support.envelopes import spans, transaction
from tests.support.fakes import FAKE_AWS_KEY_ID, FAKE_AWS_SECRET, FAKE_OPENAI_KEY, s3_client
from tests.support.recordings import AUDIO, recording_count, upload


def test_s3_round_trip_with_transcription_and_feedback_traced(
    client_factory,
    ai_settings,
    s3_settings,
    sentry_inbox,
    moto_endpoint,
    fake_openai: FakeOpenAI,
) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0, **ai_settings, **s3_settings
    )
    headers = register_and_login(client)
    recording_id = upload(client, headers).json()["id"]

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
    [key] = [
        o["Key"]
        for o in s3_client(moto_endpoint).list_objects_v2(Bucket=s3_settings["s3_bucket"])[
            "Contents"
        ]
    ]

    upload_trace = transaction(sentry_inbox, "/api/v1/recordings")
    [put] = spans(upload_trace, "storage.upload")
    assert put["data"]["storage.bucket"] == s3_settings["s3_bucket"]
    assert put["data"]["storage.key"] == key
    assert put["data"]["storage.bytes"] == len(AUDIO)
    [aws_put] = [
        s for s in spans(upload_trace, "http.client") if s["description"] == "aws.s3.PutObject"
    ]
    assert aws_put["parent_span_id"] == put["span_id"]
    download_trace = transaction(sentry_inbox, "/api/v1/recordings/{recording_id}/download")
    [get] = spans(download_trace, "storage.download")
    assert get["data"]["storage.key"] == key
    assert get["data"]["storage.bytes"] == len(AUDIO)
    assert any(s["description"] == "aws.s3.GetObject" for s in spans(download_trace, "http.client"))
    assert spans(download_trace, "http.client.stream")  # the streamed body, timed

    review = transaction(sentry_inbox, "/api/v1/recordings/{recording_id}/feedback")
    [transcription] = spans(review, "ai.transcription")
    assert transcription["data"]["gen_ai.request.model"] == "whisper-1"
    assert transcription["data"]["gen_ai.usage.total_tokens"] == 18
    [review_span] = spans(review, "ai.feedback")
    assert review_span["data"]["gen_ai.request.model"] == "gpt-4o-mini"
    assert review_span["data"]["gen_ai.usage.input_tokens"] == 42
    raw = sentry_inbox.all_bytes()
    for secret in (
        FAKE_AWS_SECRET,
        FAKE_AWS_KEY_ID,
        FAKE_OPENAI_KEY,
        "AUDIO-CONTENT-MARKER",
        TRANSCRIPT,
    ):
        assert secret.encode() not in raw, secret


def test_s3_failure_is_one_event_with_tags_and_the_returned_id(
    client_factory, s3_settings, sentry_inbox, tmp_path
) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, **{**s3_settings, "s3_bucket": "no-such-bucket"}
    )
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]

    response = upload(client, headers)

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
    assert recording_count(client) == 0
