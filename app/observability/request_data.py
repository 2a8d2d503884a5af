"""Request data for Sentry events, gathered lazily: nothing is built unless an event is sent.

The stock Starlette integration reads and parses every request's body, cookies and form up
front, whether or not anything is ever reported. Here a request only keeps a bounded copy of
the body chunks it was going to read anyway; the event processor turns them into the
`request` part of an event when, and only when, the SDK sends one.
"""

import json
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs

from sentry_sdk.utils import AnnotatedValue, capture_internal_exceptions

from app.observability import _sdk_private as sdk

# The ASGI scope of the request being served, for hooks that run before an event exists (the
# storm cap decides from the exception and the route template alone).
_asgi_scope: ContextVar[dict[str, Any] | None] = ContextVar("genai_coach_asgi_scope", default=None)

# Methods whose body may explain an error; GET and HEAD bodies are not worth a wrapper.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# sentry-sdk's max_request_body_size levels, in bytes ("always" has no bound of ours either,
# but we still cap it so a huge upload cannot pin memory until the request ends).
BODY_LIMITS = {"small": 10**3, "medium": 10**4, "always": 10**6}


def body_limit(options: dict[str, Any]) -> int:
    """How many body bytes this client may attach to an event; 0 means none."""
    collection = options.get("data_collection")
    if collection and "incoming_request" not in collection.get("http_bodies", ()):
        return 0
    return BODY_LIMITS.get(options.get("max_request_body_size", "medium"), 0)


class BodyTap:
    """Wraps `receive` to keep at most `limit` bytes of the body the app reads."""

    __slots__ = ("chunks", "limit", "receive", "size")

    def __init__(self, receive: Any, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    async def __call__(self) -> dict[str, Any]:
        message = await self.receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size <= self.limit:
                self.chunks.append(chunk)
            elif self.chunks:
                self.chunks.clear()  # over the limit: it will be reported as removed
        return message

    @property
    def over_limit(self) -> bool:
        return self.size > self.limit


class RequestProcessor:
    """Event processor on the request's isolation scope: adds request data at send time."""

    __slots__ = ("asgi_scope", "tap")

    def __init__(self, asgi_scope: dict[str, Any], tap: BodyTap | None) -> None:
        self.asgi_scope = asgi_scope
        self.tap = tap

    def __call__(self, event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        with capture_internal_exceptions():
            request = event.get("request") or {}
            request.update(sdk.request_data(self.asgi_scope))
            if event.get("type") != "transaction":
                self._add_error_details(event, request)
            event["request"] = request
        return event

    def _add_error_details(self, event: dict[str, Any], request: dict[str, Any]) -> None:
        # Routing has happened by the time anything fails in a handler, so an error is named
        # after the route template even when no transaction was sampled for the request.
        path = route_template(self.asgi_scope)
        if path:
            event["transaction"] = path
            event["transaction_info"] = {"source": "route"}
        if self.tap is not None and self.tap.size:
            data = self._body(request.get("headers") or {})
            if data is not None:
                request["data"] = data

    def _body(self, headers: dict[str, str]) -> Any:
        tap = self.tap
        if tap.over_limit:
            return AnnotatedValue.removed_because_over_size_limit()
        raw = b"".join(tap.chunks)
        content_type = _header(headers, "content-type").split(";", 1)[0].strip().lower()
        if content_type == "application/json" or content_type.endswith("+json"):
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(raw.decode("latin-1"), keep_blank_values=True)
            return {key: values[0] if len(values) == 1 else values for key, values in form.items()}
        return AnnotatedValue.removed_because_raw_data()


def serving(asgi_scope: dict[str, Any]) -> Any:
    """Note the request being served; returns the token that `done_serving` takes."""
    return _asgi_scope.set(asgi_scope)


def done_serving(token: Any) -> None:
    _asgi_scope.reset(token)


def in_request() -> bool:
    """Whether a request is being served in this context (its isolation scope is its own)."""
    return _asgi_scope.get() is not None


def current_route() -> str | None:
    """The route template of the request being served, once routed; None outside a request."""
    asgi_scope = _asgi_scope.get()
    return route_template(asgi_scope) if asgi_scope is not None else None


def route_template(asgi_scope: dict[str, Any]) -> str | None:
    """The matched route's full template, e.g. `/api/v1/sessions/{session_id}`, once routed."""
    # FastAPI 0.16x keeps the route of an included router relative (`/sessions/{id}`) and puts
    # the full template in scope["fastapi"]["effective_route_context"]; older versions have it
    # on scope["route"].
    fastapi_scope = asgi_scope.get("fastapi")
    context = fastapi_scope.get("effective_route_context") if fastapi_scope else None
    route = context or asgi_scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None)


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""
