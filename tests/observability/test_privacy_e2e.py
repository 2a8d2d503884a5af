"""Nothing secret reaches Sentry: real requests, real failures, the raw bytes the SDK sends."""

from urllib.parse import quote, quote_plus

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.support.database import drop_session_tables
from tests.support.privacy_plants import CUSTOM_FIELD, add_failing_route, plans, request_parts

FAILURE = "/privacy-test/boom"


@pytest.fixture
def privacy_client(app_factory, sentry_inbox) -> TestClient:
    """The real app, every request traced, validation errors sent, no storm cap, plus a
    test-only failing route that carries the payload into every channel."""
    app = app_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_send_validation_errors=True,
        sentry_scrub_fields=CUSTOM_FIELD,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
    )
    add_failing_route(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _forms(needle: str) -> set[bytes]:
    return {form.encode() for form in (needle, quote(needle, safe=""), quote_plus(needle))}


def _assert_absent(raw: bytes, planted) -> None:
    for secret in planted:
        for needle in secret.needles:
            for form in _forms(needle):
                at = raw.find(form)
                assert at < 0, f"{secret.key}={secret.value!r} leaked: {raw[at - 300 : at + 40]!r}"


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
def test_no_planted_secret_reaches_sentry_in_any_channel(plan, privacy_client, sentry_inbox):
    sentry_inbox.clear()
    parts = request_parts(plan)

    failed = privacy_client.post(FAILURE, json=plan["body"], **parts)
    invalid = privacy_client.post(
        "/api/v1/auth/register",
        json={"email": "not-an-email", "password": "x", "name": "n", **plan["body"]["structs"]},
        **parts,
    )
    shaped = [s.value for s in plan["planted"] if s.value[:3] in ("eyJ", "sk-", "AKI")]
    missing = privacy_client.get(f"/api/v1/missing/{shaped[0] if shaped else 'x'}")

    assert (failed.status_code, invalid.status_code, missing.status_code) == (500, 422, 404)
    raw = sentry_inbox.all_bytes()
    _assert_absent(raw, plan["planted"])
    # The test cannot pass by sending nothing: each failure did reach the endpoint.
    events = sentry_inbox.items("event")
    assert any(e.get("exception", {}).get("values", [{}])[-1].get("type") == "RuntimeError"
               for e in events)  # fmt: skip
    assert any(e.get("logentry", {}).get("formatted", "").startswith("failed: ") for e in events)
    assert any(str(e.get("message", "")).startswith("Validation error") or
               "Validation error" in str(e.get("logentry")) for e in events)  # fmt: skip
    assert len(sentry_inbox.items("transaction")) >= 2


def test_non_secrets_next_to_secrets_survive(privacy_client, sentry_inbox):
    body = {"structs": {c: {"keep": "visible", "password": "hunter 2 qq11", "note":
                            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX3Nl"}
                        for c in ("body", "locals", "repr", "breadcrumb", "extra", "context",
                                  "span")},
            "texts": {c: ["user='ada' password='hunter 2 qq11' colour=blue"]
                      for c in ("exception", "log", "breadcrumb", "tag", "span", "transaction",
                                "query", "header", "cookie")},
            "urls": []}  # fmt: skip

    response = privacy_client.post(FAILURE, json=body, params={"page": "2", "token": "t0k3n"})

    event = sentry_inbox.event(response.json()["event_id"])
    raw = sentry_inbox.all_bytes()
    # Needles that are not hex: trace and event ids must not match them by chance.
    for needle in (b"qq11", b"c2lnbmF0dXJl", b"t0k3n"):
        at = raw.find(needle)
        assert at < 0, raw[max(0, at - 300) : at + 50]
    assert event["extra"]["planted"] == {"keep": "visible", "password": "[Filtered]",
                                         "note": "[Filtered]"}  # fmt: skip
    assert event["contexts"]["planted"]["keep"] == "visible"
    assert event["exception"]["values"][-1]["value"] == (
        "boom: user='ada' password=[Filtered] colour=blue"
    )
    assert event["request"]["data"]["structs"]["body"]["keep"] == "visible"
    assert "page=2" in event["request"]["query_string"]
    frame_vars = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]["vars"]
    assert "keep" in frame_vars["local_tree"] and "qq11" not in str(frame_vars)


@pytest.mark.both_backends
def test_db_failure_during_login_sends_neither_the_password_nor_the_tokens(
    privacy_client, sentry_inbox, database_url
):
    password = "correct horse 9f3a7c"
    privacy_client.post(
        "/api/v1/auth/register",
        json={"email": "ada@example.com", "password": password, "name": "Ada"},
    )
    tokens = privacy_client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": password}
    ).json()
    drop_session_tables(database_url)

    response = privacy_client.get(
        "/api/v1/sessions", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    failed_login = privacy_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"] + "x"}
    )

    assert response.status_code == 500 and failed_login.status_code == 401
    event = sentry_inbox.event(response.json()["event_id"])
    assert event["user"] == {"id": "1", "email": "ada@example.com", "name": "Ada"}
    raw = sentry_inbox.all_bytes()
    for secret in (password, "9f3a7c", tokens["access_token"].split(".")[2],
                   tokens["refresh_token"].split(".")[2]):  # fmt: skip
        assert secret.encode() not in raw
