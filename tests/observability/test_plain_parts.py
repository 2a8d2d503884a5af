"""A transaction's plain parts: what sentry-sdk's serializer makes of the event never changes.

The property: for any transaction-shaped event, serializing it after `PlainParts` gives exactly
what serializing it untouched gives (the `_meta` annotations included). The app-level proof,
that traced requests still arrive whole at a real endpoint, is in test_asgi.py.
"""

import copy
import json
import math
from datetime import UTC, datetime

import pytest
import sentry_sdk
from hypothesis import given, settings
from hypothesis import strategies as st
from sentry_sdk.serializer import add_global_repr_processor, global_repr_processors, serialize
from sentry_sdk.tracing import TransactionSource
from sentry_sdk.utils import AnnotatedValue

from app.observability.plain_parts import PlainDict, PlainList, PlainParts

MAX_VALUE_LENGTH = 64


class _Client:
    """The two things PlainParts reads from a client: options and integration names."""

    options = {"max_value_length": MAX_VALUE_LENGTH}
    integrations = {"genai_coach": None, "sqlalchemy": None}


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def _serialized(event: dict) -> str:
    out = serialize(event, max_value_length=MAX_VALUE_LENGTH)
    return json.dumps(out, sort_keys=True, default=repr)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.text(min_size=MAX_VALUE_LENGTH - 2, max_size=MAX_VALUE_LENGTH + 2),  # at the limit
    st.text(alphabet="é€", min_size=15, max_size=40),  # under the limit in characters only
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from([TransactionSource.ROUTE, AnnotatedValue.removed_because_raw_data()]),
    st.builds(_Opaque),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
    ),
    max_leaves=20,
)
spans = st.lists(
    st.fixed_dictionaries(
        {"span_id": st.text(max_size=16), "description": st.text(max_size=200)},
        optional={"data": st.dictionaries(st.text(max_size=8), values, max_size=3)},
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    contexts=st.dictionaries(st.text(max_size=8), values, max_size=3),
    spans=spans,
    extra=values,
)
def test_the_serializer_makes_the_same_of_an_event_with_its_parts_made_plain(
    contexts, spans, extra
):
    event = {
        "type": "transaction",
        "transaction": "/api/v1/users/me",
        "transaction_info": {"source": TransactionSource.ROUTE},
        "timestamp": datetime(2026, 12, 7, tzinfo=UTC),
        "contexts": contexts,
        "spans": spans,
        "tags": {"extra": extra},
        "measurements": [extra],
        "extra": {"value": extra},
        "request": {"url": "http://testserver/", "data": extra},
    }
    untouched = copy.deepcopy(event)
    untouched["sdk"] = sentry_sdk.client.SDK_INFO | {"integrations": sorted(_Client.integrations)}

    made_plain = PlainParts(_Client())(event, {})

    assert _serialized(made_plain) == _serialized(untouched)


def test_plain_data_is_handed_over_and_the_rest_left_to_the_serializer():
    long_text = "x" * (MAX_VALUE_LENGTH + 1)
    event = {
        "type": "transaction",
        "contexts": {"trace": {"op": "http.server", "started": datetime(2026, 1, 1, tzinfo=UTC)}},
        "spans": [{"description": long_text, "data": {"db.system": "sqlite"}}],
        "tags": {"note": long_text},  # stripped and annotated by the serializer
        "measurements": {"ratio": math.inf},  # repr'd by the serializer
        "user": {"id": "7", "extra": _Opaque()},
    }

    made_plain = PlainParts(_Client())(event, {})

    assert type(made_plain["contexts"]) is PlainDict
    assert made_plain["contexts"]["trace"]["started"] == "2026-01-01T00:00:00.000000Z"
    assert type(made_plain["spans"]) is PlainList
    assert made_plain["spans"][0]["description"] == long_text  # span descriptions are whole
    assert type(made_plain["sdk"]) is PlainDict
    for left in ("tags", "measurements", "user"):
        assert type(made_plain[left]) is dict, left


def test_databags_are_left_to_the_serializer_which_trims_them():
    wide = {f"key{n}": n for n in range(15)}  # wider than the SDK's databag breadth (10)
    event = {
        "type": "transaction",
        "extra": dict(wide),
        "request": {"url": "http://testserver/", "data": dict(wide)},
        "breadcrumbs": {"values": [{"data": dict(wide)}]},
        "contexts": {"wide": dict(wide)},  # not a databag: whole
    }
    untouched = copy.deepcopy(event)
    untouched["sdk"] = sentry_sdk.client.SDK_INFO | {"integrations": sorted(_Client.integrations)}

    made_plain = PlainParts(_Client())(event, {})

    assert _serialized(made_plain) == _serialized(untouched)
    meta = serialize(made_plain, max_value_length=MAX_VALUE_LENGTH)["_meta"]
    assert meta["extra"] == {"": {"len": 15}}
    assert meta["request"]["data"] == {"": {"len": 15}}
    assert type(made_plain["contexts"]) is PlainDict


@pytest.mark.parametrize("kind", ["error", "default"])
def test_only_transactions_are_touched(kind):
    event = {"type": kind, "contexts": {"trace": {"op": "x"}}}
    if kind == "default":
        del event["type"]

    made_plain = PlainParts(_Client())(event, {})

    assert type(made_plain["contexts"]) is dict
    assert "sdk" not in made_plain


def test_recorded_ai_messages_leave_the_spans_to_the_sdk():
    event = {
        "type": "transaction",
        "spans": [{"data": {"gen_ai.request.messages": [{"role": "user", "content": "hi"}]}}],
    }

    made_plain = PlainParts(_Client())(event, {})

    assert type(made_plain["spans"]) is list  # _prepare_event annotates them after us


def test_span_data_goes_to_the_serializer_while_a_repr_processor_is_registered():
    def processor(value: object, hint: dict) -> object:
        return NotImplemented

    add_global_repr_processor(processor)
    try:
        made_plain = PlainParts(_Client())({"type": "transaction", "spans": [{"data": {}}]}, {})
    finally:
        global_repr_processors.remove(processor)

    assert type(made_plain["spans"]) is list
