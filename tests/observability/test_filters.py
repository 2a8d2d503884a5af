"""The before-send hooks: the user's fields, no request body on transactions, and never an
unscrubbed event."""

import logging

import pytest
from fastapi.testclient import TestClient

from app.core.config import ConfigError
from app.core.sentry import before_send_filter, before_send_transaction_filter
from tests.support.auth import register_and_login
from tests.support.settings import make_settings


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
