"""A request's breadcrumbs and user reach Sentry with the event that needs them, scrubbed, in
order, and never with another request's event; proven from what the SDK really sends."""

import asyncio
import logging
import time

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.api.deps import CurrentUser, SessionDep
from app.core import sentry
from tests.support.auth import register_and_login

FAILURE = "/deferred-test/boom"
SECRET = jwt.encode({"sub": "deferred-breadcrumb-secret"}, "k" * 32, algorithm="HS256")
log = logging.getLogger("deferred.test")


def _add_failing_route(app: FastAPI) -> None:
    """POST /deferred-test/boom: `steps` breadcrumbs, a log line, a query, then a failure."""

    @app.post(FAILURE)
    def boom(user: CurrentUser, db: SessionDep, steps: int = 1, pause: float = 0.0) -> None:
        for step in range(steps):
            sentry.add_breadcrumb(
                f"step {step} of {user.email}", category="test", data={"api_key": SECRET}
            )
            time.sleep(pause)
        log.info("between the steps and the query")
        db.execute(text(f"SELECT '{SECRET}' AS note"))
        raise RuntimeError("deferred test")


@pytest.fixture
def failing_client(app_factory, sentry_inbox, request) -> TestClient:
    """Errors only (no transaction is sampled), no storm cap, plus the failing route."""
    log.setLevel(logging.INFO)
    app = app_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=0.0,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
        sentry_lean_asgi=getattr(request, "param", True),
    )
    _add_failing_route(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _crumbs(event: dict) -> list[dict]:
    return event["breadcrumbs"]["values"]


def _index(crumbs: list[dict], category: str, fragment: str) -> int:
    """Where the last breadcrumb of this category with this text is."""
    found = [i for i, c in enumerate(crumbs) if c.get("category") == category]
    return max(i for i in found if fragment in crumbs[i]["message"])


@pytest.mark.parametrize("failing_client", [True, False], ids=["lean", "stock"], indirect=True)
def test_unsampled_failure_carries_its_breadcrumbs_and_user_in_order_scrubbed(
    failing_client, sentry_inbox
):
    headers = register_and_login(failing_client)

    response = failing_client.post(FAILURE, headers=headers)

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert event["user"] == {"id": "1", "email": "ada@example.com", "name": "Ada"}
    crumbs = _crumbs(event)
    order = [
        _index(crumbs, "query", "FROM users"),  # the token check's query
        _index(crumbs, "auth", "Authenticated request"),
        _index(crumbs, "test", "step 0 of ada@example.com"),
        _index(crumbs, "deferred.test", "between the steps"),  # the SDK's own, from logging
        _index(crumbs, "query", "AS note"),  # the query before the failure
    ]
    assert order == sorted(order)
    timestamps = [c["timestamp"] for c in crumbs]
    assert timestamps == sorted(timestamps)
    assert crumbs[order[2]]["data"] == {"api_key": "[Filtered]"}
    assert crumbs[order[2]]["level"] == "info"
    assert SECRET.encode() not in b"".join(sentry_inbox.raw_bodies)
    assert sentry_inbox.transactions() == []


def test_breadcrumbs_are_capped_at_the_latest_max_breadcrumbs(failing_client, sentry_inbox):
    headers = register_and_login(failing_client)

    response = failing_client.post(FAILURE, params={"steps": 150}, headers=headers)

    crumbs = _crumbs(sentry_inbox.event(response.json()["event_id"]))
    assert len(crumbs) == 100  # sentry-sdk's default max_breadcrumbs
    messages = [c["message"] for c in crumbs]
    assert "step 149 of ada@example.com" in messages
    assert "step 0 of ada@example.com" not in messages
    assert "AS note" in messages[-1]


def test_a_request_that_succeeds_leaves_nothing_for_the_next(failing_client, sentry_inbox):
    headers = register_and_login(failing_client)
    assert failing_client.get("/api/v1/users/me", headers=headers).status_code == 200

    response = failing_client.get("/sentry-debug")  # fails, with no user signed in

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert event.get("user") is None
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    assert [c for c in crumbs if c.get("category") in ("query", "auth")] == []


async def _concurrent_failures(
    app: FastAPI, headers_by_user: dict
) -> list[tuple[str, httpx.Response]]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        params = {"steps": 3, "pause": 0.01}  # the threads interleave their steps
        users = [user for _ in range(2) for user in headers_by_user]
        calls = [client.post(FAILURE, params=params, headers=headers_by_user[u]) for u in users]
        return list(zip(users, await asyncio.gather(*calls), strict=True))


def test_concurrent_requests_never_mix_breadcrumbs_or_users(failing_client, sentry_inbox):
    headers_by_user = {
        email: register_and_login(failing_client, email=email, name=email.split("@")[0])
        for email in ("ada@example.com", "bob@example.com", "cy@example.com")
    }

    results = asyncio.run(_concurrent_failures(failing_client.app, headers_by_user))

    events = {event["event_id"]: event for event in sentry_inbox.events()}
    assert len(results) == len(events) == 6
    for email, response in results:
        event = events[response.json()["event_id"]]
        assert event["user"]["email"] == email
        steps = [c["message"] for c in _crumbs(event) if c.get("category") == "test"]
        assert steps == [f"step {i} of {email}" for i in range(3)]
        [auth] = [c for c in _crumbs(event) if c.get("category") == "auth"]
        assert str(auth["data"]["user_id"]) == event["user"]["id"]
