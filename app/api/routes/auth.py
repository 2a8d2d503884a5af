"""Registration, login (JSON and the OAuth2 password form), token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import PasswordsDep, SessionDep, SettingsDep, SignedInDep
from app.core import sentry
from app.core.config import Settings
from app.core.errors import InvalidCredentials
from app.models import User
from app.schemas import LoginRequest, RefreshRequest, TokenPair, UserCreate, UserRead
from app.services import logins, users

router = APIRouter(prefix="/auth", tags=["auth"])


def _login(
    db: SessionDep, passwords: PasswordsDep, settings: Settings, email: str, password: str
) -> TokenPair:
    try:
        user = users.authenticate(db, passwords=passwords, email=email, password=password)
    except InvalidCredentials:
        sentry.add_breadcrumb("Login failed", category="auth", level="warning")
        raise
    sentry.add_breadcrumb("Login succeeded", category="auth", data={"user_id": user.id})
    return logins.start(db, user=user, settings=settings)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserRead)
def register(body: UserCreate, db: SessionDep, passwords: PasswordsDep) -> User:
    user = users.register(
        db,
        passwords=passwords,
        email=body.email,
        password=body.password.get_secret_value(),
        name=body.name,
    )
    sentry.add_breadcrumb("User registered", category="auth", data={"user_id": user.id})
    return user


@router.post("/login")
def login(
    body: LoginRequest, db: SessionDep, passwords: PasswordsDep, settings: SettingsDep
) -> TokenPair:
    return _login(db, passwords, settings, body.email, body.password.get_secret_value())


@router.post("/token", summary="Login with the OAuth2 password form (Swagger's Authorize)")
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> TokenPair:
    return _login(db, passwords, settings, form.username, form.password)


@router.post("/refresh")
def refresh(body: RefreshRequest, db: SessionDep, settings: SettingsDep) -> TokenPair:
    """A new pair for a refresh token, which then stops working (single use, rotating)."""
    return logins.rotate(db, refresh_token=body.refresh_token.get_secret_value(), settings=settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(signed_in: SignedInDep, db: SessionDep) -> None:
    """End this login: its access and refresh tokens stop working; other devices stay in."""
    logins.end(db, login_id=signed_in.login_id)
