"""Failed logins are throttled per account and per client address, on every password check."""

from fastapi.testclient import TestClient

from tests.support.auth import register_and_login
from tests.support.envelopes import spans

PASSWORD = "correct-horse-battery"
LOGIN = "/api/v1/auth/login"


def _login(client: TestClient, password: str, email: str = "ada@example.com"):
    return client.post(LOGIN, json={"email": email, "password": password})


def _assert_throttled(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60 + 1


def test_an_account_is_locked_after_its_failures_even_for_the_right_password(client_factory):
    client = client_factory(login_max_failures_per_account=3)
    register_and_login(client)

    assert [_login(client, "wrong-password").status_code for _ in range(3)] == [401] * 3

    _assert_throttled(_login(client, PASSWORD))
    # Another account from the same address is not locked by it.
    register_and_login(client, email="bob@example.com")
    assert _login(client, PASSWORD, email="bob@example.com").status_code == 200


def test_an_address_is_locked_after_its_failures_whatever_the_account(client_factory):
    client = client_factory(login_max_failures_per_ip=3)
    register_and_login(client)

    for index in range(3):
        assert _login(client, "wrong-password", email=f"u{index}@example.com").status_code == 401

    _assert_throttled(_login(client, PASSWORD))


def test_the_token_form_and_the_password_change_share_the_account_limit(client_factory):
    client = client_factory(login_max_failures_per_account=2)
    headers = register_and_login(client)
    form = {"username": "ada@example.com", "password": "wrong-password"}
    assert client.post("/api/v1/auth/token", data=form).status_code == 401
    change = {"current_password": "wrong-password", "new_password": "another-long-one"}
    assert client.post("/api/v1/users/me/password", json=change, headers=headers).status_code == 401

    _assert_throttled(client.post("/api/v1/auth/token", data={**form, "password": PASSWORD}))
    change["current_password"] = PASSWORD
    _assert_throttled(client.post("/api/v1/users/me/password", json=change, headers=headers))


def test_a_throttled_login_computes_no_password_hash(client_factory, sentry_inbox):
    client = client_factory(
        login_max_failures_per_account=1,
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
    )
    register_and_login(client)
    assert _login(client, "wrong-password").status_code == 401
    sentry_inbox.transactions()  # flushes what the earlier requests sent
    sentry_inbox.clear()

    _assert_throttled(_login(client, PASSWORD))

    [refused] = [t for t in sentry_inbox.transactions() if t["transaction"] == LOGIN]
    assert spans(refused, "password.verify") == []


def test_a_failed_login_is_traced_with_its_password_check(client_factory, sentry_inbox):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)
    register_and_login(client)
    sentry_inbox.transactions()  # flushes what the earlier requests sent
    sentry_inbox.clear()

    assert _login(client, "wrong-password").status_code == 401

    [failed] = [t for t in sentry_inbox.transactions() if t["transaction"] == LOGIN]
    assert len(spans(failed, "password.verify")) == 1
