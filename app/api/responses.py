"""The error responses each route documents, all with the one error body."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

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
SCHEMAS = "#/components/schemas/{model}"


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses."""
    return {status: error_response(DESCRIPTIONS[status]) for status in statuses}


def error_response(description: str) -> dict[str, Any]:
    """One documented error response, pointing at the ErrorBody schema.

    A reference, not `"model": ErrorBody`: for each route and status naming a model, FastAPI
    builds a pydantic field that only the document uses, 77 of them, which made up a third of
    each app's start-up (10 ms). `document_error_body` puts the schema in the document once.
    """
    schema = {"$ref": SCHEMAS.format(model=ErrorBody.__name__)}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_error_body(app: FastAPI) -> None:
    """Add ErrorBody, and the schemas it refers to, to the components of `app`'s document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = generate()["components"]["schemas"] | _error_body_schemas()
            app.openapi_schema["components"]["schemas"] = dict(sorted(schemas.items()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _error_body_schemas() -> dict[str, Any]:
    """ErrorBody's schemas as FastAPI renders them: from a document of one route returning it."""
    route = APIRoute("/", _no_endpoint, response_model=ErrorBody)
    return get_openapi(title="ErrorBody", version="1", routes=[route])["components"]["schemas"]


def _no_endpoint() -> None:
    """Never called: the route exists only to be documented."""
