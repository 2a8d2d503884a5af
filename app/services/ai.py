"""The AI coach: chat replies, transcriptions and structured feedback, through OpenAI.

Each operation is one span (op `ai.chat|ai.transcription|ai.feedback`) with the model, the
token usage and the outcome, and one `ai` breadcrumb. For chat and feedback, sentry-sdk's
OpenAIIntegration adds its `gen_ai.chat` span for the HTTP call inside ours; it does not
instrument audio transcriptions, so there ours is the only one. Failures become one Sentry
event each (see app.services.upstream) and a 502/504 carrying its id.
"""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from app.clients.openai_client import AIClient
from app.core import sentry
from app.models import Message
from app.schemas import Feedback
from app.services.upstream import InvalidAIResponse, openai_failure

# The coach sees at most this many earlier messages: enough context, bounded cost.
HISTORY_LIMIT = 40

COACH_PROMPT = (
    "You are a warm, precise public-speaking coach. Help the user speak more clearly and "
    "confidently: pacing, structure, filler words, tone and delivery. Give concrete, short, "
    "actionable advice, ask one follow-up question when useful, and stay on the topic of "
    "speaking and communication."
)
FEEDBACK_PROMPT = (
    "You are a public-speaking coach. The user message is the transcript of a practice "
    "recording. Answer with a JSON object only, with exactly these keys: "
    '"score" (integer 0-100, overall delivery), "strengths" (list of short strings), '
    '"improvements" (list of short, actionable strings), "summary" (two or three sentences).'
)


def chat_reply(ai: AIClient, *, history: Sequence[Message], content: str) -> str:
    """The coach's answer to `content`, given the session's earlier messages."""
    messages = [{"role": "system", "content": COACH_PROMPT}]
    messages += [{"role": m.role, "content": m.content} for m in history[-HISTORY_LIMIT:]]
    messages.append({"role": "user", "content": content})
    with _ai_operation("chat", ai.chat_model) as span:
        completion = ai.openai.chat.completions.create(model=ai.chat_model, messages=messages)
        _record_usage(span, completion.usage)
        reply = completion.choices[0].message.content if completion.choices else None
        if not reply:
            raise InvalidAIResponse(
                "the chat completion has no content", request_id=completion._request_id
            )
        return reply


def transcribe(ai: AIClient, *, audio: bytes, filename: str, content_type: str) -> str:
    """The text spoken in the recording."""
    with _ai_operation("transcription", ai.transcription_model) as span:
        result = ai.openai.audio.transcriptions.create(
            model=ai.transcription_model, file=(filename, audio, content_type)
        )
        _record_usage(span, getattr(result, "usage", None))
        return result.text


def feedback(ai: AIClient, *, transcript: str) -> Feedback:
    """Structured feedback on a transcript, validated before anyone stores it."""
    messages = [
        {"role": "system", "content": FEEDBACK_PROMPT},
        {"role": "user", "content": transcript},
    ]
    with _ai_operation("feedback", ai.chat_model) as span:
        completion = ai.openai.chat.completions.create(
            model=ai.chat_model, messages=messages, response_format={"type": "json_object"}
        )
        _record_usage(span, completion.usage)
        return _parse_feedback(completion)


def _parse_feedback(completion: Any) -> Feedback:
    content = completion.choices[0].message.content if completion.choices else None
    problem = None
    try:
        return Feedback.model_validate_json(content or "")
    except ValidationError as exc:
        # Only where and what, never the input: the answer may quote the transcript.
        problem = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}"
            for e in exc.errors(include_input=False, include_url=False)
        )
    # Raised outside the except block so the pydantic error (with its input) is not chained.
    raise InvalidAIResponse(
        f"the feedback does not match the schema ({problem})", request_id=completion._request_id
    )


@contextmanager
def _ai_operation(operation: str, model: str) -> Iterator[Any]:
    """One span and one breadcrumb per AI operation; a failure is reported once and typed."""
    import openai  # loaded with the client (app.clients.openai_client)

    started = time.perf_counter()
    failure: Exception | None = None
    outcome = "ok"
    with sentry.start_span(
        f"ai.{operation}",
        f"{operation} {model}",
        **{"ai.operation": operation, "gen_ai.request.model": model},
    ) as span:
        try:
            yield span
        except (openai.OpenAIError, InvalidAIResponse) as exc:
            failure = exc
            outcome = _outcome(exc)
            span.set_status("deadline_exceeded" if outcome == "timeout" else "internal_error")
        span.set_data("ai.outcome", outcome)
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    sentry.add_breadcrumb(
        f"AI {operation} {outcome}",
        category="ai",
        level="info" if failure is None else "error",
        data={
            "operation": operation,
            "model": model,
            "outcome": outcome,
            "duration_ms": duration_ms,
        },
    )
    if failure is not None:
        raise openai_failure(failure, operation=operation, model=model) from failure


def _outcome(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    if isinstance(exc, InvalidAIResponse):
        return "invalid_response"
    return "error"


def _record_usage(span: Any, usage: Any) -> None:
    if usage is None:
        return
    counts = {
        "gen_ai.usage.input_tokens": _first_int(usage, "prompt_tokens", "input_tokens"),
        "gen_ai.usage.output_tokens": _first_int(usage, "completion_tokens", "output_tokens"),
        "gen_ai.usage.total_tokens": _first_int(usage, "total_tokens"),
        "ai.audio_seconds": getattr(usage, "seconds", None),
    }
    for key, value in counts.items():
        if value is not None:
            span.set_data(key, value)


def _first_int(usage: Any, *names: str) -> int | None:
    for name in names:
        value = getattr(usage, name, None)
        if isinstance(value, int):
            return value
    return None
