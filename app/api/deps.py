"""Dependencies shared by the routers: settings, the DB session and the current user."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.clients.openai_client import AIClient
from app.clients.storage import Storage
from app.core import sentry
from app.core.config import Settings
from app.core.db import transactional_session
from app.core.errors import AINotConfigured, NotAuthenticated
from app.core.security import InvalidToken, Passwords, decode_token
from app.models import User
from app.services.login_throttle import LoginThrottle

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    yield from transactional_session(request.app.state.session_factory)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def get_current_user(
    db: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The user behind the bearer token; also who Sentry blames for this request's errors."""
    if token is None:
        raise NotAuthenticated("Not authenticated")
    try:
        user_id = decode_token(
            token, expected_type="access", secret_key=settings.secret_key.get_secret_value()
        )
        user = db.get(User, int(user_id))
    except (InvalidToken, ValueError) as exc:
        sentry.add_breadcrumb(
            "Invalid access token", category="auth", level="warning", data={"reason": str(exc)}
        )
        raise NotAuthenticated() from None
    if user is None:
        sentry.add_breadcrumb("Token for a deleted user", category="auth", level="warning")
        raise NotAuthenticated()
    sentry.set_user_context(user.id, email=user.email, name=user.name)
    sentry.add_breadcrumb("Authenticated request", category="auth", data={"user_id": user.id})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


def get_ai_client(request: Request, settings: SettingsDep) -> AIClient:
    """The OpenAI client (503 when OPENAI_API_KEY is unset); keeps the request's prompts private."""
    client = request.app.state.ai_client
    if client is None:
        raise AINotConfigured()
    if not settings.sentry_send_ai_prompts:
        sentry.keep_request_private()
    return client


def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a proxy in FORWARDED_ALLOW_IPS says it is."""
    return request.client.host if request.client else "unknown"


def get_login_throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


StorageDep = Annotated[Storage, Depends(get_storage)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
AIClientDep = Annotated[AIClient, Depends(get_ai_client)]
ClientAddressDep = Annotated[str, Depends(client_address)]
LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
