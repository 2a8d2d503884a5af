"""Why the transport lost an event, in the words docs/operations.md uses."""

import logging

import pytest
import sentry_sdk

from tests.fakes.sick_sentry import SickSentry


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("unauthorized", "send_error"), ("error500", "send_error"), ("refused", "network_error")],
)
def test_an_http_error_answer_is_a_send_error_and_no_answer_a_network_error(
    client_factory, caplog, mode, reason
):
    sentry = SickSentry(mode)
    try:
        client = client_factory(sentry_dsn=sentry.dsn, sentry_traces_sample_rate=0.0)
        with caplog.at_level(logging.WARNING, logger="app.observability.transport"):
            assert client.get("/sentry-debug").status_code == 500
            sentry_sdk.flush(timeout=5)

        lost = sentry_sdk.get_client().transport.drop_summary()
        assert lost.get(f"{reason}/error") == 1, lost
        assert f"Sentry is not taking events ({reason})" in caplog.text
    finally:
        sentry.stop()
