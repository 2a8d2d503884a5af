"""Chat with the AI coach through the real openai client and a fake OpenAI over HTTP."""

import pytest
from fastapi.testclient import TestClient

from scripts.fakes.openai_server import REPLY, FakeOpenAI
from tests.support.auth import register_and_login
from tests.support.envelopes import attribute, crumbs, gen_ai_spans, spans, transaction
from tests.support.fakes import FAKE_OPENAI_KEY, OPENAI_TIMEOUT

PROMPT = "My private practice sentence about the quarterly numbers"
MESSAGES_ROUTE = "/api/v1/sessions/{session_id}/messages"


def _session(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post("/api/v1/sessions", json={"title": "Pitch"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _say(client: TestClient, headers: dict[str, str], session_id: int, content: str = PROMPT):
    return client.post(
        f"/api/v1/sessions/{session_id}/messages", json={"content": content}, headers=headers
    )


@pytest.mark.both_backends
def test_chat_stores_both_messages_and_the_coach_sees_the_history(
    client_factory, ai_settings, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(**ai_settings)
    headers = register_and_login(client)
    session_id = _session(client, headers)

    first = _say(client, headers, session_id, "Hello coach")
    second = _say(client, headers, session_id, "How was my pacing?")

    assert first.status_code == 201, first.text
    assert first.json()["role"] == "assistant"
    assert first.json()["content"] == REPLY
    assert second.status_code == 201
    sent = fake_openai.requests[-1]["json"]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0]["role"] == "system"
    assert "speaking coach" in sent["messages"][0]["content"]
    assert [(m["role"], m["content"]) for m in sent["messages"][1:]] == [
        ("user", "Hello coach"),
        ("assistant", REPLY),
        ("user", "How was my pacing?"),
    ]
    detail = client.get(f"/api/v1/sessions/{session_id}", headers=headers).json()
    assert [(m["role"], m["content"]) for m in detail["messages"]] == [
        ("user", "Hello coach"),
        ("assistant", REPLY),
        ("user", "How was my pacing?"),
        ("assistant", REPLY),
    ]


def test_chat_in_another_users_session_is_not_found(client_factory, ai_settings) -> None:
    client = client_factory(**ai_settings)
    session_id = _session(client, register_and_login(client))
    intruder = register_and_login(client, email="eve@example.com", name="Eve")

    response = _say(client, intruder, session_id)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_without_an_openai_key_ai_answers_503_and_sends_nothing(
    client_factory, sentry_inbox, tmp_path
) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, openai_api_key="", local_storage_dir=tmp_path
    )
    headers = register_and_login(client)
    session_id = _session(client, headers)

    response = _say(client, headers, session_id)

    assert response.status_code == 503
    assert response.json()["code"] == "ai_not_configured"
    assert "OPENAI_API_KEY" in response.json()["detail"]
    assert sentry_inbox.events() == []


def test_chat_is_one_traced_operation_with_model_and_tokens_and_no_prompt(
    client_factory, ai_settings, sentry_inbox
) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0, **ai_settings
    )
    headers = register_and_login(client)
    session_id = _session(client, headers)

    assert _say(client, headers, session_id).status_code == 201

    trace = transaction(sentry_inbox, MESSAGES_ROUTE)
    [operation] = spans(trace, "ai.chat")
    assert operation["data"]["gen_ai.request.model"] == "gpt-4o-mini"
    assert operation["data"]["gen_ai.usage.input_tokens"] == 42
    assert operation["data"]["gen_ai.usage.output_tokens"] == 17
    assert operation["data"]["gen_ai.usage.total_tokens"] == 59
    assert operation["data"]["ai.outcome"] == "ok"
    assert operation["timestamp"] > operation["start_timestamp"]
    # The integration's span for the API call (sent apart, as a v2 span) sits inside ours.
    [call] = gen_ai_spans(sentry_inbox)
    assert attribute(call, "sentry.op") == "gen_ai.chat"
    assert call["parent_span_id"] == operation["span_id"]
    assert attribute(call, "gen_ai.usage.input_tokens") == 42
    raw = sentry_inbox.all_bytes()
    assert PROMPT.encode() not in raw
    assert REPLY.encode() not in raw
    assert FAKE_OPENAI_KEY.encode() not in raw


def test_prompts_reach_sentry_only_when_allowed(client_factory, ai_settings, sentry_inbox) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_send_ai_prompts=True,
        **ai_settings,
    )
    headers = register_and_login(client)
    session_id = _session(client, headers)

    assert _say(client, headers, session_id).status_code == 201

    raw = sentry_inbox.all_bytes()
    assert PROMPT.encode() in raw
    assert FAKE_OPENAI_KEY.encode() not in raw


