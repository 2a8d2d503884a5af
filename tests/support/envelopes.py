"""Small readers for what the SDK sent: transactions by route, spans by op."""

import json
from typing import Any

from tests.support.sentry_inbox import SentryInbox


def transaction(inbox: SentryInbox, name: str) -> dict[str, Any]:
    """The one transaction recorded for the route `name` (e.g. "/api/v1/recordings")."""
    found = [t for t in inbox.transactions() if t.get("transaction") == name]
    assert len(found) == 1, [t.get("transaction") for t in inbox.transactions()]
    return found[0]


def spans(transaction_event: dict[str, Any], op: str) -> list[dict[str, Any]]:
    return [span for span in transaction_event.get("spans", []) if span.get("op") == op]


def crumbs(event: dict[str, Any], category: str) -> list[dict[str, Any]]:
    values = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in values if crumb.get("category") == category]


def gen_ai_spans(inbox: SentryInbox) -> list[dict[str, Any]]:
    """The spans sentry-sdk sends apart from their transaction (ops `gen_ai.*`, span v2)."""
    inbox.transactions()  # flushes
    batches = [
        json.loads(item.payload.get_bytes())
        for envelope in list(inbox.envelopes)
        for item in envelope.items
        if item.type == "span"  # the inbox's parser leaves these as bytes
    ]
    return [span for batch in batches for span in batch.get("items", [])]


def attribute(span: dict[str, Any], key: str) -> Any:
    value = span.get("attributes", {}).get(key)
    return value.get("value") if isinstance(value, dict) else value
