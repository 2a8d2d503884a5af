"""Coaching sessions of the signed-in user."""

from fastapi import APIRouter, status

from app.api.deps import CurrentUser, SessionDep
from app.models import CoachingSession
from app.schemas import SessionCreate, SessionDetail, SessionRead
from app.services import coaching

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