@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("failure", "status", "code", "upstream_status"),
    [
        ({"status": 429}, 502, "upstream_error", 429),
        ({"status": 500}, 502, "upstream_error", 500),
        ({"status": 401}, 502, "upstream_error", 401),
        ({"delay": OPENAI_TIMEOUT + 0.3}, 504, "upstream_timeout", None),
    ],
    ids=["429", "500", "401", "timeout"],
)
def test_an_openai_failure_is_one_event_with_user_tags_and_the_returned_id(
    client_factory,
    ai_settings,
    sentry_inbox,
    fake_openai: FakeOpenAI,
    failure,
    status,
    code,
    upstream_status,
) -> None:
    client = client_factory(sentry_dsn=sentry_inbox.dsn, **ai_settings)
    headers = register_and_login(client)
    user_id = client.get("/api/v1/users/me", headers=headers).json()["id"]
    session_id = _session(client, headers)
    fake_openai.fail_with(**failure)

    response = _say(client, headers, session_id)

    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    event = sentry_inbox.event(body["event_id"])
    assert len(sentry_inbox.events()) == 1  # not a second, unhandled copy from the integration
    assert event["user"]["id"] == str(user_id)
    assert event["tags"]["service"] == "openai"
    assert event["tags"]["operation"] == "chat"
    assert event["extra"]["upstream_status_code"] == upstream_status
    if upstream_status is not None:
        assert event["extra"]["upstream_request_id"] == fake_openai.requests[-1]["id"]
    [exception] = event["exception"]["values"][-1:]
    assert exception["mechanism"]["handled"] is True
    [crumb] = crumbs(event, "ai")
    assert crumb["data"]["operation"] == "chat"
    assert crumb["data"]["model"] == "gpt-4o-mini"
    assert crumb["data"]["outcome"] == (
        "timeout" if upstream_status is None else f"http_{upstream_status}"
    )
    if upstream_status is None:
        assert crumb["data"]["duration_ms"] >= OPENAI_TIMEOUT * 1000  # it waited out the timeout
    else:
        assert crumb["data"]["duration_ms"] > 0
    raw = sentry_inbox.all_bytes()
    assert PROMPT.encode() not in raw
    assert FAKE_OPENAI_KEY.encode() not in raw
    # Nothing half-stored: the client can send the same message again.
    detail = client.get(f"/api/v1/sessions/{session_id}", headers=headers).json()
    assert detail["messages"] == []


def test_with_prompts_allowed_a_failure_still_never_sends_the_key(
    client_factory, ai_settings, sentry_inbox, fake_openai: FakeOpenAI
) -> None:
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_send_ai_prompts=True,
        **ai_settings,
    )
    headers = register_and_login(client)
    session_id = _session(client, headers)
    fake_openai.fail_with(status=500)

    response = _say(client, headers, session_id)

    event = sentry_inbox.event(response.json()["event_id"])
    assert any(
        "vars" in frame
        for value in event["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
    )  # locals kept when allowed
    assert FAKE_OPENAI_KEY.encode() not in sentry_inbox.all_bytes()
