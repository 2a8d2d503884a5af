"""Security headers on every response, the 500s of Starlette's error middleware included.

Browsers must not sniff a download into HTML, frame the API, or leak its URLs in Referer;
API answers (tokens above all) are per user and never cached; HSTS outside development,
where the service is only reached over HTTPS.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=63072000; includeSubDomains"


class SecurityHeaders:
    """Adds the headers to each response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, no_store_prefix: str, hsts: bool) -> None:
        self.app = app
        self.no_store_prefix = no_store_prefix
        self.headers = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
        }
        if hsts:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith(self.no_store_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
