"""Coaching sessions: create, list, read. Another user's session does not exist."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.core.errors import NotFound
from app.models import CoachingSession, User, is_possible_id


def create_session(db: Session, *, user: User, title: str) -> CoachingSession:
    """Open a new coaching session for the user."""
    session = CoachingSession(user_id=user.id, title=title)
    db.add(session)
    db.flush()
    return session


def list_sessions(db: Session, *, user: User) -> list[CoachingSession]:
    """The user's sessions, newest first."""
    query = (
        select(CoachingSession)
        .where(CoachingSession.user_id == user.id)
        .order_by(CoachingSession.created_at.desc(), CoachingSession.id.desc())
    )
    return list(db.scalars(query))


def get_session(db: Session, *, user: User, session_id: int) -> CoachingSession:
    """One of the user's sessions with its messages; anyone else's is NotFound."""
    if not is_possible_id(session_id):
        raise NotFound("Session not found")
    query = (
        select(CoachingSession)
        .where(CoachingSession.id == session_id, CoachingSession.user_id == user.id)
        .options(selectinload(CoachingSession.messages))
    )
    session = db.scalar(query)
    if session is None:
        raise NotFound("Session not found")
    return session
