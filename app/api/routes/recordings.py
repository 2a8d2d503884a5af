"""Practice recordings of the signed-in user: upload, read, download, transcribe, review."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, UploadFile, status
from fastapi.responses import StreamingResponse

from app.api.deps import AIClientDep, CurrentUser, SessionDep, SettingsDep, StorageDep
from app.api.responses import AI_ERRORS, BODY_ERRORS, STORAGE_ERRORS, errors
from app.models import Recording
from app.schemas import Feedback, RecordingDetail, RecordingRead, TranscriptionRead
from app.services import recordings
from app.services.audio_files import SERVED_TYPES

router = APIRouter(prefix="/recordings", tags=["recordings"], responses=errors(401))

AI_ROUTE_ERRORS = errors(404, 422, *AI_ERRORS)
DOWNLOAD = {
    "description": "The recording's audio bytes, as an attachment",
    "content": {media_type: {} for media_type in SERVED_TYPES},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordingRead,
    responses=errors(404, *BODY_ERRORS, 415, *STORAGE_ERRORS),
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


@router.get("/{recording_id}", response_model=RecordingDetail, responses=errors(404, 422))
def read_recording(recording_id: int, user: CurrentUser, db: SessionDep) -> Recording:
    return recordings.get_recording(db, user=user, recording_id=recording_id)


@router.get(
    "/{recording_id}/download",
    response_class=StreamingResponse,
    responses={200: DOWNLOAD, **errors(404, 422, *STORAGE_ERRORS)},
)
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
    "/{recording_id}/transcription", response_model=TranscriptionRead, responses=AI_ROUTE_ERRORS
)
def transcribe_recording(
    recording_id: int, user: CurrentUser, db: SessionDep, storage: StorageDep, ai: AIClientDep
) -> TranscriptionRead:
    text = recordings.transcribe_recording(db, storage, ai, user=user, recording_id=recording_id)
    return TranscriptionRead(text=text)


@router.post("/{recording_id}/feedback", response_model=Feedback, responses=AI_ROUTE_ERRORS)
def review_recording(
    recording_id: int, user: CurrentUser, db: SessionDep, storage: StorageDep, ai: AIClientDep
) -> Feedback:
    return recordings.review_recording(db, storage, ai, user=user, recording_id=recording_id)
