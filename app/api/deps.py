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
from app.core.security import InvalidToken, Passwords
from app.models import User
from app.services import logins
from app.services.logins import SignedIn

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    yield from transactional_session(request.app.state.session_factory)


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit runs when the handler returns, before the response is sent.
# With the default scope it ran after the client already had its answer.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def get_signed_in(
    db: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> SignedIn:
    """The user and login behind the bearer token; also who Sentry blames for this request."""
    if token is None:
        raise NotAuthenticated("Not authenticated")
    try:
        signed_in = logins.signed_in(db, access_token=token, settings=settings)
    except InvalidToken as exc:
        # Expired, forged, signed out, or of a deleted account: the same 401 for all.
        sentry.add_breadcrumb(
            "Invalid access token", category="auth", level="warning", data={"reason": str(exc)}
        )
        raise NotAuthenticated() from None
    user = signed_in.user
    sentry.set_user_context(user.id, email=user.email, name=user.name)
    sentry.add_breadcrumb("Authenticated request", category="auth", data={"user_id": user.id})
    return signed_in


SignedInDep = Annotated[SignedIn, Depends(get_signed_in)]


def get_current_user(signed_in: SignedInDep) -> User:
    return signed_in.user


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


StorageDep = Annotated[Storage, Depends(get_storage)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
AIClientDep = Annotated[AIClient, Depends(get_ai_client)]
