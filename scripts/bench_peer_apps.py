"""The peers of scripts/bench_peers.py: what each installs, where it sends, how it instruments.

Each peer instruments the same app (Sentry off), traces 10 % of requests, sends to its own local
sink on 127.0.0.1, and has every remote-config, telemetry and cloud-metadata call turned off.
`instrument` runs in the peer's worker process, inside the peer's own virtualenv.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SERVICE = "genai-coach"
RATE = 0.1
# opentelemetry-instrumentation-sqlalchemy 0.66b declares SQLAlchemy < 2.1 and, with the project's
# 2.1, would log a conflict and instrument nothing; its event listeners work on 2.1, so both
# OpenTelemetry peers skip that check (and the sinks' span counts show the SQL spans arrive).


@dataclass(frozen=True)
class Peer:
    label: str
    packages: tuple[str, ...]  # pip requirements, besides the project itself
    sink: str  # a kind of scripts/bench_sinks.py
    expects: str  # what its sink must have counted for the run to be valid: the request spans
    # (app, sink URL) -> the function that sends everything queued, waiting until it is sent
    instrument: Callable[[Any, str], Callable[[], None]]
    env: Callable[[str], dict[str, str]] = lambda sink: {}
    early: Callable[[], None] | None = None  # before the app's modules are imported


def _otel(app: Any, sink: str) -> Callable[[], None]:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

    resource = Resource.create({"service.name": SERVICE})
    provider = TracerProvider(sampler=TraceIdRatioBased(RATE), resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{sink}/v1/traces")))
    _inside_outermost_wrapper(
        app, lambda: FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    )
    SQLAlchemyInstrumentor().instrument(
        engine=app.state.engine, tracer_provider=provider, skip_dep_check=True
    )
    return provider.force_flush


def _inside_outermost_wrapper(app: Any, instrument: Callable[[], None]) -> None:
    """OpenTelemetry's FastAPI instrumentation (Logfire's too) skips any app whose outermost
    layer is not Starlette's ServerErrorMiddleware, and ours is EndAfterResponse
    (keep_connection_after_500): instrument the plain stack, then wrap it again, as an app
    that adopted OpenTelemetry would have to.
    """
    from app.api.server_errors import keep_connection_after_500

    del app.build_middleware_stack  # Sentry is off, so that wrapper is the only one
    instrument()
    keep_connection_after_500(app)


def _elastic(app: Any, sink: str) -> Callable[[], None]:
    from elasticapm.contrib.starlette import ElasticAPM, make_apm_client

    client = make_apm_client(
        {
            "SERVICE_NAME": SERVICE,
            "SERVER_URL": sink,
            "TRANSACTION_SAMPLE_RATE": RATE,
            "CENTRAL_CONFIG": False,
            "CLOUD_PROVIDER": "none",
        }
    )
    app.add_middleware(ElasticAPM, client=client)
    # The agent's own flush (its AWS Lambda integration calls the same): waits until sent.
    return client._transport.flush


def _ddtrace_env(sink: str) -> dict[str, str]:
    return {
        "DD_SERVICE": SERVICE,
        "DD_ENV": "bench",
        "DD_TRACE_AGENT_URL": sink,
        "DD_DOGSTATSD_URL": "udp://127.0.0.1:8125",
        "DD_TRACE_SAMPLING_RULES": f'[{{"sample_rate": {RATE}}}]',
        "DD_REMOTE_CONFIGURATION_ENABLED": "false",
        "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
        "DD_TRACE_STARTUP_LOGS": "false",
        "DD_CRASHTRACKING_ENABLED": "false",
        "DD_RUNTIME_METRICS_ENABLED": "false",
        "DD_PROFILING_ENABLED": "false",
        "DD_DATA_STREAMS_ENABLED": "false",
    }


def _ddtrace_early() -> None:
    import ddtrace.auto  # noqa: F401 - what `ddtrace-run` does: patch before the app imports


def _ddtrace(app: Any, sink: str) -> Callable[[], None]:
    from ddtrace.trace import tracer

    return tracer.flush


def _logfire(app: Any, sink: str) -> Callable[[], None]:
    import logfire

    # Alternative backends, as Logfire documents them: OTEL_EXPORTER_OTLP_ENDPOINT (set by env)
    # and send_to_logfire=False.
    logfire.configure(
        send_to_logfire=False,
        service_name=SERVICE,
        console=False,
        sampling=logfire.SamplingOptions(head=RATE),
    )
    _inside_outermost_wrapper(app, lambda: logfire.instrument_fastapi(app))
    logfire.instrument_sqlalchemy(engine=app.state.engine, skip_dep_check=True)
    return logfire.force_flush


PEERS: dict[str, Peer] = {
    "otel": Peer(
        label="OpenTelemetry 1.45: FastAPI + SQLAlchemy, OTLP/HTTP, TraceIdRatioBased(0.1)",
        packages=(
            "opentelemetry-sdk==1.45.2",
            "opentelemetry-exporter-otlp-proto-http==1.45.2",
            "opentelemetry-instrumentation-fastapi==0.66b2",
            "opentelemetry-instrumentation-sqlalchemy==0.66b2",
            "greenlet",  # its instrumentor also wraps SQLAlchemy's asyncio engine
        ),
        sink="otlp",
        expects="server spans",
        instrument=_otel,
    ),
    "elastic": Peer(
        label="Elastic APM 6.26: Starlette middleware, TRANSACTION_SAMPLE_RATE=0.1",
        packages=("elastic-apm==6.26.2",),
        sink="elastic",
        expects="transaction",
        instrument=_elastic,
    ),
    "ddtrace": Peer(
        label="Datadog ddtrace 4.16 (ddtrace.auto), sampling rule 0.1",
        packages=("ddtrace==4.16.0", "msgpack"),  # msgpack: for the sink to read the traces
        sink="datadog",
        expects="web spans",
        instrument=_ddtrace,
        env=_ddtrace_env,
        early=_ddtrace_early,
    ),
    "logfire": Peer(
        label="Logfire 5.4: FastAPI + SQLAlchemy, OTLP to a local endpoint, head sampling 0.1",
        packages=("logfire[fastapi,sqlalchemy]==5.4.0", "greenlet"),
        sink="otlp",
        expects="server spans",
        instrument=_logfire,
        env=lambda sink: {"OTEL_EXPORTER_OTLP_ENDPOINT": sink, "LOGFIRE_SEND_TO_LOGFIRE": "false"},
    ),
}
