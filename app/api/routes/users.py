"""The signed-in user's own account."""

from fastapi import APIRouter, status

from app.api.deps import CurrentUser, PasswordsDep, SessionDep, StorageDep
from app.models import User
from app.schemas import PasswordChange, UserRead
from app.services import users

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserRead)
def read_me(user: CurrentUser) -> User:
    return user


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, user: CurrentUser, db: SessionDep, passwords: PasswordsDep
) -> None:
    """Every login ends, this one included: the client signs in again with the new password."""
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
    responses={503: {"description": "Storage failed part-way; the account is kept, retry"}},
)
def delete_me(user: CurrentUser, db: SessionDep, storage: StorageDep) -> None:
    users.delete(db, storage, user=user)
