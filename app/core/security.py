"""Password hashing (argon2 through pwdlib) and JWT access and refresh tokens (PyJWT)."""

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


class InvalidToken(Exception):
    """The token is malformed, expired, badly signed or of the wrong type."""


class Passwords:
    """Argon2id hashing at the configured cost (ARGON2_TIME_COST, ARGON2_MEMORY_KIB)."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHash(
            (Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism),)
        )
        # Verified against when the email is unknown, so a login takes as long either way.
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password: str, hashed: str | None) -> bool:
        """Check a password; with no hash, spend the same time and answer False."""
        if hashed is None:
            self._hasher.verify(password, self._dummy_hash)
            return False
        return self._hasher.verify(password, hashed)


def create_token(
    *,
    subject: str,
    token_type: TokenType,
    lifetime: timedelta,
    secret_key: str,
    extra: Mapping[str, int] | None = None,
) -> str:
    now = datetime.now(UTC)
    claims = {
        **(extra or {}),
        "sub": subject,
        "type": token_type,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_token(token: str, *, expected_type: TokenType, secret_key: str) -> str:
    """Return the subject of a valid token of the expected type."""
    return str(decode_claims(token, expected_type=expected_type, secret_key=secret_key)["sub"])


def decode_claims(token: str, *, expected_type: TokenType, secret_key: str) -> dict[str, Any]:
    """Return the claims of a valid token of the expected type."""
    try:
        claims = jwt.decode(
            token, secret_key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "type"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from None
    if claims["type"] != expected_type:
        raise InvalidToken(f"expected a {expected_type} token")
    return claims
