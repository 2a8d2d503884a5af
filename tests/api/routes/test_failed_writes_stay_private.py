"""A failed database write keeps the user's text out of Sentry and out of the logs."""

import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.fakes import fixtures
from tests.fakes.openai_server import REPLY
from tests.support import paths
from tests.support.auth import register_and_login

lean = paths.lean  # the fixture: every test here runs on both request paths
ai_settings, fake_openai, openai_server = (
    fixtures.ai_settings,
    fixtures.fake_openai,
    fixtures.openai_server,
)
PROMPT_MARKER = "PROMPT-MARKER-quarterly-numbers-7f3a"
PASSWORD = "correct-horse-battery"


class BrokenSchema:
    """Breaks writes to a table the way a full disk would; undoes it after."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self.undo: list[str] = []

    def fail_inserts(self, table: str) -> None:
        """Every INSERT into `table` fails with an OperationalError (not a constraint)."""
        name = f"fail_{table}_{uuid.uuid4().hex[:8]}"
        if self.sqlite:  # a fresh file per test: nothing to undo
            self._run(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                      "BEGIN SELECT 1 FROM disk_is_full; END")  # fmt: skip
            return
        self._run(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full' USING ERRCODE = '53100'; END $$"
        )
        self._run(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                  f"FOR EACH ROW EXECUTE FUNCTION {name}()")  # fmt: skip
        self.undo += [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]

    def _run(self, statement: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(statement))

    def restore(self) -> None:
        for statement in self.undo:
            self._run(statement)
        self.engine.dispose()


@pytest.fixture
def broken_schema(database_url: str) -> Iterator[BrokenSchema]:
    schema = BrokenSchema(database_url)
    yield schema
    schema.restore()


def test_a_database_failure_during_chat_sends_and_logs_no_prompt(
    client_factory, ai_settings, sentry_inbox, broken_schema, caplog, lean
):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_lean_asgi=lean,
        sentry_max_events_per_issue_per_minute=0,
        **ai_settings,
    )
    headers = register_and_login(client)
    session_id = client.post("/api/v1/sessions", json={"title": "t"}, headers=headers).json()["id"]
    broken_schema.fail_inserts("messages")

    with caplog.at_level(logging.DEBUG):
        response = client.post(
            f"/api/v1/sessions/{session_id}/messages",
            json={"content": f"My speech: {PROMPT_MARKER}"},
            headers=headers,
        )

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert "[SQL parameters hidden" in event["exception"]["values"][-1]["value"]
    raw = sentry_inbox.all_bytes()
    assert PROMPT_MARKER.encode() not in raw and REPLY.encode() not in raw
    assert PROMPT_MARKER not in caplog.text and REPLY not in caplog.text


def test_a_failed_register_logs_and_sends_no_password_hash(
    client_factory, sentry_inbox, broken_schema, caplog, lean
):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn, sentry_lean_asgi=lean, sentry_traces_sample_rate=1.0
    )
    broken_schema.fail_inserts("users")

    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/auth/register",
            json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"},
        )

    assert response.status_code == 500
    event = sentry_inbox.event(response.json()["event_id"])
    assert "[SQL parameters hidden" in event["exception"]["values"][-1]["value"]
    raw = sentry_inbox.all_bytes()
    at = raw.find(b"$argon2")
    assert at < 0, raw[at - 400 : at + 60]
    assert PASSWORD.encode() not in raw
    assert "$argon2" not in caplog.text and PASSWORD not in caplog.text


def _add_failing_ai_route(app) -> None:
    from pydantic import BaseModel

    from app.api.deps import AIClientDep

    class Body(BaseModel):
        content: str

    @app.post("/privacy-test/ai-failure")
    def ai_failure(body: Body, ai: AIClientDep) -> None:
        raise ValueError(f"could not parse {body.content!r}")


@pytest.mark.parametrize("send_prompts", [False, True], ids=["prompts-private", "prompts-sent"])
def test_exception_values_on_ai_routes_lose_the_request_text_unless_prompts_are_sent(
    client_factory, ai_settings, sentry_inbox, lean, send_prompts
):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_lean_asgi=lean,
        sentry_send_ai_prompts=send_prompts,
        **ai_settings,
    )
    _add_failing_ai_route(client.app)

    response = client.post("/privacy-test/ai-failure", json={"content": PROMPT_MARKER})

    value = sentry_inbox.event(response.json()["event_id"])["exception"]["values"][-1]["value"]
    assert value.startswith("could not parse")
    assert (PROMPT_MARKER in value) is send_prompts
