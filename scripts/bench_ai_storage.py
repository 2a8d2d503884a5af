#!/usr/bin/env python3
"""What the AI and recording features cost, printed side by side:

1. Chat (POST /api/v1/sessions/{id}/messages against a local fake OpenAI): median latency with
   Sentry off, and with Sentry on at 10 % and 100 % tracing, as ratios to "off".
2. Recordings storage (local folder, and S3 on a moto server in a separate process): time and
   peak Python memory to store and to stream back a 20 MB recording, as a ratio to its size.

    .venv/bin/python scripts/bench_ai_storage.py [--requests 200]

Everything runs on 127.0.0.1; nothing is asserted, the figures are for reading.
"""

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import sentry_sdk  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from app.clients.storage import build_storage  # noqa: E402
from app.core.config import load_settings  # noqa: E402
from app.core.db import Base  # noqa: E402
from app.main import create_app  # noqa: E402
from scripts.fakes.openai_server import FakeOpenAI  # noqa: E402

SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
RECORDING_MB = 20


def chat_medians(requests: int, fake: FakeOpenAI, sentry_dsn: str, workdir: Path) -> dict:
    """Median ms per configuration; rounds alternate the configurations, so that drift on a
    shared machine hits all of them alike."""
    configs = {
        "off": ("", None),
        "on, 10% traced": (sentry_dsn, 0.1),
        "on, 100% traced": (sentry_dsn, 1.0),
    }
    timings: dict[str, list[float]] = {label: [] for label in configs}
    rounds = 3
    for round_ in range(rounds):
        for label, (dsn, rate) in configs.items():
            db_url = f"sqlite:///{workdir / f'chat-{round_}-{rate}.db'}"
            Base.metadata.create_all(create_engine(db_url))
            settings = load_settings(
                _env_file=None,
                database_url=db_url,
                secret_key=SECRET_KEY,
                sentry_dsn=dsn,
                sentry_traces_sample_rate=rate,
                openai_api_key="sk-bench",
                openai_base_url=fake.base_url,
                openai_max_retries=0,
                log_level="WARNING",
            )
            timings[label] += _chat_timings(settings, requests // rounds)
            sentry_sdk.flush(5)
            sentry_sdk.get_client().close()
            sentry_sdk.get_global_scope().set_client(None)
    return {label: statistics.median(values) * 1000 for label, values in timings.items()}


def _chat_timings(settings, requests: int) -> list[float]:
    timings = []
    with TestClient(create_app(settings)) as client:
        headers = _login(client)
        for i in range(requests + 10):
            # A fresh session every 20 messages keeps the history (and the prompt) bounded.
            if i % 20 == 0:
                session_id = client.post(
                    "/api/v1/sessions", json={"title": "b"}, headers=headers
                ).json()["id"]
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/sessions/{session_id}/messages",
                json={"content": "How is my pacing?"},
                headers=headers,
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
    return timings[10:]  # the first requests warm up connections and caches


def _login(client: TestClient) -> dict[str, str]:
    body = {"email": "b@example.com", "password": "correct-horse-battery", "name": "B"}
    client.post("/api/v1/auth/register", json=body)
    tokens = client.post("/api/v1/auth/login", json=body).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def storage_figures(storage, data: bytes) -> tuple[float, float, float, float]:
    """Seconds and peak traced MB to save, then to stream back, one recording."""
    tracemalloc.start()
    started = time.perf_counter()
    storage.save("bench/recording", io.BytesIO(data), size=len(data), content_type="audio/wav")
    save_s = time.perf_counter() - started
    save_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    started = time.perf_counter()
    received = sum(len(chunk) for chunk in storage.open("bench/recording").chunks)
    open_s = time.perf_counter() - started
    open_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert received == len(data)
    return save_s, save_peak / 2**20, open_s, open_peak / 2**20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_storage(endpoint: str):
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="bench-recordings")
    settings = load_settings(
        _env_file=None,
        secret_key=SECRET_KEY,
        s3_bucket="bench-recordings",
        s3_endpoint_url=endpoint,
        aws_region="us-east-1",
    )
    return build_storage(settings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    sentry_sink = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    sentry_sink.expect_request("/api/1/envelope/").respond_with_data("{}")
    openai_server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    port = _free_port()
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sentry_sink.start()
    openai_server.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            fake = FakeOpenAI(openai_server)
            dsn = f"http://public@127.0.0.1:{sentry_sink.port}/1"
            medians = chat_medians(args.requests, fake, dsn, Path(workdir))
            print(f"\nChat round trip, median of {args.requests} (fake OpenAI on 127.0.0.1)")
            print(f"{'Sentry':<18}{'median ms':>10}{'ratio':>8}")
            for label, median in medians.items():
                print(f"{label:<18}{median:>10.2f}{median / medians['off']:>8.2f}")
            data = os.urandom(RECORDING_MB * 2**20)
            time.sleep(1.5)  # moto_server start-up
            backends = {
                "local": build_storage(
                    load_settings(
                        _env_file=None, secret_key=SECRET_KEY, local_storage_dir=Path(workdir) / "r"
                    )
                ),
                "s3 (moto)": s3_storage(f"http://127.0.0.1:{port}"),
            }
            print(f"\nOne {RECORDING_MB} MB recording: time, and peak Python memory / size")
            print(f"{'backend':<12}{'save s':>8}{'save mem':>10}{'stream s':>10}{'stream mem':>12}")
            for name, storage in backends.items():
                save_s, save_mb, open_s, open_mb = storage_figures(storage, data)
                print(
                    f"{name:<12}{save_s:>8.3f}{save_mb / RECORDING_MB:>10.3f}"
                    f"{open_s:>10.3f}{open_mb / RECORDING_MB:>12.3f}"
                )
    finally:
        moto.terminate()
        moto.wait(10)
        sentry_sink.stop()
        openai_server.stop()


if __name__ == "__main__":
    main()
