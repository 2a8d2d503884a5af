"""A 500 under the real server: the connection stays usable and the log has one line for it."""

from pathlib import Path

import httpx
import pytest

from tests.fakes.served_app import served, sqlite_database


def _local_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


@pytest.mark.parametrize("sentry", ["off", "lean", "stock"], ids=["sentry-off", "lean", "stock"])
def test_a_keep_alive_client_keeps_working_after_a_500(tmp_path: Path, sentry_inbox, sentry: str):
    env = {"DATABASE_URL": sqlite_database(tmp_path / "app"), "LOG_LEVEL": "INFO"}
    if sentry != "off":
        env |= {"SENTRY_DSN": sentry_inbox.dsn, "SENTRY_LEAN_ASGI": str(sentry == "lean")}
    one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with (
        served(env, tmp_path / "app") as (base, _process),
        httpx.Client(base_url=base, timeout=10, limits=one_connection) as client,
    ):
        first = client.get("/health")
        failed = client.get("/sentry-debug")
        after = [client.get("/health") for _ in range(3)]
        ports = {_local_port(r) for r in [first, failed, *after]}
    stderr = (tmp_path / "app" / "stderr.log").read_text()

    assert failed.status_code == 500 and "close" not in failed.headers.get("connection", "")
    assert [r.status_code for r in after] == [200] * 3
    assert len(ports) == 1  # one connection carried them all
    event_id = failed.json()["event_id"]
    lines = [line for line in stderr.splitlines() if "ZeroDivisionError" in line]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr and "Exception in ASGI application" not in stderr
    if sentry != "off":
        assert f"on GET /sentry-debug (event_id={event_id})" in lines[0]
        assert (
            sentry_inbox.event(event_id)["exception"]["values"][-1]["type"] == "ZeroDivisionError"
        )
