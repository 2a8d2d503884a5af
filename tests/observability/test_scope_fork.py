"""The request's scopes: our fork copies exactly what sentry-sdk's own copy does, and a
request leaves the caller's scopes as it found them."""

import asyncio

import pytest
import sentry_sdk
from sentry_sdk.scope import Scope

from app.observability import _sdk_private as sdk
from app.observability.asgi import SentryRequestMiddleware


@pytest.fixture
def filled_scope(client_factory, sentry_inbox):
    """A scope with something in every container the SDK's copy duplicates."""
    client_factory(sentry_dsn=sentry_inbox.dsn)  # Sentry on: the scope keeps breadcrumbs
    scope = Scope()
    scope.set_tag("plan", "pro")
    scope.set_context("coach", {"voice": "calm"})
    scope.set_extra("attempt", 2)
    scope.set_level("warning")
    scope.set_user({"id": "7"})
    scope.fingerprint = ["custom"]
    scope.set_transaction_name("/api/v1/users/me", source="route")
    scope.add_breadcrumb({"message": "before", "category": "test"})
    scope.add_event_processor(lambda event, hint: event)
    scope.add_error_processor(lambda event, exc_info: event)
    scope.add_attachment(bytes=b"notes", filename="notes.txt")
    scope.set_attribute("app.tier", "gold")
    scope.flags.set("beta", True)
    assert len(scope._breadcrumbs) == 1
    return scope


def test_the_lean_fork_is_the_one_this_sdk_gets():
    assert sdk.lean_scope_fork
    assert sdk.fork_scope is not None


def test_the_fork_shares_and_copies_exactly_what_the_sdks_own_copy_does(filled_scope):
    ours = sdk.fork_scope(filled_scope)
    theirs = filled_scope.__copy__()

    for name in Scope.__slots__:
        original = getattr(filled_scope, name)
        assert (getattr(ours, name) is original) == (getattr(theirs, name) is original), name
        if name == "_flags":
            assert ours.flags.get() == theirs.flags.get() == filled_scope.flags.get()
        else:
            assert getattr(ours, name) == getattr(theirs, name), name


def test_what_a_fork_records_stays_in_the_fork(filled_scope):
    fork = sdk.fork_scope(filled_scope)
    fork.set_tag("request", "mine")
    fork.add_breadcrumb({"message": "in the request"})
    fork.flags.set("beta", False)
    fork.add_event_processor(lambda event, hint: None)

    assert "request" not in filled_scope._tags
    assert [crumb["message"] for crumb in filled_scope._breadcrumbs] == ["before"]
    assert filled_scope.flags.get() == [{"flag": "beta", "result": True}]
    assert len(filled_scope._event_processors) == 1


def _http_scope() -> dict:
    return {"type": "http", "method": "GET", "path": "/inside", "raw_path": b"/inside",
            "query_string": b"", "headers": [], "scheme": "http", "http_version": "1.1",
            "server": ("testserver", 80), "client": ("127.0.0.1", 1), "root_path": ""}  # fmt: skip


@pytest.mark.parametrize("fails", [False, True], ids=["answers", "raises"])
def test_a_request_works_on_forks_and_leaves_the_callers_scopes_as_they_were(
    client_factory, sentry_inbox, fails
):
    client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)  # Sentry on
    seen = {}

    async def app(scope, receive, send):
        seen["scopes"] = (sentry_sdk.get_current_scope(), sentry_sdk.get_isolation_scope())
        seen["client"] = sentry_sdk.get_current_scope().client
        sentry_sdk.get_current_scope().set_tag("current", "request")
        sentry_sdk.set_tag("isolation", "request")
        if fails:
            raise RuntimeError("failed inside the request")

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    async def serve() -> tuple:
        before = (sentry_sdk.get_current_scope(), sentry_sdk.get_isolation_scope())
        try:
            await SentryRequestMiddleware(app)(_http_scope(), receive, send)
        except RuntimeError:
            assert fails
        return before, (sentry_sdk.get_current_scope(), sentry_sdk.get_isolation_scope())

    before, after = asyncio.run(serve())

    assert after[0] is before[0] and after[1] is before[1]
    assert seen["scopes"][0] is not before[0] and seen["scopes"][1] is not before[1]
    assert seen["client"] is sentry_sdk.get_client()  # found on the first scope looked at
    sentry_sdk.capture_message("after the request")
    after_event = [e for e in sentry_inbox.events() if e.get("message") == "after the request"]
    assert "current" not in after_event[0].get("tags", {})
    assert "isolation" not in after_event[0].get("tags", {})
