"""Request-body limits, enforced while the body streams in, before anything reads it whole.

Starlette buffers a JSON body and spools a multipart file before our code runs, so the limit
has to sit in front of them. Each body gets the limit of its kind: a recording upload (a
multipart POST to an upload path) up to MAX_UPLOAD_MB, any other form (the OAuth2 token form)
a few KB, and everything else, JSON above all, MAX_JSON_BODY_KB. Starlette's own
`max_body_size` answers with a plain-text 413 that skips our handlers; this one gives the
usual JSON error with its code.
"""

from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Room for the multipart boundaries, part headers and the small form fields of an upload.
MULTIPART_OVERHEAD = 64 * 1024
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    text: str  # "25 MB", for the error message


@dataclass(frozen=True)
class BodyLimits:
    upload_paths: frozenset[str]
    upload: Limit
    form: Limit
    other: Limit

    def for_request(self, scope: Scope, content_type: str) -> Limit:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type == "multipart/form-data" and scope["path"] in self.upload_paths:
            return self.upload
        return self.form if media_type in FORM_TYPES else self.other


class BodyLimit:
    """413 for a request whose body is, or grows, larger than its kind allows."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limits.for_request(scope, headers.get("content-type", ""))
        detail = f"The request body is larger than the {limit.text} limit"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit.max_bytes:
            # Refused before a single byte of the body is read.
            response = JSONResponse({"detail": detail, "code": "payload_too_large"}, 413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit.max_bytes:
                # FastAPI re-raises HTTPExceptions from body parsing, so the app's handler
                # answers with the usual JSON body (code payload_too_large).
                raise HTTPException(status_code=413, detail=detail)
            return message

        await self.app(scope, limited_receive, send)
