"""Users: registration, authentication, password changes."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clients.storage import Storage
from app.core.errors import Conflict, InvalidCredentials
from app.core.security import Passwords
from app.models import User
from app.services import logins, recordings


def get_by_email(db: Session, *, email: str) -> User | None:
    """The user with this email (compared case-insensitively), if any."""
    return db.scalar(select(User).where(User.email == email.lower()))


def register(db: Session, *, passwords: Passwords, email: str, password: str, name: str) -> User:
    """Create a user; a taken email is a Conflict."""
    if get_by_email(db, email=email) is not None:
        raise Conflict("A user with this email already exists")
    user = User(email=email.lower(), name=name, hashed_password=passwords.hash(password))
    db.add(user)
    try:
        db.flush()
    except IntegrityError:  # a concurrent registration won the race
        db.rollback()
        raise Conflict("A user with this email already exists") from None
    return user


def authenticate(db: Session, *, passwords: Passwords, email: str, password: str) -> User:
    """The user for these credentials; the same error for an unknown email and a wrong password."""
    user = get_by_email(db, email=email)
    if not passwords.verify(password, user.hashed_password if user else None) or user is None:
        raise InvalidCredentials()
    return user


def change_password(
    db: Session, *, passwords: Passwords, user: User, current_password: str, new_password: str
) -> None:
    """Replace the password after checking the current one."""
    if not passwords.verify(current_password, user.hashed_password):
        raise InvalidCredentials()
    user.hashed_password = passwords.hash(new_password)
    db.flush()
    logins.end_all(db, user_id=user.id)  # whoever knew the old password is signed out


def delete(db: Session, storage: Storage, *, user: User) -> None:
    """Delete the user and everything they own: stored recordings first, then the rows.

    Rows go last so that a storage failure part-way leaves the account in place (503), still
    pointing at what is left to delete, and a retry finishes the job. The other order would
    leave recordings in storage that no row leads to, which nobody would ever delete.
    """
    recordings.delete_stored(db, storage, user=user)
    db.delete(user)  # logins, sessions, messages and recording rows go with it (ON DELETE CASCADE)
    db.flush()
