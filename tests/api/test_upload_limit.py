"""The upload-size limit: too large is a 413 and stores nothing, even while streaming."""

import pytest

from tests.support.auth import register_and_login
from tests.support.recordings import MB, recording_count, stored_files, upload


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
