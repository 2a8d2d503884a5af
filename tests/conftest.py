"""Fixtures: a real database, the app built from explicit settings, and a local Sentry.

Fixtures shared by many modules are registered here through `pytest_plugins`; test modules
never import fixtures.
"""

import gc
import os
from collections.abc import Callable, Iterator

import pytest

# Before the helpers are imported, so that their asserts explain themselves as tests' do.
pytest.register_assert_rewrite("tests.support")

import sentry_sdk  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from tests.support.fakes import local_http_server  # noqa: E402
from tests.support.sentry_inbox import SentryInbox  # noqa: E402
from tests.support.settings import make_settings  # noqa: E402

pytest_plugins = [
    "tests.support.database",
    "tests.support.paths",
    "tests.support.fakes",
    "tests.support.redis",
    "tests.support.refuse_commit",
]

# What the app, sentry-sdk, openai and boto3 read from the environment. A developer's shell must
# not turn Sentry on in a "Sentry off" test, point a test at a real database, or lend it real
# credentials.
APP_VARIABLE_PREFIXES = ("SENTRY_", "RAILWAY_", "OPENAI_", "AWS_", "S3_", "ARGON2_")
APP_VARIABLES = {name.upper() for name in Settings.model_fields} | {"DATABASE_URL", "REDIS_URL"}


def is_app_variable(name: str) -> bool:
    upper = name.upper()  # pydantic-settings matches names whatever their case
    return upper.startswith(APP_VARIABLE_PREFIXES) or upper in APP_VARIABLES


# The suite builds hundreds of apps, each a burst of short-lived pydantic and FastAPI objects;
# at the default threshold (700) the collector ran 2,500 times per worker, 3.1 s of its 33 s.
# At 50,000 it runs 28 times, 0.9 s. Tests' processes only: the app keeps Python's defaults.
gc.set_threshold(50_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Take what collection loaded (the app, sentry-sdk, hypothesis, schemathesis) out of the
    garbage collector's sight: each full collection scanned it all again, 0.3 s at a time. On
    two workers, time in the collector went from 9.8 to 7.4 s."""
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run starts without the app's variables, before any fixture of any scope: a test that
    needs one sets it with `monkeypatch.setenv`, which puts things back after it.

    It also trusts no certificate authority: every fake is plain HTTP on 127.0.0.1, and an empty
    trust store spares each HTTP client the suite builds (the app's OpenAI client in every app
    with AI settings, the tests' own) loading the machine's, 30 ms of CPU each time."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in [name for name in os.environ if is_app_variable(name)]:
            monkeypatch.delenv(name)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path_factory.mktemp("no-certificate-authority")))
        yield


@pytest.fixture(scope="session")
def sentry_server() -> Iterator[HTTPServer]:
    yield from local_http_server()


@pytest.fixture
def sentry_inbox(sentry_server: HTTPServer) -> Iterator[SentryInbox]:
    sentry_server.clear()
    inbox = SentryInbox(sentry_server)
    yield inbox
    inbox.clear()


@pytest.fixture(autouse=True)
def _sentry_off_after_test() -> Iterator[None]:
    """sentry_sdk.init is process-global: close the client a test started, so none leaks on."""
    yield
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    sentry_sdk.get_isolation_scope().clear()
    sentry_sdk.get_current_scope().clear()


@pytest.fixture
def settings_factory(database_url: str) -> Callable[..., Settings]:
    return lambda **values: make_settings(**{"database_url": database_url, **values})


@pytest.fixture
def app_factory(settings_factory: Callable[..., Settings]) -> Callable[..., FastAPI]:
    return lambda **values: create_app(settings_factory(**values))


@pytest.fixture
def client_factory(app_factory: Callable[..., FastAPI]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def build(**values: object) -> TestClient:
        client = TestClient(app_factory(**values), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_factory: Callable[..., TestClient]) -> TestClient:
    """The app on its embedded defaults: Sentry off."""
    return client_factory()


@pytest.fixture
def sentry_client(
    client_factory: Callable[..., TestClient], sentry_inbox: SentryInbox
) -> TestClient:
    """The app with Sentry on, sending to the local inbox, every request traced, no storm cap
    (tests that need every event; the cap has its own tests in observability/test_storm_cap.py).
    """
    return client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_max_events_per_issue_per_minute=0,
        sentry_max_events_per_minute=0,
    )
