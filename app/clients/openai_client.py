"""The OpenAI client, built once from the settings (explicit timeout and retries).

`openai` is imported only when OPENAI_API_KEY is set: its types take about a third of the
app's import time (~1 s of CPU on a small machine), which a process without AI, a migration
or a one-off command, should not pay.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.config import Settings

if TYPE_CHECKING:
    from openai import OpenAI


@dataclass(frozen=True)
class AIClient:
    """The OpenAI client and the models the coach uses."""

    openai: "OpenAI"
    chat_model: str
    transcription_model: str


def build_ai_client(settings: Settings) -> AIClient | None:
    """The AI client, or None when OPENAI_API_KEY is unset (the AI endpoints then answer 503)."""
    if settings.openai_api_key is None:
        return None
    from openai import OpenAI

    client = OpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,  # None: api.openai.com
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
    )
    return AIClient(
        openai=client,
        chat_model=settings.openai_chat_model,
        transcription_model=settings.openai_transcription_model,
    )
