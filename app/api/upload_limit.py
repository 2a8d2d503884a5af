"""A request-body limit for uploads, enforced while the body streams in.

Starlette's multipart parser spools a whole file before our code runs, so the limit has to
sit in front of it. Starlette's own `max_body_size` answers a declared oversize body with a
plain-text 413 that skips our handlers; this one gives the usual JSON error with its code.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Room for the multipart boundaries, part headers and the small form fields.
MULTIPART_OVERHEAD = 64 * 1024


class UploadSizeLimit:
    """413 for a POST to `path` whose body is, or grows, larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, *, path: str, max_bytes: int, limit_text: str) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes
        self.detail = f"The upload is larger than the {limit_text} limit"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            # Refused before a single byte of the body is read.
            response = JSONResponse(
                {"detail": self.detail, "code": "payload_too_large"}, status_code=413
            )
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI re-raises HTTPExceptions from body parsing, so the app's handler
                # answers with the usual JSON body (code payload_too_large).
                raise HTTPException(status_code=413, detail=self.detail)
            return message

        await self.app(scope, limited_receive, send)
