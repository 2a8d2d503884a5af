"""What the token lifecycle tells Sentry: a warning for a reused refresh token, never a token,
and `auth` breadcrumbs that explain a later error."""

from tests.envelopes import crumbs
from tests.support.refuse_commit import postgres_only

PASSWORD = "correct-horse-battery"


def _signed_up(client) -> tuple[int, dict[str, str]]:
    body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
    user_id = client.post("/api/v1/auth/register", json=body).json()["id"]
    login = {"email": "ada@example.com", "password": PASSWORD}
    return user_id, client.post("/api/v1/auth/login", json=login).json()


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_a_reused_refresh_token_is_one_warning_with_the_user_and_no_token(
    sentry_client, sentry_inbox
):
    user_id, stolen = _signed_up(sentry_client)
    rotated = sentry_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )
    sentry_inbox.clear()

    replay = sentry_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )

    assert replay.status_code == 401
    [event] = sentry_inbox.events()
    assert event["level"] == "warning"
    assert "reused" in event["message"]
    assert event["user"]["id"] == str(user_id)
    assert [c["message"] for c in crumbs(event, "auth")][
        -1
    ] == "Refresh token reused: login revoked"
    raw = sentry_inbox.all_bytes()
    for tokens in (stolen, rotated.json()):
        for token in tokens.values():
            if token == "bearer":
                continue
            assert token.encode() not in raw
            assert token.rsplit(".", 1)[1].encode() not in raw  # not even the signature


@postgres_only
def test_logout_leaves_an_auth_breadcrumb(sentry_client, sentry_inbox, refuse_commit):
    _, tokens = _signed_up(sentry_client)
    refuse_commit("logins", "UPDATE")

    response = sentry_client.post("/api/v1/auth/logout", headers=_bearer(tokens))

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert "Logged out" in [c["message"] for c in crumbs(event, "auth")]


@postgres_only
def test_a_password_change_leaves_a_revocation_breadcrumb(
    sentry_client, sentry_inbox, refuse_commit
):
    _, tokens = _signed_up(sentry_client)
    refuse_commit("logins", "UPDATE")

    change = {"current_password": PASSWORD, "new_password": "another-long-one"}
    response = sentry_client.post("/api/v1/users/me/password", headers=_bearer(tokens), json=change)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert "Every login revoked" in [c["message"] for c in crumbs(event, "auth")]
