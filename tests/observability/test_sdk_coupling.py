"""A sentry-sdk release that renames or changes a private name never breaks the service.

Each case runs in a new process that changes the installed sentry-sdk (not our code)
before the app is imported, the way a new release would, then serves real requests. The three
processes run once, at the same time, and send to one inbox.
"""

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.core.db import Base
from scripts.fakes.forked import run_python
from tests.support.fakes import local_http_server
from tests.support.sentry_inbox import SentryInbox
from tests.support.settings import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import json, logging, sys
{sdk_change}
from fastapi.testclient import TestClient
from app.core.config import load_settings
from app.main import create_app

class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)

records = []
logging.getLogger().addHandler(Keep())
settings = load_settings(
    _env_file=None, secret_key={secret!r}, database_url={database_url!r}, sentry_dsn={dsn!r},
    sentry_traces_sample_rate=0.5, sentry_debug_rate_limit="100/minute",
)
with TestClient(create_app(settings), raise_server_exceptions=False) as client:
    answers = [client.get(path).status_code for path in ["/health", "/api/v1/users/me"] * 3]
    failed = client.get("/sentry-debug")
    import sentry_sdk
    sentry_sdk.flush(timeout=5)
    integrations = sorted(sentry_sdk.get_client().integrations)
print(json.dumps({{
    "answers": answers,
    "failed": [failed.status_code, failed.json().get("event_id")],
    "integrations": integrations,
    "warnings": [r.getMessage() for r in records if r.levelno == logging.WARNING
                 and r.name.startswith("app.")],
}}))
"""
REMOVED = "import sentry_sdk.integrations._asgi_common as c; del c._get_request_data"
CHANGED = (
    "import sentry_sdk.tracing_utils as t\n"
    "t.PropagationContext._sample_rand = lambda self, changed: None"
)


CHANGES = {"all-present": "", "removed": REMOVED, "changed": CHANGED}


def _serve(sdk_change: str, dsn: str, tmp_path: Path) -> dict:
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    script = SERVE.format(
        sdk_change=sdk_change, secret=TEST_SECRET_KEY, database_url=database_url, dsn=dsn
    )
    result = run_python(["-c", script], cwd=ROOT, env=dict(os.environ))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def inbox() -> Iterator[SentryInbox]:
    for server in local_http_server():
        yield SentryInbox(server)


@pytest.fixture(scope="module")
def served(inbox: SentryInbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """What each process answered and logged, by the name of its sdk change."""
    with ThreadPoolExecutor(max_workers=len(CHANGES)) as pool:
        futures = {
            name: pool.submit(_serve, change, inbox.dsn, tmp_path_factory.mktemp(name))
            for name, change in CHANGES.items()
        }
        return {name: future.result() for name, future in futures.items()}


def _assert_answers_and_reports(served: dict, sentry_inbox: SentryInbox) -> None:
    assert served["answers"] == [200, 401] * 3
    status, event_id = served["failed"]
    assert status == 500
    assert sentry_inbox.event(event_id)["exception"]["values"][-1]["type"] == "ZeroDivisionError"


def test_a_removed_private_name_falls_back_to_the_stock_integrations(served, inbox):
    removed = served["removed"]

    _assert_answers_and_reports(removed, inbox)
    assert {"starlette", "fastapi"} <= set(removed["integrations"])
    (warning,) = [w for w in removed["warnings"] if "sentry-sdk" in w]
    assert "sentry_sdk.integrations._asgi_common._get_request_data" in warning
    assert "stock Starlette/FastAPI integrations" in warning


def test_a_changed_private_signature_never_turns_a_request_into_a_500(served, inbox):
    changed = served["changed"]

    _assert_answers_and_reports(changed, inbox)
    assert (
        len([w for w in changed["warnings"] if "set-up failed" in w]) == 1
    )  # once, not per request


@pytest.mark.parametrize(("name", "warnings"), [("all-present", 0), ("removed", 1)])
def test_start_up_warns_only_when_something_is_missing(served, inbox, name, warnings):
    _assert_answers_and_reports(served[name], inbox)
    warned = [w for w in served[name]["warnings"] if w.startswith("sentry-sdk ")]
    assert len(warned) == warnings
