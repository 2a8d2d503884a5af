"""Which requests are traced: never the noise, the caller's decision when there is one, and
per-route rates."""

import pytest

from app.observability.sampling import TracesSampler

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN_ID = "1234567890abcdef"


def _traced_paths(sentry_inbox) -> list[str]:
    return [t["transaction"] for t in sentry_inbox.transactions()]


def test_health_docs_head_and_options_are_never_traced(sentry_client, sentry_inbox):
    for path in ("/health", "/docs", "/redoc", "/openapi.json", "/favicon.ico"):
        sentry_client.get(path, headers={"sentry-trace": f"{TRACE_ID}-1000000000000000-1"})
    sentry_client.head("/api/v1/users/me")
    sentry_client.options("/api/v1/auth/login")
    sentry_client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})

    assert _traced_paths(sentry_inbox) == ["/api/v1/auth/login"]


@pytest.mark.parametrize(
    ("flag", "rate", "expected"),
    [("1", 0.0, 1), ("0", 1.0, 0)],
    ids=["caller-sampled-local-off", "caller-not-sampled-local-on"],
)
def test_an_incoming_sampling_decision_is_followed_and_its_trace_continued(
    client_factory, sentry_inbox, flag, rate, expected
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=rate)
    sampled = "true" if flag == "1" else "false"
    trace_headers = {
        "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN_ID}-{flag}",
        "baggage": f"sentry-trace_id={TRACE_ID},sentry-sample_rate=1.0,sentry-sampled={sampled}",
    }

    assert client.get("/api/v1/users/me", headers=trace_headers).status_code == 401

    transactions = sentry_inbox.transactions()
    assert len(transactions) == expected
    for transaction in transactions:
        trace = transaction["contexts"]["trace"]
        assert (trace["trace_id"], trace["parent_span_id"]) == (TRACE_ID, PARENT_SPAN_ID)
        assert transaction["transaction"] == "/api/v1/users/me"


def test_per_route_rates_longest_prefix_wins(client_factory, sentry_inbox):
    client = client_factory(
        sentry_dsn=sentry_inbox.dsn,
        sentry_traces_sample_rate=1.0,
        sentry_traces_sample_rates='{"/api/v1/auth": 0, "/api/v1/auth/login": 1.0}',
    )
    for _ in range(5):
        client.post("/api/v1/auth/register", json={"email": "nope"})
    client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"})
    client.get("/api/v1/users/me")

    assert sorted(_traced_paths(sentry_inbox)) == ["/api/v1/auth/login", "/api/v1/users/me"]


def test_sampler_rules():
    sampler = TracesSampler(0.25, {"/api/v1/auth": 0.0, "/api/v1/auth/login": 1.0, "/api": 0.5})

    def rate(path, method="GET", parent=None):
        return sampler({"asgi_scope": {"path": path, "method": method}, "parent_sampled": parent})

    assert rate("/health", parent=True) == 0.0
    assert rate("/openapi.json") == rate("/docs") == rate("/redoc") == rate("/favicon.ico") == 0
    assert rate("/api/v1/sessions", method="HEAD") == rate("/x", method="OPTIONS") == 0.0
    assert rate("/api/v1/auth/register", parent=True) == 1.0
    assert rate("/api/v1/sessions", parent=False) == 0.0
    assert rate("/api/v1/auth/login") == 1.0
    assert rate("/api/v1/auth/register") == 0.0
    assert rate("/api/v1/sessions") == 0.5
    assert rate("/other") == 0.25
    assert sampler({}) == 0.25


def test_requests_the_sampler_leaves_out_are_counted_in_a_client_report(
    client_factory, sentry_inbox
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=0.0)
    for _ in range(3):
        client.get("/api/v1/users/me")

    sentry_inbox.transactions()  # flushes: the client report goes with the flush
    discarded = [
        (entry["reason"], entry["category"], entry["quantity"])
        for report in sentry_inbox.items("client_report")
        for entry in report.get("discarded_events", [])
    ]
    assert discarded == [("sample_rate", "transaction", 3)]


def test_a_new_trace_carries_the_dice_it_was_sampled_with(client_factory, sentry_inbox):
    rate = 0.5
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=rate)
    requests = 100
    for _ in range(requests):
        client.get("/api/v1/users/me")

    sentry_inbox.transactions()  # flushes
    traces = [
        envelope.headers["trace"]
        for envelope in sentry_inbox.envelopes
        if any(item.type == "transaction" for item in envelope.items)
    ]
    # Each sampled trace's dynamic sampling context says why it was kept, as Sentry reads it.
    assert traces and all(float(t["sample_rand"]) < rate for t in traces), traces
    assert {(t["sampled"], t["sample_rate"]) for t in traces} == {("true", str(rate))}
    assert len({t["sample_rand"] for t in traces}) == len(traces)  # new dice for each trace
    assert 20 <= len(traces) <= 80  # about half (outside these bounds: odds below 1e-9)
