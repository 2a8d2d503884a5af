"""Coaching sessions of the signed-in user."""

from fastapi import APIRouter, status

from app.api.deps import AIClientDep, CurrentUser, SessionDep
from app.api.responses import AI_ERRORS, BODY_ERRORS, errors
from app.models import CoachingSession, Message
from app.schemas import MessageCreate, MessageRead, SessionCreate, SessionDetail, SessionRead
from app.services import chat, coaching

router = APIRouter(prefix="/sessions", tags=["sessions"], responses=errors(401))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    responses=errors(*BODY_ERRORS),
)
def create_session(body: SessionCreate, user: CurrentUser, db: SessionDep) -> CoachingSession:
    return coaching.create_session(db, user=user, title=body.title)


@router.get("", response_model=list[SessionRead])
def list_sessions(user: CurrentUser, db: SessionDep) -> list[CoachingSession]:
    return coaching.list_sessions(db, user=user)


@router.get("/{session_id}", response_model=SessionDetail, responses=errors(404, 422))
def read_session(session_id: int, user: CurrentUser, db: SessionDep) -> CoachingSession:
    return coaching.get_session(db, user=user, session_id=session_id)


@router.post(
    "/{session_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    responses=errors(404, *BODY_ERRORS, *AI_ERRORS),
)
def post_message(
    session_id: int, body: MessageCreate, user: CurrentUser, db: SessionDep, ai: AIClientDep
) -> Message:
    return chat.post_message(db, ai, user=user, session_id=session_id, content=body.content)
