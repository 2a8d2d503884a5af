"""The signed-in user's own account."""

from fastapi import APIRouter, status

from app.api.deps import (
    ClientAddressDep,
    CurrentUser,
    LoginThrottleDep,
    PasswordsDep,
    SessionDep,
    StorageDep,
)
from app.api.responses import BODY_ERRORS, error_response, errors
from app.models import User
from app.schemas import PasswordChange, UserRead
from app.services import users

router = APIRouter(prefix="/users", tags=["users"], responses=errors(401))


@router.get("/me", response_model=UserRead)
def read_me(user: CurrentUser) -> User:
    return user


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(*BODY_ERRORS, 429, 503),
)
def change_password(
    body: PasswordChange,
    user: CurrentUser,
    db: SessionDep,
    passwords: PasswordsDep,
    throttle: LoginThrottleDep,
    address: ClientAddressDep,
) -> None:
    """Every login ends, this one included: the client signs in again with the new password."""
    # A stolen access token must not become a way to guess the password behind it.
    with throttle.attempt(email=user.email, address=address):
        users.change_password(
            db,
            passwords=passwords,
            user=user,
            current_password=body.current_password.get_secret_value(),
            new_password=body.new_password.get_secret_value(),
        )


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={503: error_response("Storage failed part-way; the account is kept: retry")},
)
def delete_me(user: CurrentUser, db: SessionDep, storage: StorageDep) -> None:
    users.delete(db, storage, user=user)
