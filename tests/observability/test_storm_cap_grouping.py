"""The storm cap groups by real issue: distinct failures are never dropped for one another."""

from tests.conftest import drop_session_tables
from tests.support import paths
from tests.support.auth import register_and_login

lean = paths.lean  # the fixture: every test here runs on both request paths


def _capped_client(client_factory, sentry_inbox, lean: bool):
    return client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=0.0,
        sentry_lean_asgi=lean,
        sentry_max_events_per_issue_per_minute=3,
        sentry_max_events_per_minute=0,
    )


def test_two_database_failures_on_two_routes_both_arrive_while_one_is_capped(
    client_factory, sentry_inbox, database_url, lean
):
    client = _capped_client(client_factory, sentry_inbox, lean)
    headers = register_and_login(client)
    drop_session_tables(database_url)

    sessions = [client.get("/api/v1/sessions", headers=headers) for _ in range(6)]
    recording = client.get("/api/v1/recordings/1", headers=headers)

    assert [r.status_code for r in sessions] == [500] * 6 and recording.status_code == 500
    arrived = {e["event_id"] for e in sentry_inbox.events()}
    assert [r.json()["event_id"] in arrived for r in sessions] == [True] * 3 + [False] * 3
    assert recording.json()["event_id"] in arrived


def test_the_same_failure_raised_from_two_lines_is_one_issue(client_factory, sentry_inbox, lean):
    client = _capped_client(client_factory, sentry_inbox, lean)

    @client.app.get("/storm-test/{flip}")
    def two_lines(flip: int) -> None:
        if flip % 2:
            raise ValueError("odd")
        raise ValueError("even")  # another line, same function: still the same issue

    statuses = [client.get(f"/storm-test/{i}").status_code for i in range(6)]

    assert statuses == [500] * 6
    assert len(sentry_inbox.events()) == 3


def test_a_custom_fingerprint_decides_the_bucket(client_factory, sentry_inbox, lean):
    import sentry_sdk

    client = _capped_client(client_factory, sentry_inbox, lean)

    @client.app.get("/storm-test/tenant/{tenant}")
    def per_tenant(tenant: str) -> None:
        sentry_sdk.get_isolation_scope().fingerprint = ["tenant-failure", tenant]
        raise RuntimeError("tenant down")

    for _ in range(4):
        client.get("/storm-test/tenant/a")
    client.get("/storm-test/tenant/b")

    fingerprints = [tuple(e["fingerprint"]) for e in sentry_inbox.events()]
    assert sorted(fingerprints) == [("tenant-failure", "a")] * 3 + [("tenant-failure", "b")]
