"""Coaching sessions of the signed-in user."""

from fastapi import APIRouter, status

from app.api.deps import AIClientDep, CurrentUser, SessionDep
from app.models import CoachingSession, Message
from app.schemas import MessageCreate, MessageRead, SessionCreate, SessionDetail, SessionRead
from app.services import chat, coaching

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionRead)
def create_session(body: SessionCreate, user: CurrentUser, db: SessionDep) -> CoachingSession:
    return coaching.create_session(db, user=user, title=body.title)


@router.get("", response_model=list[SessionRead])
def list_sessions(user: CurrentUser, db: SessionDep) -> list[CoachingSession]:
    return coaching.list_sessions(db, user=user)


@router.get("/{session_id}", response_model=SessionDetail)
def read_session(session_id: int, user: CurrentUser, db: SessionDep) -> CoachingSession:
    return coaching.get_session(db, user=user, session_id=session_id)


@router.post(
    "/{session_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    responses={
        502: {"description": "OpenAI failed (body carries the Sentry event_id)"},
        503: {"description": "OPENAI_API_KEY is not set"},
        504: {"description": "OpenAI timed out (body carries the Sentry event_id)"},
    },
)
def post_message(
    session_id: int, body: MessageCreate, user: CurrentUser, db: SessionDep, ai: AIClientDep
) -> Message:
    return chat.post_message(db, ai, user=user, session_id=session_id, content=body.content)
