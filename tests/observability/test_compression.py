"""Envelopes are compressed cheaply, and still arrive whole and decodable."""

import brotli

from tests.support.auth import register_and_login


def test_envelopes_are_brotli_compressed_at_a_low_quality_and_decode(
    client_factory, sentry_server, sentry_inbox
):
    client = client_factory(sentry_dsn=sentry_inbox.dsn, sentry_traces_sample_rate=1.0)

    register_and_login(client)
    [transaction] = [
        t for t in sentry_inbox.transactions() if t["transaction"] == "/api/v1/auth/register"
    ]

    assert transaction["contexts"]["trace"]["op"] == "http.server"
    posted = [request for request, _ in sentry_server.log]
    assert posted and {r.headers.get("Content-Encoding") for r in posted} == {"br"}
    body = posted[-1].get_data()
    raw = brotli.decompress(body)
    # Quality 1 output is larger than quality 4's for the same envelope: the level was applied.
    assert len(body) > len(brotli.compress(raw, quality=4))
