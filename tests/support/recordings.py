"""Recordings for tests: an audio body to upload, and what ended up stored."""

import os
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from app.models import Recording
from tests.support.audio import wav_bytes

AUDIO = wav_bytes(os.urandom(96 * 1024) + b"AUDIO-CONTENT-MARKER")
MB = 1024 * 1024


def upload(
    client: TestClient,
    headers: dict[str, str],
    data: bytes = AUDIO,
    content_type: str = "audio/wav",
    **form: str,
) -> Response:
    files = {"file": ("practice.wav", data, content_type)}
    return client.post("/api/v1/recordings", files=files, data=form, headers=headers)


def recording_count(client: TestClient) -> int:
    with client.app.state.session_factory() as db:
        return db.scalar(select(func.count()).select_from(Recording))


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
