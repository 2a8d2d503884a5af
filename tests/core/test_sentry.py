"""The face, app.core.sentry: the start-up line, and the helpers (no-ops while Sentry is off,
scoped to one event when on)."""

import logging

from sentry_sdk.tracing import NoOpSpan

from app.core import sentry
from app.core.config import Settings
from app.main import create_app
from tests.support.settings import make_settings


def test_start_up_log_says_sentry_is_disabled(caplog, database_url):
    with caplog.at_level(logging.INFO, logger="app.core.sentry"):
        create_app(make_settings(database_url=database_url))
    assert "Sentry disabled: SENTRY_DSN is empty" in caplog.messages


def test_start_up_log_states_the_effective_configuration(
    caplog, database_url, sentry_inbox, tmp_path
):
    settings = make_settings(
        database_url=database_url,
        local_storage_dir=tmp_path,
        sentry_dsn=sentry_inbox.dsn,
        sentry_environment="staging",
        sentry_release="9.9.9",
        sentry_profiles_sample_rate=0.25,
    )
    with caplog.at_level(logging.INFO, logger="app.core.sentry"):
        create_app(settings)
    [line] = [m for m in caplog.messages if m.startswith("Sentry enabled")]
    assert "environment=staging" in line
    assert "release=genai-coach-backend@9.9.9" in line
    assert "traces_sample_rate=0.1" in line
    assert "profiles_sample_rate=0.25" in line
    assert "public@" not in line  # the DSN key never reaches the logs


def test_helpers_are_silent_no_ops_while_sentry_is_off():
    assert sentry.init_sentry(make_settings()) is False
    assert sentry.capture_exception(RuntimeError("x"), tags={"a": "b"}) is None
    assert sentry.capture_message("hello") is None
    with sentry.start_transaction("job") as transaction:
        assert isinstance(transaction, NoOpSpan)
        with sentry.start_span("db", "query", rows=3) as span:
            assert isinstance(span, NoOpSpan)
    sentry.set_user_context(1, email="a@example.com", name="A")
    sentry.add_breadcrumb("step", category="test", data={"k": "v"})


def _init(inbox) -> Settings:
    settings = make_settings(sentry_dsn=inbox.dsn, sentry_traces_sample_rate=1.0)
    assert sentry.init_sentry(settings) is True
    return settings


def test_a_second_capture_of_the_same_exception_returns_the_id_that_was_sent(sentry_inbox):
    _init(sentry_inbox)
    error = ValueError("boom")

    first = sentry.capture_exception(error)
    second = sentry.capture_exception(error)  # DedupeIntegration drops this one

    assert first is not None
    assert second == first
    assert [e["event_id"] for e in sentry_inbox.events()] == [first]


def test_transactions_and_spans_reach_sentry_with_their_data(sentry_inbox):
    _init(sentry_inbox)
    with (
        sentry.start_transaction("nightly-cleanup", op="task", batch=7),
        sentry.start_span("db.cleanup", "delete expired sessions", rows=3),
    ):
        pass

    [transaction] = sentry_inbox.transactions()
    assert transaction["transaction"] == "nightly-cleanup"
    assert transaction["contexts"]["trace"]["op"] == "task"
    [span] = transaction["spans"]
    assert span["op"] == "db.cleanup"
    assert span["description"] == "delete expired sessions"
    assert span["data"]["rows"] == 3


def test_breadcrumbs_and_user_context_travel_with_the_next_event(sentry_inbox):
    _init(sentry_inbox)
    sentry.set_user_context(42, email="ada@example.com", name="Ada", plan="pro")
    sentry.add_breadcrumb("Feedback requested", category="coaching", data={"recording_id": 3})

    event_id = sentry.capture_message("quota nearly used", level="warning")

    event = sentry_inbox.event(event_id)
    assert event["user"] == {"id": "42", "email": "ada@example.com", "name": "Ada", "plan": "pro"}
    [crumb] = [c for c in event["breadcrumbs"]["values"] if c.get("category") == "coaching"]
    assert crumb["data"] == {"recording_id": 3}


def test_helpers_scope_tags_extra_and_user_to_one_event(sentry_client, sentry_inbox):
    from app.core import sentry

    first = sentry.capture_exception(
        ValueError("first"),
        tags={"feature": "coaching"},
        extra={"attempt": 2, "api_key": "extra-secret-6"},
        user={"id": "7"},
    )
    second = sentry.capture_message("second", level="warning")

    one, two = sentry_inbox.event(first), sentry_inbox.event(second)
    assert one["tags"]["feature"] == "coaching"
    assert one["extra"]["attempt"] == 2
    assert one["extra"]["api_key"] == "[Filtered]"
    assert one["user"] == {"id": "7"}
    assert "feature" not in two.get("tags", {})
    assert "attempt" not in two.get("extra", {})
    assert "user" not in two
    assert two["level"] == "warning"
