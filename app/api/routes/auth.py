"""Registration, login (JSON and the OAuth2 password form) and token refresh."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, status

from app.api.deps import (
    ClientAddressDep,
    LoginThrottleDep,
    PasswordsDep,
    SessionDep,
    SettingsDep,
)
from app.api.responses import BODY_ERRORS, errors
from app.core import sentry
from app.core.config import Settings
from app.core.errors import InvalidCredentials, NotAuthenticated
from app.core.security import InvalidToken, create_token, decode_token
from app.models import User
from app.schemas import (
    LoginRequest,
    RefreshRequest,
    TokenForm,
    TokenPair,
    UserCreate,
    UserRead,
)
from app.services import users

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_ERRORS = errors(401, *BODY_ERRORS, 429, 503)


def _token_pair(user_id: int, settings: Settings) -> TokenPair:
    key = settings.secret_key.get_secret_value()
    subject = str(user_id)
    return TokenPair(
        access_token=create_token(
            subject=subject,
            token_type="access",
            lifetime=timedelta(minutes=settings.access_token_expire_minutes),
            secret_key=key,
        ),
        refresh_token=create_token(
            subject=subject,
            token_type="refresh",
            lifetime=timedelta(days=settings.refresh_token_expire_days),
            secret_key=key,
        ),
    )


def _login(
    db: SessionDep, passwords: PasswordsDep, settings: Settings, email: str, password: str
) -> TokenPair:
    try:
        user = users.authenticate(db, passwords=passwords, email=email, password=password)
    except InvalidCredentials:
        sentry.add_breadcrumb("Login failed", category="auth", level="warning")
        raise
    sentry.add_breadcrumb("Login succeeded", category="auth", data={"user_id": user.id})
    return _token_pair(user.id, settings)


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
    try:
        user_id = int(
            decode_token(
                body.refresh_token.get_secret_value(),
                expected_type="refresh",
                secret_key=settings.secret_key.get_secret_value(),
            )
        )
    except (InvalidToken, ValueError) as exc:
        sentry.add_breadcrumb(
            "Token refresh refused", category="auth", level="warning", data={"reason": str(exc)}
        )
        raise NotAuthenticated("Invalid or expired refresh token") from None
    if db.get(User, user_id) is None:
        raise NotAuthenticated("Invalid or expired refresh token")
    sentry.add_breadcrumb("Token refreshed", category="auth", data={"user_id": user_id})
    return _token_pair(user_id, settings)
