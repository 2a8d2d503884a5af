"""The error responses each route documents, all with the one error body."""

from typing import Any

from app.schemas import ErrorBody

DESCRIPTIONS = {
    400: "The body could not be parsed (malformed JSON, form or multipart)",
    401: "Missing, invalid or expired credentials",
    404: "No such resource for this user (ids out of range included)",
    409: "Conflicts with an existing resource",
    413: "The request body is larger than its limit",
    415: "Not an accepted audio file",
    422: "The request does not validate",
    429: "Too many attempts; see Retry-After",
    500: "Internal error (body carries the Sentry event_id)",
    502: "OpenAI or storage failed (body carries the Sentry event_id)",
    503: "Busy (see Retry-After) or not configured",
    504: "OpenAI or storage timed out (body carries the Sentry event_id)",
}
AI_ERRORS = (502, 503, 504)
STORAGE_ERRORS = (502, 504)
# Any request with a body can be refused for its shape, its size or its content.
BODY_ERRORS = (400, 413, 422)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses."""
    return {
        status: {"model": ErrorBody, "description": DESCRIPTIONS[status]} for status in statuses
    }
