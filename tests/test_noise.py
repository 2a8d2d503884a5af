"""Only what is worth paying for reaches Sentry: checked in the envelopes the SDK sends."""

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import ConfigError
from app.core.sentry import before_send_filter, before_send_transaction_filter
from tests.conftest import make_settings
from tests.support.auth import register_and_login

TRACE_ID = "771a43a4192642f0b136d5159a501700"


def _traced_paths(sentry_inbox) -> list[str]:
    return [t["transaction"] for t in sentry_inbox.transactions()]


def test_health_docs_head_and_options_are_never_traced(sentry_client, sentry_inbox):
    for path in ("/health", "/docs", "/redoc", "/openapi.json", "/favicon.ico"):
        sentry_client.get(path, headers={"sentry-trace": f"{TRACE_ID}-1000000000000000-1"})
    sentry_client.head("/api/v1/users/me")
    sentry_client.options("/api/v1/auth/login")
    sentry_client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})

    assert _traced_paths(sentry_inbox) == ["/api/v1/auth/login"]


def test_client_errors_send_no_events(sentry_client, sentry_inbox):
    responses = [
        sentry_client.get("/api/v1/nowhere"),
        sentry_client.get("/api/v1/users/me"),
        sentry_client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"}),
        sentry_client.post("/api/v1/auth/register", json={"email": "nope"}),
        sentry_client.delete("/api/v1/auth/login"),
    ]

    assert [r.status_code for r in responses] == [404, 401, 401, 422, 405]
    assert sentry_inbox.events() == []
    assert len(sentry_inbox.transactions()) == 5  # traced, just not errors


def test_validation_errors_are_sent_when_asked(client_factory, sentry_inbox):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_send_validation_errors=True)

    assert client.post("/api/v1/auth/register", json={"email": "nope"}).status_code == 422
    client.get("/api/v1/users/me")

    (event,) = sentry_inbox.events()
    assert event["level"] == "warning"
    assert event["message"] == "Validation error on POST /api/v1/auth/register"


@pytest.mark.parametrize(("flag", "rate", "expected"), [("1", 0.0, 1), ("0", 1.0, 0)])
def test_an_incoming_sampling_decision_is_followed(
    client_factory, sentry_inbox, flag, rate, expected
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=rate)

    client.get("/api/v1/users/me", headers={"sentry-trace": f"{TRACE_ID}-1000000000000000-{flag}"})

    transactions = sentry_inbox.transactions()
    assert len(transactions) == expected
    assert all(t["contexts"]["trace"]["trace_id"] == TRACE_ID for t in transactions)


def test_per_route_rates_longest_prefix_wins(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_traces_sample_rates='{"/api/v1/auth": 0, "/api/v1/auth/login": 1.0}',
    )
    for _ in range(5):
        client.post("/api/v1/auth/register", json={"email": "nope"})
    client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})
    client.get("/api/v1/users/me")

    assert sorted(_traced_paths(sentry_inbox)) == ["/api/v1/auth/login", "/api/v1/users/me"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [("{not json", "JSON object"), ('{"/api": 2}', "less than or equal"),
     ('{"api": 0.5}', "starting with '/'"), ("[0.5]", "dictionary")],
)  # fmt: skip
def test_bad_route_rates_stop_start_up_naming_the_variable(monkeypatch, value, problem):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATES", value)
    with pytest.raises(ConfigError, match="SENTRY_TRACES_SAMPLE_RATES") as error:
        make_settings()
    assert problem in str(error.value)


def test_user_fields_can_be_reduced_to_the_id(client_factory, sentry_inbox, database_url):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_user_fields="id")
    headers = register_and_login(client)
    _fail_inside_a_request(client, headers)

    (event,) = sentry_inbox.events()
    assert event["user"] == {"id": "1"}
    with pytest.raises(ConfigError, match="SENTRY_USER_FIELDS"):
        make_settings(sentry_user_fields="id,phone")


def _fail_inside_a_request(client: TestClient, headers: dict[str, str]) -> None:
    from app.api.deps import CurrentUser

    @client.app.get("/noise-test/fail-as-user")
    def fail_as_user(user: CurrentUser) -> None:
        raise RuntimeError("fail as user")

    assert client.get("/noise-test/fail-as-user", headers=headers).status_code == 500


def test_transactions_carry_no_request_body(sentry_client, sentry_inbox):
    sentry_client.post(
        "/api/v1/auth/register",
        json={"email": "ada@example.com", "password": "correct-horse", "name": "Ada"},
    )

    (transaction,) = sentry_inbox.transactions()
    assert transaction["request"]["method"] == "POST"
    assert "data" not in transaction["request"]


def test_an_event_the_filter_cannot_handle_is_dropped_with_a_warning(
    sentry_client, caplog
):  # sentry_client: the filters run with the app's Sentry client and its integration
    broken = ["secret-looking content", {"password": "hunter2"}]
    with caplog.at_level(logging.WARNING, logger="app.observability.filters"):
        assert before_send_filter(broken, {}) is None  # type: ignore[arg-type]
        assert before_send_transaction_filter(broken, {}) is None  # type: ignore[arg-type]

    assert [r.getMessage() for r in caplog.records] == [
        "Sentry event dropped: scrubbing failed (AttributeError)",
        "Sentry transaction dropped: scrubbing failed (AttributeError)",
    ]
    assert "hunter2" not in caplog.text and "secret-looking" not in caplog.text


def _storm_app(app: FastAPI) -> None:
    @app.get("/storm/a")
    def storm_a() -> None:
        raise ValueError("the same failure again")

    @app.get("/storm/b")
    def storm_b() -> None:
        raise KeyError("another failure")


def test_an_error_storm_is_capped_per_issue_and_ids_stay_in_the_logs(
    client_factory, sentry_inbox, caplog
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    _storm_app(client.app)

    with caplog.at_level(logging.INFO, logger="app.observability.storm_cap"):
        ids = [client.get("/storm/a").json()["event_id"] for _ in range(300)]
        other = client.get("/storm/b").json()["event_id"]

    events = sentry_inbox.events()
    sent = [e["event_id"] for e in events if e["exception"]["values"][-1]["type"] == "ValueError"]
    assert sent == ids[:10]
    assert other in {e["event_id"] for e in events}
    assert all(ids) and len(set(ids)) == 300
    dropped = [r.getMessage() for r in caplog.records if "dropped by storm cap" in r.getMessage()]
    assert len(dropped) == 290 and ids[-1] in dropped[-1]
    summaries = [r for r in caplog.records if r.getMessage().startswith("Sentry storm cap:")]
    assert len(summaries) == 1 and summaries[0].levelno == logging.WARNING


def test_the_overall_cap_holds_across_issues(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=0.0,
        sentry_max_events_per_issue_per_minute=3,
        sentry_max_events_per_minute=4,
    )
    _storm_app(client.app)

    for _ in range(5):
        client.get("/storm/a")
        client.get("/storm/b")

    types = sorted(e["exception"]["values"][-1]["type"] for e in sentry_inbox.events())
    assert types == ["KeyError", "KeyError", "ValueError", "ValueError"]
