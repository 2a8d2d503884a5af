"""Each refused login leaves an `auth` breadcrumb, seen on the next event of the request."""

import pytest
import sentry_sdk

from app.core.errors import InvalidCredentials, RateLimited
from app.core.ratelimit import RateLimiter
from app.core.sentry import capture_message, init_sentry
from app.services.login_throttle import LoginThrottle
from tests.support.envelopes import crumbs
from tests.support.settings import make_settings


def test_a_refusal_leaves_an_auth_breadcrumb_naming_the_limit(sentry_inbox):
    init_sentry(make_settings(sentry_dsn=sentry_inbox.dsn))
    throttle = LoginThrottle(RateLimiter(), per_account=1, per_address=100, window_minutes=15)
    with sentry_sdk.isolation_scope():
        failing = throttle.attempt(email="ada@example.com", address="10.0.0.1")
        with pytest.raises(InvalidCredentials), failing:
            raise InvalidCredentials()
        refused = throttle.attempt(email="Ada@Example.com", address="10.0.0.2")
        with pytest.raises(RateLimited), refused:
            pass
        event_id = capture_message("after the refusal")

    event = sentry_inbox.event(event_id)
    [crumb] = [c for c in crumbs(event, "auth") if c["message"] == "Login throttled"]
    assert crumb["data"] == {"limit": "account"}
