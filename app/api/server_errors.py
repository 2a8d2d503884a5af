"""A 500 that leaves the connection usable.

Starlette's ServerErrorMiddleware sends the 500 from our handler and then re-raises the
exception, so that servers and test clients see it. uvicorn answers that by logging its own
traceback (~80 lines, a duplicate of what the handler already reported and logged) and closing
the keep-alive connection, so the client's next request on it fails. Once the response is
complete, the exception has nothing left to say: this outermost wrapper ends it there.
"""

from typing import Any


def keep_connection_after_500(app: Any) -> None:
    """Wrap the app's whole middleware stack (call after every other wrapper is installed)."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: EndAfterResponse(build())


class EndAfterResponse:
    """Swallows an exception raised after its response was completely sent."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        completed = False

        async def send_noting_the_end(message: dict[str, Any]) -> None:
            nonlocal completed
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                completed = True

        try:
            await self.app(scope, receive, send_noting_the_end)
        except Exception:
            if not completed:
                raise  # no response yet: the server must answer (and log) it
