"""Typed application errors with machine-readable codes, and the handlers that render them.

Every error body is `{"detail": ..., "code": ...}`. A 500 also carries the Sentry `event_id`.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import sentry

logger = logging.getLogger(__name__)

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    502: "upstream_error",
    503: "service_unavailable",
    504: "upstream_timeout",
}


class AppError(Exception):
    """An error the client caused or should know about; never sent to Sentry by itself."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class NotFound(AppError):
    status_code, code = 404, "not_found"


class Conflict(AppError):
    status_code, code = 409, "conflict"


class RateLimited(AppError):
    status_code, code = 429, "rate_limited"


class NotAuthenticated(AppError):
    status_code, code = 401, "not_authenticated"

    def __init__(self, detail: str = "Could not validate credentials") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("Incorrect email or password")


class PayloadTooLarge(AppError):
    status_code, code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code, code = 415, "unsupported_media_type"


class AINotConfigured(AppError):
    status_code, code = 503, "ai_not_configured"

    def __init__(self) -> None:
        super().__init__("The AI coach is not configured: set OPENAI_API_KEY to enable it")


class UpstreamError(AppError):
    """OpenAI or S3 failed; the failure was sent to Sentry and the client gets its event id."""

    status_code, code = 502, "upstream_error"

    def __init__(self, detail: str, *, event_id: str | None = None) -> None:
        super().__init__(detail)
        self.event_id = event_id


class UpstreamTimeout(UpstreamError):
    status_code, code = 504, "upstream_timeout"


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
    code = _CODES_BY_STATUS.get(exc.status_code, "http_error")
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
    event_id = sentry.capture_exception(exc, handled=False)
    logger.error(
        "Unhandled %s on %s %s (event_id=%s)",
        type(exc).__name__,
        request.method,
        request.url.path,
        event_id,
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
