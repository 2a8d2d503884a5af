"""The application: settings -> Sentry -> FastAPI -> error handlers -> routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.api.body_limit import MULTIPART_OVERHEAD, BodyLimit, BodyLimits, Limit
from app.api.errors import install_error_handlers
from app.api.responses import document_error_body
from app.api.routes import auth, ops, recordings, sessions, users
from app.api.security_headers import SecurityHeaders
from app.api.server_errors import keep_connection_after_500
from app.clients.openai_client import build_ai_client
from app.clients.storage import build_storage
from app.core import sentry
from app.core.config import ConfigError, Settings, load_settings
from app.core.db import create_db_engine, session_factory
from app.core.logging import configure_logging
from app.core.ratelimit import RateLimiter
from app.core.ratelimit import announce as announce_rate_limits
from app.core.security import Passwords
from app.services.login_throttle import LoginThrottle

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from `settings` (by default, from the environment)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    sentry.init_sentry(settings)
    engine = create_db_engine(settings.database_url)
    ai_client = build_ai_client(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()
        if ai_client is not None:
            ai_client.openai.close()
        sentry.flush(settings.sentry_shutdown_timeout)

    docs = settings.api_docs_enabled
    app = FastAPI(
        title="GenAI Coach API",
        version=__version__,
        lifespan=lifespan,
        # The map of the API is for developers; elsewhere only when API_DOCS=true.
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    document_error_body(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.ai_client = ai_client
    app.state.storage = build_storage(settings)
    app.state.rate_limiter = RateLimiter.from_settings(settings)  # fails open
    announce_rate_limits(settings)
    app.state.health_threads = anyio.CapacityLimiter(2)
    app.state.login_throttle = LoginThrottle(
        app.state.rate_limiter,
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_ip,
        window_minutes=settings.login_failure_window_minutes,
    )
    app.state.passwords = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        concurrency=settings.password_hash_concurrency,
        wait_seconds=settings.password_hash_wait_seconds,
    )
    app.add_middleware(BodyLimit, limits=_body_limits(settings))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            # sentry-trace and baggage: a browser front-end's traces continue into the API.
            allow_headers=["Authorization", "Content-Type", "sentry-trace", "baggage"],
        )
    install_error_handlers(app, send_validation_errors=settings.sentry_send_validation_errors)
    _wrap_starlette_stack(app, settings)
    sentry.instrument_app(app, settings)
    keep_connection_after_500(app)  # outermost

    # Each router straight onto the app: FastAPI then builds their routes when first used.
    # Through an intermediate APIRouter it built them all again for every app (25 ms).
    for module in (auth, users, sessions, recordings):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(ops.router)
    if settings.sentry_debug_endpoint:
        app.include_router(ops.sentry_debug_router(settings))
    return app


def _wrap_starlette_stack(app: FastAPI, settings: Settings) -> None:
    """Middleware outside Starlette's error middleware, so that its 500s pass through them too.

    Outermost, the client address from the proxies in FORWARDED_ALLOW_IPS (and only those),
    for every limit keyed by address; then the security headers.
    """
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        secured = SecurityHeaders(
            build(), no_store_prefix=API_PREFIX, hsts=not settings.is_development
        )
        return ProxyHeadersMiddleware(secured, trusted_hosts=settings.forwarded_allow_ips)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


def _body_limits(settings: Settings) -> BodyLimits:
    upload_bytes = settings.max_upload_bytes + MULTIPART_OVERHEAD
    return BodyLimits(
        upload_paths=frozenset({f"{API_PREFIX}/recordings"}),
        upload=Limit(upload_bytes, f"{settings.max_upload_mb} MB"),
        form=Limit(settings.max_form_body_kb * 1024, f"{settings.max_form_body_kb} KB"),
        other=Limit(settings.max_json_body_kb * 1024, f"{settings.max_json_body_kb} KB"),
    )


def __getattr__(name: str) -> FastAPI:
    # `uvicorn app.main:app` builds the app on first access, not as an import side effect, so
    # importing create_app (tests, scripts) never reads the environment or starts Sentry.
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        application = create_app()
    except ConfigError as exc:
        # A clean one-line message naming the variable, not a traceback.
        raise SystemExit(f"Configuration error: {exc}") from None
    globals()["app"] = application
    return application
