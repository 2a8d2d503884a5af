"""The fakes' fixtures (OpenAI, moto's S3), for the API tests that reach them."""

from tests.fakes.fixtures import (  # noqa: F401
    ai_settings,
    fake_openai,
    moto_endpoint,
    openai_server,
    s3_settings,
)
