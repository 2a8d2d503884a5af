"""A sentry-sdk release that renames or changes a private name never breaks the service.

Each case runs in a fresh interpreter that changes the installed sentry-sdk (not our code)
before the app is imported, the way a new release would, then serves real requests.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET_KEY

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
REMOVED = "import sentry_sdk.tracing_utils as t; del t._generate_sample_rand"
CHANGED = (
    "import sentry_sdk.tracing_utils as t\n"
    "t.PropagationContext._sample_rand = lambda self, changed: None"
)


def _serve(sdk_change: str, dsn: str, tmp_path: Path) -> dict:
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    from sqlalchemy import create_engine

    from app.core.db import Base

    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    script = SERVE.format(
        sdk_change=sdk_change, secret=TEST_SECRET_KEY, database_url=database_url, dsn=dsn
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_answers_and_reports(served: dict, sentry_inbox) -> None:
    assert served["answers"] == [200, 401] * 3
    status, event_id = served["failed"]
    assert status == 500
    assert sentry_inbox.event(event_id)["exception"]["values"][-1]["type"] == "ZeroDivisionError"


def test_a_removed_private_name_falls_back_to_the_stock_integrations(sentry_inbox, tmp_path):
    served = _serve(REMOVED, sentry_inbox.dsn, tmp_path)

    _assert_answers_and_reports(served, sentry_inbox)
    assert {"starlette", "fastapi"} <= set(served["integrations"])
    (warning,) = [w for w in served["warnings"] if "sentry-sdk" in w]
    assert "sentry_sdk.tracing_utils._generate_sample_rand" in warning
    assert "stock Starlette/FastAPI integrations" in warning


def test_a_changed_private_signature_never_turns_a_request_into_a_500(sentry_inbox, tmp_path):
    served = _serve(CHANGED, sentry_inbox.dsn, tmp_path)

    _assert_answers_and_reports(served, sentry_inbox)
    assert (
        len([w for w in served["warnings"] if "set-up failed" in w]) == 1
    )  # once, not per request


@pytest.mark.parametrize("sdk_change", ["", REMOVED], ids=["all-present", "one-removed"])
def test_start_up_warns_only_when_something_is_missing(sentry_inbox, tmp_path, sdk_change):
    served = _serve(sdk_change, sentry_inbox.dsn, tmp_path)

    warned = [w for w in served["warnings"] if w.startswith("sentry-sdk ")]
    assert len(warned) == (1 if sdk_change else 0)
