"""The guide's performance budgets, marked on the transactions Sentry receives.

API requests p95 < SENTRY_BUDGET_API_MS, DB queries < SENTRY_BUDGET_DB_MS, external calls
(HTTP clients, OpenAI, S3) < SENTRY_BUDGET_EXTERNAL_MS. The check runs once per sampled
transaction, in before_send_transaction, on data the SDK has already measured: nothing is
added to the request path. Over budget means:

- on the span (a query or call): tag `budget.exceeded=db|external`, data `budget.duration_ms`;
- on the transaction (the request): tag `budget.exceeded=api` and tag `budget.duration_ms`;
- on the transaction, one roll-up tag per slow child kind (`budget.db=exceeded`,
  `budget.external=exceeded`), because alerts and saved searches filter transactions by their
  own tags, not by their spans' tags.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

API, DB, EXTERNAL = "api", "db", "external"
TAG = "budget.exceeded"
DURATION = "budget.duration_ms"
# Span ops of external calls: stdlib/httpx/boto3 HTTP ("http.client"), OpenAI ("gen_ai.*"),
# older AI integrations ("ai.*"), and S3 spans made by hand ("s3.*").
EXTERNAL_OPS = ("http.client", "gen_ai", "ai.", "s3")
DB_OPS = ("db",)


@dataclass(frozen=True)
class Budgets:
    api_ms: float
    db_ms: float
    external_ms: float

    def sdk_options(self) -> dict[str, Any]:
        """The sentry_sdk.init options that go with these budgets.

        The SDK records where a query was made (file, line, function) for queries slower than
        `db_query_source_threshold_ms`: exactly the queries over the DB budget.
        """
        return {"enable_db_query_source": True, "db_query_source_threshold_ms": self.db_ms}


def mark_over_budget(event: dict[str, Any], budgets: Budgets) -> dict[str, Any]:
    """Tag the transaction and its spans that took longer than their budget."""
    tags = event.setdefault("tags", {})
    for span in event.get("spans") or ():
        kind = span_kind(span.get("op"))
        limit = budgets.db_ms if kind == DB else budgets.external_ms
        duration = duration_ms(span)
        if kind is None or duration is None or duration <= limit:
            continue
        span.setdefault("tags", {})[TAG] = kind
        span.setdefault("data", {})[DURATION] = duration
        tags[f"budget.{kind}"] = "exceeded"
    trace = (event.get("contexts") or {}).get("trace") or {}
    duration = duration_ms(event)
    if trace.get("op") == "http.server" and duration is not None and duration > budgets.api_ms:
        tags[TAG] = API
        tags[DURATION] = str(round(duration))
        trace.setdefault("data", {})[DURATION] = duration
    return event


def span_kind(op: str | None) -> str | None:
    """The budget kind of a span op: "db", "external", or None (not budgeted)."""
    if not op:
        return None
    if op.startswith(DB_OPS):
        return DB
    if op.startswith(EXTERNAL_OPS):
        return EXTERNAL
    return None


def duration_ms(item: dict[str, Any]) -> float | None:
    """How long a span or transaction took, from its timestamps, in milliseconds."""
    start, end = _seconds(item.get("start_timestamp")), _seconds(item.get("timestamp"))
    if start is None or end is None:
        return None
    return round((end - start) * 1000, 3)


def _seconds(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None
