"""Both Sentry request paths: the lean middleware and the SDK's stock Starlette/FastAPI ones."""

from collections.abc import Iterator

import pytest
from sentry_sdk import integrations

STOCK = ("starlette", "fastapi")
# The stock integrations patch Starlette once per process; after that, whether a client uses
# them depends only on the SDK's set of installed integrations.
_patched: set[str] = set()


def stock_request_path_on() -> None:
    """Let the next client use the stock request integrations.

    sentry-sdk sets an integration up once per process and remembers it: one that a client
    disabled (the lean path disables Starlette and FastAPI) is never set up later, and one that
    was set up is active for every later client, disabled or not. A service inits once; a test
    run inits for every test, so the tests put that memory right for the path they want.
    """
    for identifier in STOCK:
        if identifier in _patched:
            integrations._installed_integrations.add(identifier)
        else:
            integrations._processed_integrations.discard(identifier)


def stock_request_path_off() -> None:
    """Later clients leave the stock integrations off again (their patches stay, inactive)."""
    for identifier in STOCK:
        if identifier in integrations._installed_integrations:
            _patched.add(identifier)
            integrations._installed_integrations.discard(identifier)
            integrations._processed_integrations.add(identifier)


@pytest.fixture(params=[True, False], ids=["lean", "stock"])
def lean(request: pytest.FixtureRequest) -> Iterator[bool]:
    """SENTRY_LEAN_ASGI for the test: both request paths, one run each."""
    if request.param:
        yield True
        return
    stock_request_path_on()
    yield False
    stock_request_path_off()
