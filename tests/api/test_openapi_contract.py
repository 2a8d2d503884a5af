"""Schemathesis against our own /openapi.json, through the ASGI app, on both backends.

Generated requests (fixed seed, bounded examples) must never get a 500, and every answer
must be documented: its status, its body's schema, its content type. The one deliberate 500
is /sentry-debug's, which documents it.
"""

import json
import re

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.support.auth import register_and_login
from tests.support.settings import make_settings

CHECKS = [status_code_conformance, response_schema_conformance, content_type_conformance]


def _transport_kwargs(case, headers: dict[str, str]) -> dict:
    request = case.as_transport_kwargs(headers=headers)
    request.pop("cookies", None)  # the API has no cookie parameters; httpx deprecates the kwarg
    if isinstance(request.get("data"), bytes | str):  # raw bodies are `content` for httpx
        request["content"] = request.pop("data")
    if request.get("files"):  # form fields as numbers: requests renders them, httpx wants text
        request["files"] = [
            (name, (part[0], _text(part[1]), *part[2:])) for name, part in request["files"]
        ]
    return request


def _text(value: object) -> bytes | str:
    return value if isinstance(value, bytes | str) else str(value)


@pytest.fixture
def signed_in(client_factory, ai_settings) -> tuple[TestClient, dict[str, str]]:
    """The app, with OpenAI the local fake so the AI routes answer, and a user's token."""
    client = client_factory(**ai_settings)
    return client, register_and_login(client)


# The document only: every app of the suite serves the same one.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(make_settings(database_url="sqlite://"))
)


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,  # a fixed seed: the same requests on every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_server_error(case, signed_in):
    client, headers = signed_in
    checks = CHECKS if case.path == "/sentry-debug" else [not_a_server_error, *CHECKS]
    request = client.build_request(**_transport_kwargs(case, headers))
    request.read()  # a multipart upload is a stream; the checks read the request back
    response = client.send(request)
    case.validate_response(response, checks=checks)


def test_every_schema_the_document_refers_to_is_in_it():
    # Error responses refer to ErrorBody by name; the app adds its schema to the components.
    referred = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema.raw_schema)))
    assert "ErrorBody" in referred
    assert referred <= set(schema.raw_schema["components"]["schemas"])


def test_sentry_debug_documents_its_500_and_429_and_no_success():
    responses = schema.raw_schema["paths"]["/sentry-debug"]["get"]["responses"]

    assert set(responses) == {"500", "429"}


def test_each_operation_is_a_test_of_its_own(request):
    # pytest 9.2 gave every operation's test one node id; pytest-xdist then ran one of them.
    name = test_every_answer_is_documented_and_none_is_a_server_error.__name__
    [operation_tests] = [
        c for c in request.node.getparent(pytest.Module).collect() if c.name == name
    ]
    ids = [item.nodeid for item in operation_tests.collect()]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(ids) == len(set(ids)) == len(operations)
