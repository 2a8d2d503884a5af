"""The fake OpenAI's fixtures, for the API tests that reach the AI routes."""

from tests.fakes.fixtures import ai_settings, fake_openai, openai_server  # noqa: F401
