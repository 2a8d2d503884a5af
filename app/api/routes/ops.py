"""Operations: the health check and the endpoint that proves Sentry receives errors."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.core.config import Settings
from app.core.errors import RateLimited
from app.core.ratelimit import RateLimiter, parse
from app.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, responses={503: {"description": "DB unreachable"}})
def health(request: Request) -> Health | JSONResponse:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "code": "database_unavailable"},
            status_code=503,
        )
    return Health(status="ok", database="ok", version=__version__)


def sentry_debug_router(settings: Settings) -> APIRouter:
    """GET /sentry-debug raises ZeroDivisionError; limited per client so it cannot burn quota."""
    debug_router = APIRouter(tags=["operations"])
    rate = parse(settings.sentry_debug_rate_limit)

    @debug_router.get("/sentry-debug", responses={500: {"description": "Always: the test error"}})
    def sentry_debug(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        limiter: RateLimiter = request.app.state.rate_limiter
        if not limiter.hit(rate, "sentry-debug", client):
            raise RateLimited(
                f"/sentry-debug is limited to {settings.sentry_debug_rate_limit} per client",
                headers={"Retry-After": str(limiter.retry_after(rate, "sentry-debug", client))},
            )
        1 / 0  # noqa: B018 - the point of this endpoint

    return debug_router
