"""Practice recordings of the signed-in user: upload, read, download, transcribe, review."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, UploadFile, status
from fastapi.responses import StreamingResponse

from app.api.deps import AIClientDep, CurrentUser, SessionDep, SettingsDep, StorageDep
from app.models import Recording
from app.schemas import Feedback, RecordingDetail, RecordingRead, TranscriptionRead
from app.services import recordings

router = APIRouter(prefix="/recordings", tags=["recordings"])

UPSTREAM_ERRORS = {
    502: {"description": "OpenAI or storage failed (body carries the Sentry event_id)"},
    503: {"description": "OPENAI_API_KEY is not set"},
    504: {"description": "OpenAI or storage timed out (body carries the Sentry event_id)"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordingRead,
    responses={
        413: {"description": "Larger than MAX_UPLOAD_MB"},
        415: {"description": "Not an audio/* file"},
    },
)
def upload_recording(
    file: UploadFile,
    user: CurrentUser,
    db: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    session_id: Annotated[int | None, Form()] = None,
) -> Recording:
    return recordings.create_recording(
        db,
        storage,
        user=user,
        upload=file,
        session_id=session_id,
        max_bytes=settings.max_upload_bytes,
    )


@router.get("/{recording_id}", response_model=RecordingDetail)
def read_recording(recording_id: int, user: CurrentUser, db: SessionDep) -> Recording:
    return recordings.get_recording(db, user=user, recording_id=recording_id)


@router.get("/{recording_id}/download", response_class=StreamingResponse)
def download_recording(
    recording_id: int, user: CurrentUser, db: SessionDep, storage: StorageDep
) -> StreamingResponse:
    recording = recordings.get_recording(db, user=user, recording_id=recording_id)
    stored = recordings.open_recording(storage, recording=recording)
    headers = {
        "Content-Length": str(stored.size),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(recording.filename)}",
    }
    return StreamingResponse(stored.chunks, media_type=recording.content_type, headers=headers)


@router.post(
    "/{recording_id}/transcription", response_model=TranscriptionRead, responses=UPSTREAM_ERRORS
)
def transcribe_recording(
    recording_id: int, user: CurrentUser, db: SessionDep, storage: StorageDep, ai: AIClientDep
) -> TranscriptionRead:
    text = recordings.transcribe_recording(db, storage, ai, user=user, recording_id=recording_id)
    return TranscriptionRead(text=text)


@router.post("/{recording_id}/feedback", response_model=Feedback, responses=UPSTREAM_ERRORS)
def review_recording(
    recording_id: int, user: CurrentUser, db: SessionDep, storage: StorageDep, ai: AIClientDep
) -> Feedback:
    return recordings.review_recording(db, storage, ai, user=user, recording_id=recording_id)
