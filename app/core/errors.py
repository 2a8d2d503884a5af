"""Typed application errors with machine-readable codes.

They import nothing from the app; `app.api.errors` turns them into responses of the shape
`{"detail": ..., "code": ...}`.
"""

CODES_BY_STATUS = {
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


class DeletionIncomplete(AppError):
    """Storage failed while deleting an account's recordings; the account is kept for a retry."""

    status_code, code = 503, "deletion_incomplete"

    def __init__(self, *, event_id: str | None) -> None:
        super().__init__(
            "Some recordings could not be deleted from storage; the account is kept."
            " Try again later to finish deleting it"
        )
        self.event_id = event_id
