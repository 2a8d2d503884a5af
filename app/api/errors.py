"""The exception handlers that turn errors into responses.

Every error body is `{"detail": ..., "code": ...}`. A 500 also carries the Sentry `event_id`.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import sentry
from app.core.errors import CODES_BY_STATUS, AppError

logger = logging.getLogger(__name__)


async def report(exc: BaseException, *, handled: bool = True) -> str | None:
    """Send the exception to Sentry from a worker thread; returns the event id.

    Building the event (frames, local variables, source lines, scrubbing) takes ~10 ms of CPU;
    on the event loop it would stall every other request for that long. The thread runs in a
    copy of the request's context, so the event still gets the request's scope, user and route.
    """
    return await run_in_threadpool(sentry.capture_exception, exc, handled=handled)


def error_response(
    status_code: int, detail: object, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status_code, headers=headers)


async def app_error_handler(request: Request, exc: AppError) -> JSONResponse:
    body = {"detail": exc.detail, "code": exc.code}
    if event_id := getattr(exc, "event_id", None):
        body["event_id"] = event_id  # upstream failures: the id of the event we sent
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = CODES_BY_STATUS.get(exc.status_code, "http_error")
    if exc.status_code >= 500:
        # A deliberate 5xx is still a server failure; sentry-sdk's Starlette integration
        # reported these, and the lean request path leaves that to this handler.
        await report(exc)
    return error_response(exc.status_code, exc.detail, code, getattr(exc, "headers", None))


def validation_error_handler(send_to_sentry: bool):
    async def handler(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]  # no "input": it would echo passwords back
        if send_to_sentry:
            sentry.capture_message(
                f"Validation error on {request.method} {request.url.path}",
                level="warning",
                extra={"errors": errors},
            )
        return error_response(422, errors, "validation_error")

    return handler


async def unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The last resort: report the error and give the client the id to quote."""
    event_id = await report(exc, handled=False)
    logger.error(
        "Unhandled %s on %s %s (event_id=%s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        event_id,
        extra={sentry.RECORD_EVENT_ID: event_id},  # reported already: no second event
    )
    return JSONResponse(
        {"detail": "Internal Server Error", "code": "internal_error", "event_id": event_id},
        status_code=500,
    )


def install_error_handlers(app: FastAPI, *, send_validation_errors: bool) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(
        RequestValidationError, validation_error_handler(send_validation_errors)
    )
    app.add_exception_handler(Exception, unhandled_error_handler)
