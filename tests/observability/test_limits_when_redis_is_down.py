"""Redis down: users never notice (requests fail open); Sentry gets at most the per-process cap
(the storm cap fails closed)."""

from tests.fakes.sick_sentry import free_port

PER_ISSUE_CAP = 3
CALLS = 8


def test_a_dead_redis_fails_requests_open_and_the_storm_cap_closed(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=0.0,
        sentry_max_events_per_issue_per_minute=PER_ISSUE_CAP,
        sentry_debug_rate_limit="2/minute",
        redis_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )

    responses = [client.get("/sentry-debug") for _ in range(CALLS)]

    # Fail open: the 2/minute limit cannot be counted, so no call is refused, and every 500 is
    # the endpoint's own ZeroDivisionError, never a Redis error.
    assert [r.status_code for r in responses] == [500] * CALLS
    assert all(r.json()["code"] == "internal_error" and r.json()["event_id"] for r in responses)
    events = sentry_inbox.events()
    assert [e["exception"]["values"][-1]["type"] for e in events] == ["ZeroDivisionError"] * 3
