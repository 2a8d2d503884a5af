"""Fixtures for the external services: a fake OpenAI and moto's S3 server, on 127.0.0.1 only.

Registered for every test through `pytest_plugins` in tests/conftest.py; test modules import
only the constants. The fakes themselves live in scripts/fakes/, which the benchmarks share.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from scripts.fakes.openai_server import FakeOpenAI

FAKE_OPENAI_KEY = "sk-fake-openai-key-0123456789abcdef"
FAKE_AWS_KEY_ID = "AKIAFAKEKEYID0000000"
FAKE_AWS_SECRET = "fake-aws-secret-9876543210zyxwvu"
OPENAI_TIMEOUT = 0.5


class QuickStopHTTPServer(HTTPServer):
    """pytest-httpserver's server, whose stop() returns at once: its loop polled every 0.5 s,
    and each stop waited for the next poll."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.02)


def local_http_server() -> Iterator[HTTPServer]:
    """A threaded HTTP server on a free loopback port, for fakes of external services."""
    server = QuickStopHTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    """The server behind pytest-httpserver's `httpserver` fixture: ours, quick to stop."""
    yield from local_http_server()


@pytest.fixture(scope="session")
def openai_server() -> Iterator[HTTPServer]:
    yield from local_http_server()


@pytest.fixture
def fake_openai(openai_server: HTTPServer) -> Iterator[FakeOpenAI]:
    openai_server.clear()
    yield FakeOpenAI(openai_server)
    openai_server.clear()


@pytest.fixture
def ai_settings(fake_openai: FakeOpenAI, tmp_path: Path) -> dict[str, Any]:
    """Settings for an app whose OpenAI is the fake: short timeout, no retries."""
    return {
        "openai_api_key": FAKE_OPENAI_KEY,
        "openai_base_url": fake_openai.base_url,
        "openai_timeout_seconds": OPENAI_TIMEOUT,
        "openai_max_retries": 0,
        "local_storage_dir": tmp_path / "recordings",
    }


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # moto and boto3 are imported when a test first needs S3, not when this module loads: they
    # took 0.3 s of every pytest process's start-up, xdist's controller included.
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Settings for S3 storage in a fresh bucket on moto; credentials through boto3's chain."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_AWS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_AWS_SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"recordings-{uuid.uuid4().hex[:12]}"
    s3_client(moto_endpoint).create_bucket(Bucket=bucket)
    return {"s3_bucket": bucket, "s3_endpoint_url": moto_endpoint, "aws_region": "us-east-1"}


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
