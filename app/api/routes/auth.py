"""Registration, login (JSON and the OAuth2 password form), token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Form, status

from app.api.deps import (
    ClientAddressDep,
    LoginThrottleDep,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    SignedInDep,
)
from app.api.responses import BODY_ERRORS, errors
from app.core import sentry
from app.core.config import Settings
from app.core.errors import InvalidCredentials
from app.models import User
from app.schemas import (
    LoginRequest,
    RefreshRequest,
    TokenForm,
    TokenPair,
    UserCreate,
    UserRead,
)
from app.services import logins, users

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_ERRORS = errors(401, *BODY_ERRORS, 429, 503)


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


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=errors(409, *BODY_ERRORS, 503),
)
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


@router.post("/login", responses=LOGIN_ERRORS)
def login(
    body: LoginRequest,
    db: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    address: ClientAddressDep,
) -> TokenPair:
    with throttle.attempt(email=body.email, address=address):
        return _login(db, passwords, settings, body.email, body.password.get_secret_value())


@router.post(
    "/token",
    summary="Login with the OAuth2 password form (Swagger's Authorize)",
    responses=LOGIN_ERRORS,
)
def token(
    form: Annotated[TokenForm, Form()],
    db: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    address: ClientAddressDep,
) -> TokenPair:
    with throttle.attempt(email=form.username, address=address):
        return _login(db, passwords, settings, form.username, form.password.get_secret_value())


@router.post("/refresh", responses=errors(401, *BODY_ERRORS))
def refresh(body: RefreshRequest, db: SessionDep, settings: SettingsDep) -> TokenPair:
    """A new pair for a refresh token, which then stops working (single use, rotating)."""
    return logins.rotate(db, refresh_token=body.refresh_token.get_secret_value(), settings=settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
def logout(signed_in: SignedInDep, db: SessionDep) -> None:
    """End this login: its access and refresh tokens stop working; other devices stay in."""
    logins.end(db, login_id=signed_in.login_id)
