"""Operations: the health check and the endpoint that proves Sentry receives errors."""

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.api.deps import client_address
from app.api.responses import errors
from app.core.config import Settings
from app.core.errors import RateLimited
from app.core.ratelimit import RateLimiter, parse
from app.schemas import Health, HealthUnavailable

router = APIRouter(tags=["operations"])


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": HealthUnavailable, "description": "The database is unreachable"}},
)
async def health(request: Request) -> Health | JSONResponse:
    try:
        # Its own threads (app.state.health_threads): a flood that fills the shared pool, such
        # as logins waiting for a hash slot, must not fail the platform's health check.
        await anyio.to_thread.run_sync(
            _ping, request.app.state.engine, limiter=request.app.state.health_threads
        )
    except SQLAlchemyError:
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "unreachable",
                "detail": "The database is unreachable",
                "code": "database_unavailable",
            },
            status_code=503,
        )
    return Health(status="ok", database="ok", version=__version__)


def sentry_debug_router(settings: Settings) -> APIRouter:
    """GET /sentry-debug raises ZeroDivisionError; limited per client so it cannot burn quota."""
    debug_router = APIRouter(tags=["operations"])
    rate = parse(settings.sentry_debug_rate_limit)

    # Documented as what it answers: never 200, always the test error or the rate limit.
    @debug_router.get(
        "/sentry-debug",
        status_code=500,
        response_class=JSONResponse,
        responses=errors(500, 429),
    )
    def sentry_debug(request: Request) -> None:
        client = client_address(request)
        limiter: RateLimiter = request.app.state.rate_limiter
        if not limiter.hit(rate, "sentry-debug", client):
            raise RateLimited(
                f"/sentry-debug is limited to {settings.sentry_debug_rate_limit} per client",
                headers={"Retry-After": str(limiter.retry_after(rate, "sentry-debug", client))},
            )
        1 / 0  # noqa: B018 - the point of this endpoint

    return debug_router
