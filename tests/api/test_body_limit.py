"""Request bodies are limited by kind while they stream in: 413 in the usual error shape, and an
oversized upload stores nothing."""

import pytest

from tests.support.auth import register_and_login
from tests.support.recordings import MB, recording_count, stored_files, upload

KB = 1024
REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"


def _streamed(size: int, chunk: bytes = b"a"):
    """A body without Content-Length: the server only learns its size by reading it."""
    for _ in range(size // (16 * KB)):
        yield chunk * (16 * KB)


def _assert_too_large(response, limit_text: str) -> None:
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": f"The request body is larger than the {limit_text} limit",
        "code": "payload_too_large",
    }


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_json_body_over_max_json_body_kb_is_413(client, declared):
    body = b'{"name": "' + b"a" * (80 * KB) + b'"}'
    content = body if declared else _streamed(80 * KB)
    headers = {"Content-Type": "application/json"}

    _assert_too_large(client.post(REGISTER, content=content, headers=headers), "64 KB")


def test_max_json_body_kb_sets_the_json_limit(client_factory):
    client = client_factory(max_json_body_kb=1)
    name = "a" * (2 * KB)

    response = client.post(REGISTER, json={"email": "a@example.com", "password": "x", "name": name})

    _assert_too_large(response, "1 KB")


def test_a_token_form_of_more_than_a_few_kb_is_413(client):
    form = {"username": "ada@example.com", "password": "p" * (8 * KB)}

    _assert_too_large(client.post(TOKEN, data=form), "4 KB")


def test_multipart_is_only_for_uploads(client):
    files = {"file": ("a.wav", b"\0" * (100 * KB), "audio/wav")}

    _assert_too_large(client.post(TOKEN, data={"username": "a"}, files=files), "4 KB")


def test_a_small_json_body_is_read_as_usual(client):
    response = client.post(REGISTER, json={"email": "bad", "password": "x", "name": "n"})

    assert response.status_code == 422


@pytest.mark.parametrize("size", [MB + 1, 3 * MB], ids=["just-over", "far-over"])
def test_oversized_upload_is_413_and_stores_nothing(client_factory, tmp_path, size) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec", max_upload_mb=1)
    headers = register_and_login(client)

    response = upload(client, headers, b"\0" * size)

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "1 MB" in response.json()["detail"]
    assert stored_files(tmp_path / "rec") == [] and recording_count(client) == 0


def test_oversized_chunked_upload_is_stopped_while_streaming(client_factory, tmp_path) -> None:
    client = client_factory(local_storage_dir=tmp_path / "rec", max_upload_mb=1)
    headers = register_and_login(client)
    head = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n"
    )

    def body():  # no Content-Length: the server only learns the size by reading
        yield head
        for _ in range(40):
            yield b"\0" * (256 * 1024)
        yield b"\r\n--b--\r\n"

    response = client.post(
        "/api/v1/recordings",
        content=body(),
        headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert stored_files(tmp_path / "rec") == [] and recording_count(client) == 0
