"""Benchmark: what scrubbing and the storm cap cost. Prints medians side by side.

    .venv/bin/python scripts/bench_privacy.py

1. The scrubber on a realistic error event (request with body and headers, 25 frames of locals,
   30 breadcrumbs), compared with the SDK's own serialization of the same event.
2. A failing request under a storm: Sentry off, Sentry on with the cap dropping every event,
   and Sentry on with no cap (every event built, scrubbed and sent to a local endpoint).
"""

import copy
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import threading

import sentry_sdk
from fastapi.testclient import TestClient
from sentry_sdk.serializer import serialize
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from app.core.config import load_settings
from app.main import create_app
from app.observability.scrubbing import Scrubber

SECRET_KEY = "benchmark-secret-key-long-enough-0123456789"


def _event() -> dict:
    frame_vars = {
        "user": "<User 1>",
        "body": "LoginRequest(email='a@b.c', password=SecretStr('**'))",
        "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "count": 3,
        "items": [{"id": i, "note": f"item {i}"} for i in range(5)],
    }
    frames = [
        {"filename": f"app/m{i}.py", "function": "f", "lineno": i, "vars": dict(frame_vars),
         "context_line": "    x = y", "pre_context": ["a"] * 5}
        for i in range(25)
    ]  # fmt: skip
    return {
        "event_id": "0" * 32, "level": "error", "transaction": "/api/v1/sessions",
        "request": {"url": "http://x/api/v1/sessions", "query_string": "page=2&token=abc",
                    "headers": {"authorization": "Bearer abcdefghijk", "user-agent": "ua"},
                    "data": {"title": "t", "password": "p", "nested": {"a": [1, 2, 3]}}},
        "exception": {"values": [{"type": "ValueError", "value": "bad password=x",
                                  "stacktrace": {"frames": frames}}]},
        "breadcrumbs": {"values": [{"category": "httpx", "message": f"GET /x?sig=abc{i}",
                                    "data": {"url": "http://x"}} for i in range(30)]},
    }  # fmt: skip


def _median_us(fn, runs: int = 200) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _transaction() -> dict:
    query = "SELECT users.id, users.email FROM users WHERE id = %(id_{})s"
    spans = [
        {"op": "db", "description": query.format(i), "tags": {},
         "data": {"db.system": "postgresql", "thread.id": "140000"}}
        for i in range(100)
    ]  # fmt: skip
    request = {"url": "http://x/api/v1/sessions", "headers": {"user-agent": "ua"}}
    return {"type": "transaction", "transaction": "/x", "spans": spans, "request": request}


def bench_scrubber() -> None:
    scrubber, event, transaction = Scrubber(), _event(), _transaction()
    scrub_tx = _median_us(lambda: scrubber.scrub_event(transaction))
    ser_tx = _median_us(lambda: serialize(copy.deepcopy(transaction)))
    print(
        f"scrub a 100-span transaction {scrub_tx:5.0f} us"
        f"   (SDK serialize of it: {ser_tx:.0f} us, ratio {scrub_tx / ser_tx:.2f})"
    )
    scrub = _median_us(lambda: scrubber.scrub_event(event))
    ser = _median_us(lambda: serialize(copy.deepcopy(event)))
    print(f"scrub one error event        {scrub:5.0f} us   (SDK serialize of it: {ser:.0f} us,"
          f" ratio {scrub / ser:.2f})")  # fmt: skip


def _local_sentry() -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, lambda env, start: Response("{}")(env, start))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://public@127.0.0.1:{server.server_port}/1", server


def _storm_request_ms(db: str, **values: object) -> float:
    app = create_app(load_settings(_env_file=None, database_url=db, secret_key=SECRET_KEY,
                                   log_level="CRITICAL", **values))  # fmt: skip

    @app.get("/storm")
    def storm() -> None:
        raise ValueError("the same failure")

    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(20):
            client.get("/storm")
        median = _median_us(lambda: client.get("/storm"), runs=150) / 1000
    sentry_sdk.flush(timeout=5)
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)
    return median


def bench_storm() -> None:
    dsn, server = _local_sentry()
    db = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    off = _storm_request_ms(db)
    capped = _storm_request_ms(db, sentry_dsn=dsn, sentry_traces_sample_rate=0.0,
                               sentry_max_events_per_issue_per_minute=1)  # fmt: skip
    uncapped = _storm_request_ms(db, sentry_dsn=dsn, sentry_traces_sample_rate=0.0,
                                 sentry_max_events_per_issue_per_minute=0,
                                 sentry_max_events_per_minute=0)  # fmt: skip
    print(f"failing request, Sentry off        {off:6.2f} ms")
    print(f"failing request, dropped by cap    {capped:6.2f} ms   ratio {capped / off:.1f}x")
    print(f"failing request, sent (no cap)     {uncapped:6.2f} ms   ratio {uncapped / off:.1f}x")
    server.shutdown()


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)
    bench_scrubber()
    bench_storm()
