"""Practice recordings: store, read, stream back, transcribe and review.

Another user's recording does not exist. A rejected upload stores nothing, and a recording
whose row cannot be written does not stay behind in storage.
"""

import logging
import uuid
from pathlib import PurePath

from fastapi import UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clients.openai_client import AIClient
from app.clients.storage import Storage, StoredFile
from app.core import sentry
from app.core.db import undo_on_rollback
from app.core.errors import (
    AppError,
    DeletionIncomplete,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    UpstreamError,
)
from app.models import Recording, User
from app.schemas import Feedback
from app.services import ai, coaching
from app.services.upstream import s3_call

logger = logging.getLogger(__name__)


def create_recording(
    db: Session,
    storage: Storage,
    *,
    user: User,
    upload: UploadFile,
    session_id: int | None,
    max_bytes: int,
) -> Recording:
    """Store an uploaded audio file for the user and record its metadata."""
    content_type = _audio_type(upload.content_type)
    size = _checked_size(upload, max_bytes)
    if session_id is not None:
        coaching.get_session(db, user=user, session_id=session_id)  # someone else's: 404
    key = f"{user.id}/{uuid.uuid4().hex}"  # the bucket or folder is for recordings only
    upload.file.seek(0)
    with s3_call("upload"):
        storage.save(key, upload.file, size=size, content_type=content_type)
    # Whether the flush below or the request's commit fails, no object stays without its row.
    undo_on_rollback(db, lambda: _discard(storage, key))
    sentry.add_breadcrumb(
        "Recording stored",
        category="upload",
        data={"size": size, "content_type": content_type, "backend": storage.backend},
    )
    recording = Recording(
        user_id=user.id,
        session_id=session_id,
        filename=_safe_filename(upload.filename),
        content_type=content_type,
        size=size,
        storage_key=key,
    )
    db.add(recording)
    db.flush()
    return recording


def get_recording(db: Session, *, user: User, recording_id: int) -> Recording:
    """One of the user's recordings; anyone else's is NotFound."""
    query = select(Recording).where(Recording.id == recording_id, Recording.user_id == user.id)
    recording = db.scalar(query)
    if recording is None:
        raise NotFound("Recording not found")
    return recording


def open_recording(storage: Storage, *, recording: Recording) -> StoredFile:
    """The stored bytes of a recording, ready to stream."""
    with s3_call("download"):
        return storage.open(recording.storage_key)


def transcribe_recording(
    db: Session, storage: Storage, client: AIClient, *, user: User, recording_id: int
) -> str:
    """Transcribe a recording with OpenAI and keep the text."""
    recording = get_recording(db, user=user, recording_id=recording_id)
    return _transcribe(db, storage, client, recording)


def review_recording(
    db: Session, storage: Storage, client: AIClient, *, user: User, recording_id: int
) -> Feedback:
    """Structured feedback on a recording, transcribing it first when needed."""
    recording = get_recording(db, user=user, recording_id=recording_id)
    transcript = recording.transcript
    if transcript is None:
        transcript = _transcribe(db, storage, client, recording)
    result = ai.feedback(client, transcript=transcript)
    recording.feedback = result.model_dump()
    db.flush()
    return result


def _transcribe(db: Session, storage: Storage, client: AIClient, recording: Recording) -> str:
    stored = open_recording(storage, recording=recording)
    with s3_call("download"):
        audio = b"".join(stored.chunks)  # bounded by MAX_UPLOAD_MB; OpenAI needs it whole
    recording.transcript = ai.transcribe(
        client, audio=audio, filename=recording.filename, content_type=recording.content_type
    )
    db.flush()
    return recording.transcript


def delete_stored(db: Session, storage: Storage, *, user: User) -> None:
    """Delete every stored recording of the user; an object already gone counts as deleted.

    A storage failure stops here with DeletionIncomplete (503, one Sentry event); the rows are
    untouched, so the objects not yet deleted are still listed for the retry.
    """
    query = select(Recording.storage_key).where(Recording.user_id == user.id)
    keys = db.scalars(query.order_by(Recording.id)).all()
    for key in keys:
        try:
            with s3_call("delete"):
                storage.delete(key)
        except UpstreamError as exc:  # S3: reported by s3_call already
            raise DeletionIncomplete(event_id=exc.event_id) from exc
        except OSError as exc:  # the local folder
            event_id = sentry.capture_exception(
                exc, tags={"service": "storage", "operation": "delete"}
            )
            raise DeletionIncomplete(event_id=event_id) from exc
    if keys:
        sentry.add_breadcrumb("Recordings deleted", category="storage", data={"count": len(keys)})


def _discard(storage: Storage, key: str) -> None:
    """Best effort: a failed clean-up is reported, but must not hide the original error."""
    try:
        with s3_call("delete"):
            storage.delete(key)
    except Exception:
        logger.warning("Could not remove the stored recording %s", key, exc_info=True)


def _audio_type(content_type: str | None) -> str:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if not media_type.startswith("audio/"):
        raise UnsupportedMediaType(
            f"Only audio files can be uploaded (audio/*); got {media_type or 'no content type'}"
        )
    return media_type


def _checked_size(upload: UploadFile, max_bytes: int) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    if size > max_bytes:
        raise PayloadTooLarge(f"The recording is larger than {max_bytes // (1024 * 1024)} MB")
    if size == 0:
        raise AppError("The recording is empty")
    return size


def _safe_filename(filename: str | None) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return (name or "recording")[:255]
