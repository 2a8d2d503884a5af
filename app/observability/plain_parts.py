"""A sampled transaction's plain parts handed to sentry-sdk's serializer already in JSON form.

The SDK serializes every event before sending it (`serialize()` in `_prepare_event`): a walk
of the whole event that tracks its path, guards against cycles, checks each node for
annotations, databag limits and custom reprs, and strips each string. For a transaction that
walk cost ~75 lines of Python per node, about 90 nodes for a one-query request: more than the
request itself (docs/performance.md). Nearly all of it is plain data: span dicts of strings,
numbers and datetimes, contexts, the SDK's own info.

`PlainParts`, the last event processor of a traced request (on its current scope), turns each
such part into a `PlainDict` or `PlainList`: the same JSON the serializer would produce, built
in one cheap pass. Both carry `__sentry_repr__`, sentry-sdk's hook for objects that give their
own representation, so the serializer takes them as they are. Anything the serializer would
treat specially (an `AnnotatedValue`, a string over `max_value_length`, a value that needs a
repr, a non-finite float, a non-string key, deep nesting, recorded AI messages) leaves its
whole part to the serializer, unchanged, and so do the databags it trims to a breadth and a
depth (`extra`, `breadcrumbs`, a request body). before_send_transaction (scrubbing, budgets)
then sees the same event as before.
"""

import contextlib
import math
from datetime import datetime
from typing import Any

from sentry_sdk.consts import SPANDATA
from sentry_sdk.serializer import global_repr_processors

from app.observability import _sdk_private as sdk

# Deeper than any part of a transaction we build; beyond it (or a cycle) the SDK takes over.
MAX_DEPTH = 12
_GEN_AI_MESSAGES = SPANDATA.GEN_AI_REQUEST_MESSAGES
# Parts the serializer treats as databags: trimmed to MAX_DATABAG_BREADTH and _DEPTH, the cut
# annotated in `_meta` (a request body is `request.data`).
_DATABAGS = frozenset({"extra", "breadcrumbs"})


class PlainDict(dict):
    """A dict already in its JSON form; sentry-sdk's serializer takes it as it is."""

    __slots__ = ()

    def __sentry_repr__(self) -> "PlainDict":
        return self


class PlainList(list):
    """A list already in its JSON form; sentry-sdk's serializer takes it as it is."""

    __slots__ = ()

    def __sentry_repr__(self) -> "PlainList":
        return self


class _NotPlain(Exception):
    """The part holds something the SDK's serializer must handle itself."""


class PlainParts:
    """Event processor: a transaction's plain parts in JSON form, the rest left as it is."""

    __slots__ = ("client", "max_length")

    def __init__(self, client: Any) -> None:
        self.client = client
        self.max_length = client.options.get("max_value_length")

    def __call__(self, event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        if event.get("type") != "transaction":
            return event
        for key, value in event.items():
            kind = type(value)
            if kind is not dict and kind is not list:
                continue  # a string or a timestamp: one node to the serializer either way
            if key in _DATABAGS or (key == "request" and "data" in value):
                continue
            if key == "spans" and global_repr_processors:
                continue  # the serializer offers span data to these (add_global_repr_processor)
            try:
                if key == "spans":
                    event[key] = PlainList(self._span(span) for span in value)
                elif kind is dict:
                    event[key] = PlainDict(self._plain(value, 0, self.max_length))
                else:
                    event[key] = PlainList(self._plain(value, 0, self.max_length))
            except _NotPlain:
                pass  # the serializer handles this part, as it always did
        if event.get("sdk") is None:
            info = sdk.sdk_info(self.client)  # what _prepare_event would add
            if info is not None:
                with contextlib.suppress(_NotPlain):  # else _prepare_event adds it
                    event["sdk"] = PlainDict(self._plain(info, 0, self.max_length))
        return event

    def _span(self, span: Any) -> dict[str, Any]:
        if type(span) is not dict:
            raise _NotPlain
        data = span.get("data")
        if type(data) is dict and _GEN_AI_MESSAGES in data:
            raise _NotPlain  # _prepare_event annotates these after the processors
        plain = {}
        for key, value in span.items():
            if type(key) is not str:
                raise _NotPlain
            if key == "description" and isinstance(value, str):
                plain[key] = value  # span descriptions are never stripped
            else:
                plain[key] = self._plain(value, 2, self.max_length)
        return plain

    def _plain(self, value: Any, depth: int, max_length: int | None) -> Any:
        kind = type(value)
        if kind is str:
            if max_length is not None and len(value) * 4 > max_length:
                # Over the limit in UTF-8 bytes? The serializer strips and annotates it.
                try:
                    if len(value.encode("utf-8")) > max_length:
                        raise _NotPlain
                except UnicodeEncodeError:
                    raise _NotPlain from None
            return value
        if value is None or kind is bool or kind is int:
            return value
        if kind is float:
            if math.isfinite(value):
                return value
            raise _NotPlain
        if kind is datetime:
            return sdk.format_timestamp(value)
        if depth >= MAX_DEPTH:
            raise _NotPlain
        if kind is dict:
            plain = {}
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotPlain
                # Short strings and None inline: most values, without a call each.
                if item is None or (
                    type(item) is str and (max_length is None or len(item) * 4 <= max_length)
                ):
                    plain[key] = item
                else:
                    plain[key] = self._plain(item, depth + 1, max_length)
            return plain
        if kind is list or kind is tuple:
            return [self._plain(item, depth + 1, max_length) for item in value]
        if isinstance(value, str):  # a str enum (TransactionSource): kept, as the serializer does
            self._plain(str(value), depth, max_length)
            return value
        raise _NotPlain
