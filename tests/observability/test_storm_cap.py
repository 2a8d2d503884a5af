"""The storm cap: the same failure over and over sends a few events and logs the rest."""

import logging

from fastapi import FastAPI


def _storm_app(app: FastAPI) -> None:
    @app.get("/storm/a")
    def storm_a() -> None:
        raise ValueError("the same failure again")

    @app.get("/storm/b")
    def storm_b() -> None:
        raise KeyError("another failure")


def test_an_error_storm_is_capped_per_issue_and_ids_stay_in_the_logs(
    client_factory, sentry_inbox, caplog
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    _storm_app(client.app)

    with caplog.at_level(logging.INFO, logger="app.observability.storm_cap"):
        ids = [client.get("/storm/a").json()["event_id"] for _ in range(300)]
        other = client.get("/storm/b").json()["event_id"]

    events = sentry_inbox.events()
    sent = [e["event_id"] for e in events if e["exception"]["values"][-1]["type"] == "ValueError"]
    assert sent == ids[:10]
    assert other in {e["event_id"] for e in events}
    assert all(ids) and len(set(ids)) == 300
    dropped = [r.getMessage() for r in caplog.records if "dropped by storm cap" in r.getMessage()]
    assert len(dropped) == 290 and ids[-1] in dropped[-1]
    summaries = [r for r in caplog.records if r.getMessage().startswith("Sentry storm cap:")]
    assert len(summaries) == 1 and summaries[0].levelno == logging.WARNING


def test_the_overall_cap_holds_across_issues(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=0.0,
        sentry_max_events_per_issue_per_minute=3,
        sentry_max_events_per_minute=4,
    )
    _storm_app(client.app)

    for _ in range(5):
        client.get("/storm/a")
        client.get("/storm/b")

    types = sorted(e["exception"]["values"][-1]["type"] for e in sentry_inbox.events())
    assert types == ["KeyError", "KeyError", "ValueError", "ValueError"]
