"""Logins: one server-side record per sign-in (one per device) that every token of it answers to.

Access tokens carry the login id (`sid`) and are checked against the login in the same query
that loads the user. Refresh tokens also carry the login's refresh counter (`gen`); only the
current counter is accepted and each refresh moves it on, so a refresh token works once.
Presenting an older one means two parties hold tokens of the same login (the OAuth 2.0 Security
BCP's refresh token reuse detection): the whole login is revoked and Sentry gets a warning.

A login ends REFRESH_TOKEN_EXPIRE_DAYS after the sign-in, however often it is refreshed: a
rotated refresh token keeps the login's expiry, so chaining refreshes never extends it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from app.core import sentry
from app.core.config import Settings
from app.core.errors import NotAuthenticated
from app.core.security import InvalidToken, TokenType, create_token, decode_claims
from app.models import Login, User
from app.schemas import TokenPair

# Expired logins removed per sign-in: each sign-in adds one row and removes up to this many, so
# the table drains without a scheduled job, and no sign-in ever waits on a large delete.
PRUNE_BATCH = 100
REFRESH_REFUSED = "Invalid or expired refresh token"

# Built once: the per-request token check is the hot path of every authenticated route.
_USER_OF_LIVE_LOGIN = (
    select(User)
    .join(Login, Login.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        Login.id == bindparam("login_id"),
        Login.revoked_at.is_(None),
        Login.expires_at > bindparam("now"),
    )
)


@dataclass(frozen=True)
class SignedIn:
    """Who made the request, and through which login."""

    user: User
    login_id: int


def start(db: Session, *, user: User, settings: Settings) -> TokenPair:
    """Open a login for the user (pruning expired ones) and issue its first token pair."""
    now = datetime.now(UTC)
    _prune_expired(db, now=now)
    login = Login(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_expire_days),
    )
    db.add(login)
    db.flush()
    return _issue(login.user_id, login.id, login.refresh_counter, login.expires_at, settings)


def signed_in(db: Session, *, access_token: str, settings: Settings) -> SignedIn:
    """The user and login behind an access token, in one query; InvalidToken when there is none."""
    claims = _claims(access_token, "access", settings)
    user_id, login_id = _int_claim(claims, "sub"), _int_claim(claims, "sid")
    params = {"user_id": user_id, "login_id": login_id, "now": datetime.now(UTC)}
    user = db.scalar(_USER_OF_LIVE_LOGIN, params)
    if user is None:
        raise InvalidToken("no live login for this token")
    return SignedIn(user=user, login_id=login_id)


def rotate(db: Session, *, refresh_token: str, settings: Settings) -> TokenPair:
    """Exchange a refresh token for a new pair; a token used before revokes its whole login."""
    try:
        claims = _claims(refresh_token, "refresh", settings)
        user_id, login_id, counter = (_int_claim(claims, k) for k in ("sub", "sid", "gen"))
    except InvalidToken as exc:
        sentry.add_breadcrumb(
            "Token refresh refused", category="auth", level="warning", data={"reason": str(exc)}
        )
        raise NotAuthenticated(REFRESH_REFUSED) from None
    now = datetime.now(UTC)
    # One conditional UPDATE: of two refreshes racing with the same token, exactly one wins.
    moved = db.execute(
        update(Login)
        .where(
            Login.id == login_id,
            Login.user_id == user_id,
            Login.refresh_counter == counter,
            Login.revoked_at.is_(None),
            Login.expires_at > now,
        )
        .values(refresh_counter=counter + 1)
    )
    if moved.rowcount != 1:
        _refuse(db, user_id=user_id, login_id=login_id, now=now)
    login = db.get_one(Login, login_id)
    sentry.add_breadcrumb("Token refreshed", category="auth", data={"user_id": user_id})
    return _issue(user_id, login_id, counter + 1, login.expires_at, settings)


def end(db: Session, *, login_id: int) -> None:
    """Revoke one login (sign-out on one device); the user's other logins live on."""
    db.execute(
        update(Login)
        .where(Login.id == login_id, Login.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    sentry.add_breadcrumb("Logged out", category="auth", data={"login_id": login_id})


def end_all(db: Session, *, user_id: int) -> None:
    """Revoke every login of the user (after a password change)."""
    ended = db.execute(
        update(Login)
        .where(Login.user_id == user_id, Login.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    sentry.add_breadcrumb(
        "Every login revoked", category="auth", data={"user_id": user_id, "logins": ended.rowcount}
    )


def _refuse(db: Session, *, user_id: int, login_id: int, now: datetime) -> NoReturn:
    """Why the refresh failed; a live login with another counter means the token was reused."""
    login = db.get(Login, login_id)
    reused = (
        login is not None
        and login.user_id == user_id
        and login.revoked_at is None
        and login.expires_at > now
    )
    if not reused:
        sentry.add_breadcrumb(
            "Token refresh refused", category="auth", level="warning", data={"reason": "ended"}
        )
        raise NotAuthenticated(REFRESH_REFUSED)
    login.revoked_at = now
    # The revocation must outlive the 401 that follows, which rolls the request back.
    db.commit()
    _report_reuse(user_id=user_id, login_id=login_id)
    raise NotAuthenticated(REFRESH_REFUSED)


def _report_reuse(*, user_id: int, login_id: int) -> None:
    sentry.add_breadcrumb(
        "Refresh token reused: login revoked",
        category="auth",
        level="warning",
        data={"user_id": user_id, "login_id": login_id},
    )
    sentry.set_user_context(user_id)
    sentry.capture_message(
        "Refresh token reused: login revoked (possible token theft)",
        level="warning",
        tags={"auth": "refresh_token_reuse"},
        extra={"login_id": login_id},
    )


def _issue(
    user_id: int, login_id: int, counter: int, expires_at: datetime, settings: Settings
) -> TokenPair:
    key = settings.secret_key.get_secret_value()
    now = datetime.now(UTC)
    access_lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    return TokenPair(
        access_token=create_token(
            subject=str(user_id),
            token_type="access",
            lifetime=min(access_lifetime, expires_at - now),
            secret_key=key,
            extra={"sid": login_id},
        ),
        refresh_token=create_token(
            subject=str(user_id),
            token_type="refresh",
            lifetime=expires_at - now,
            secret_key=key,
            extra={"sid": login_id, "gen": counter},
        ),
    )


def _prune_expired(db: Session, *, now: datetime) -> None:
    expired = select(Login.id).where(Login.expires_at <= now).limit(PRUNE_BATCH)
    db.execute(
        delete(Login).where(Login.id.in_(expired)).execution_options(synchronize_session=False)
    )


def _claims(token: str, token_type: TokenType, settings: Settings) -> dict:
    key = settings.secret_key.get_secret_value()
    return decode_claims(token, expected_type=token_type, secret_key=key)


def _int_claim(claims: dict, name: str) -> int:
    try:
        return int(claims[name])
    except (KeyError, TypeError, ValueError):
        raise InvalidToken(f"no usable {name!r} claim") from None
