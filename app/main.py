"""The application: settings -> Sentry -> FastAPI -> error handlers -> routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from app import __version__
from app.api.errors import install_error_handlers
from app.api.routes import auth, ops, recordings, sessions, users
from app.api.server_errors import keep_connection_after_500
from app.api.upload_limit import MULTIPART_OVERHEAD, UploadSizeLimit
from app.clients.openai_client import build_ai_client
from app.clients.storage import build_storage
from app.core import sentry
from app.core.config import ConfigError, Settings, load_settings
from app.core.db import create_db_engine, session_factory
from app.core.logging import configure_logging
from app.core.ratelimit import RateLimiter
from app.core.ratelimit import announce as announce_rate_limits
from app.core.security import Passwords

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

    app = FastAPI(title="GenAI Coach API", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.ai_client = ai_client
    app.state.storage = build_storage(settings)
    app.state.rate_limiter = RateLimiter.from_settings(settings)  # fails open
    announce_rate_limits(settings)
    app.state.passwords = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    app.add_middleware(
        UploadSizeLimit,
        path=f"{API_PREFIX}/recordings",
        max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD,
        limit_text=f"{settings.max_upload_mb} MB",
    )
    install_error_handlers(app, send_validation_errors=settings.sentry_send_validation_errors)
    sentry.instrument_app(app, settings)
    keep_connection_after_500(app)  # outermost

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, sessions, recordings):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(ops.router)
    if settings.sentry_debug_endpoint:
        app.include_router(ops.sentry_debug_router(settings))
    return app


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
