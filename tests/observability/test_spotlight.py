"""Spotlight as the local viewer, with our scrubbing and sampling kept."""

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope

from app.core.config import ConfigError
from scripts.fakes.sick_sentry import SickSentry


def _sidecar_items(sidecar: SickSentry, item_type: str) -> list[dict]:
    sentry_sdk.flush(timeout=2)
    return [
        item.payload.json
        for body in sidecar.bodies()
        for item in Envelope.deserialize(body).items
        if item.type == item_type and item.payload.json is not None
    ]


def test_spotlight_without_a_dsn_gets_events_with_our_scrubbing_and_sampling(client_factory):
    sidecar = SickSentry("healthy")  # stands in for the sidecar's /stream
    try:
        client = client_factory(
            sentry_spotlight=f"{sidecar.url}/stream",
            sentry_traces_sample_rate=0.0,
            sentry_debug_rate_limit="1000/minute",
        )
        response = client.get(
            "/sentry-debug?token=abc", headers={"Authorization": "Bearer secret-jwt-value"}
        )

        assert response.status_code == 500
        [event] = _sidecar_items(sidecar, "event")
        assert event["event_id"] == response.json()["event_id"]
        # The SDK turns on PII and samples 100 % when there is no DSN; ours win.
        assert sentry_sdk.get_client().should_send_default_pii() is False
        assert _sidecar_items(sidecar, "transaction") == []
        # before_send still scrubs: the request's token and Authorization header are filtered.
        request = event["request"]
        assert request["query_string"] == "token=[Filtered]"
        assert request["headers"].get("Authorization", "[Filtered]") == "[Filtered]"
        assert b"token=abc" not in b"\n".join(sidecar.bodies())
    finally:
        sidecar.stop()


def test_spotlight_flag_means_the_default_sidecar(settings_factory):
    with pytest.raises(ConfigError, match="SENTRY_SPOTLIGHT"):
        settings_factory(sentry_spotlight="maybe")
    assert settings_factory(sentry_spotlight="1").spotlight_url == "http://localhost:8969/stream"
    assert settings_factory(sentry_spotlight="false").spotlight_url is None
    assert settings_factory(sentry_spotlight="false").sentry_enabled is False
