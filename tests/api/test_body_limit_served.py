"""Huge bodies against the real server: refused while streaming, memory stays flat.

The bodies come from generators, so the test itself stays small; the server's peak resident
memory (VmHWM) is read before and after. Before the limits, a 200 MB JSON body took the
server to ~700 MB and a 1 GB multipart body was spooled to disk before its 401.
"""

import httpx

from scripts.fakes.served_app import peak_rss_kb, reset_peak_rss, served, sqlite_database

MB = 1024 * 1024
CHUNK = b"a" * (256 * 1024)
# Python's allocator and uvicorn's read buffers move a little; a body held whole would not fit.
ALLOWED_GROWTH_MB = 48


def _chunks(size: int, head: bytes = b"", tail: bytes = b""):
    yield head
    for _ in range(size // len(CHUNK)):
        yield CHUNK
    yield tail


def _post_streamed(base: str, path: str, content_type: str, body) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as http:
        return http.post(path, content=body, headers={"Content-Type": content_type})


def test_huge_json_and_multipart_bodies_are_refused_without_growing_memory(tmp_path):
    env = {"DATABASE_URL": sqlite_database(tmp_path / "db"), "LOG_LEVEL": "WARNING"}
    with served(env, tmp_path) as (base, process):
        reset_peak_rss(process.pid)
        before = peak_rss_kb(process.pid)
        json_response = _post_streamed(
            base,
            "/api/v1/auth/register",
            "application/json",
            _chunks(200 * MB, head=b'{"name": "', tail=b'"}'),
        )
        after_json = peak_rss_kb(process.pid)
        head = b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\n'
        multipart_response = _post_streamed(
            base,
            "/api/v1/auth/token",
            "multipart/form-data; boundary=b",
            _chunks(1024 * MB, head=head, tail=b"\r\n--b--\r\n"),
        )
        after_multipart = peak_rss_kb(process.pid)

    assert json_response.status_code == 413
    assert json_response.json()["code"] == "payload_too_large"
    assert multipart_response.status_code == 413
    assert multipart_response.json()["code"] == "payload_too_large"
    growth = [(after_json - before) / 1024, (after_multipart - before) / 1024]
    print(
        f"peak RSS {before / 1024:.0f} MB; +{growth[0]:.1f} MB after 200 MB JSON, "
        f"+{growth[1]:.1f} MB after 1 GB multipart"
    )
    assert max(growth) < ALLOWED_GROWTH_MB, growth
