"""Failures of OpenAI and S3: one Sentry event each, and an honest error for the client.

The event carries the user (from the request scope), tags `service` and `operation`, and the
upstream status code and request id in extra; the client's 502/504 carries its event id.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.core import sentry
from app.core.errors import UpstreamError, UpstreamTimeout


class InvalidAIResponse(Exception):
    """OpenAI answered 200 but not with what we asked for (empty reply, JSON off the schema)."""

    status_code = 200

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


def openai_failure(exc: Exception, *, operation: str, model: str) -> UpstreamError:
    """Report a failed OpenAI call; return the error to raise to the client."""
    import openai  # loaded with the client (app.clients.openai_client)

    extra = {
        "upstream_status_code": getattr(exc, "status_code", None),
        "upstream_request_id": getattr(exc, "request_id", None),
        "upstream_error": type(exc).__name__,
        "model": model,
    }
    event_id = sentry.capture_exception(
        exc, tags={"service": "openai", "operation": operation}, extra=extra
    )
    if isinstance(exc, openai.APITimeoutError):
        return UpstreamTimeout("The AI service did not answer in time", event_id=event_id)
    return UpstreamError("The AI service failed; please try again later", event_id=event_id)


@contextmanager
def s3_call(operation: str) -> Iterator[None]:
    """Turn an S3 failure inside the block into one Sentry event and a 502/504."""
    try:
        yield
    except _s3_errors() as exc:
        raise s3_failure(exc, operation=operation) from exc


def _s3_errors() -> tuple[type[Exception], ...]:
    """botocore's error types, or none when it was never imported: then no S3 call was made
    (S3_BUCKET unset), and botocore stays unloaded (app.clients.storage)."""
    exceptions = sys.modules.get("botocore.exceptions")
    return (exceptions.BotoCoreError, exceptions.ClientError) if exceptions else ()


def s3_failure(exc: Exception, *, operation: str) -> UpstreamError:
    """Report a failed S3 call; return the error to raise to the client."""
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    response = getattr(exc, "response", None) or {}
    metadata = response.get("ResponseMetadata", {})
    extra = {
        "upstream_status_code": metadata.get("HTTPStatusCode"),
        "upstream_request_id": metadata.get("RequestId"),
        "upstream_error": response.get("Error", {}).get("Code") or type(exc).__name__,
    }
    event_id = sentry.capture_exception(
        exc, tags={"service": "s3", "operation": operation}, extra=extra
    )
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return UpstreamTimeout("The storage service did not answer in time", event_id=event_id)
    return UpstreamError("The storage service failed; please try again later", event_id=event_id)
