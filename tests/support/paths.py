"""Both Sentry request paths: the lean middleware and the SDK's stock Starlette/FastAPI ones."""

import pytest
from sentry_sdk import integrations


def enable_stock_request_path() -> None:
    """Let the next client set up the stock request integrations.

    sentry-sdk sets an integration up once per process, and marks one that a client disabled
    (the lean path disables Starlette and FastAPI) as processed: a later client would never set
    it up. A service inits once; a test run inits for every test, so this forgets that mark.
    """
    for identifier in ("starlette", "fastapi"):
        if identifier not in integrations._installed_integrations:
            integrations._processed_integrations.discard(identifier)


@pytest.fixture(params=[True, False], ids=["lean", "stock"])
def lean(request: pytest.FixtureRequest) -> bool:
    """SENTRY_LEAN_ASGI for the test: both request paths, one run each."""
    if not request.param:
        enable_stock_request_path()
    return request.param
