"""Request and response bodies of the API.

Text that reaches a column is checked here, before any service (or paid AI call) runs: no NUL
or other control characters, and no longer than its column.
"""

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, SecretStr
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# Line breaks and tabs belong in a chat message; no other control character belongs anywhere.
_MULTILINE = frozenset("\n\r\t")
# zxcvbn's list of the 30,000 most common passwords (from leaked password sets).
_COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])


def _no_control_characters(allowed: frozenset[str] = frozenset()):
    def check(value: str) -> str:
        if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
            raise ValueError("must not contain control characters")
        return value

    return AfterValidator(check)


def _length_between(low: int, high: int):
    def check(value: SecretStr) -> SecretStr:
        if not low <= len(value.get_secret_value()) <= high:
            raise ValueError(f"must be {low} to {high} characters long")
        return value

    return AfterValidator(check)


def _not_common(value: SecretStr) -> SecretStr:
    if value.get_secret_value().lower() in _COMMON_PASSWORDS:
        raise ValueError("is one of the most common passwords; choose another")
    return value


Line = Annotated[str, _no_control_characters()]
# SecretStr: reprs show '**********', so a body in a stack frame reveals nothing.
NewPassword = Annotated[SecretStr, _length_between(8, 128), AfterValidator(_not_common)]
Password = Annotated[SecretStr, _length_between(1, 128)]


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error response: what went wrong, and a machine-readable code."""

    detail: str | list[ValidationIssue]
    code: str
    event_id: str | None = Field(
        default=None, description="On 500/502/504: the Sentry event to quote"
    )


class UserCreate(BaseModel):
    email: EmailStr
    password: NewPassword
    name: Line = Field(min_length=1, max_length=200)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    name: str
    created_at: datetime


class LoginRequest(BaseModel):
    email: EmailStr
    password: Password


class TokenForm(BaseModel):
    """The OAuth2 password form (Swagger's Authorize): the email goes in `username`."""

    username: Line = Field(max_length=320)
    password: Password
    grant_type: Literal["password"] | None = None
    scope: Line = Field(default="", max_length=1000)


class RefreshRequest(BaseModel):
    refresh_token: SecretStr


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"


class PasswordChange(BaseModel):
    current_password: Password
    new_password: NewPassword


class SessionCreate(BaseModel):
    title: Line = Field(min_length=1, max_length=200)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Literal["user", "assistant"]
    content: str
    created_at: datetime


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    created_at: datetime


class SessionDetail(SessionRead):
    messages: list[MessageRead] = []


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str


class HealthUnavailable(ErrorBody):
    status: Literal["unavailable"]
    database: Literal["unreachable"]


class MessageCreate(BaseModel):
    content: Annotated[str, _no_control_characters(_MULTILINE)] = Field(
        min_length=1, max_length=4000
    )


class Feedback(BaseModel):
    """Structured feedback on a recording; the AI's JSON answer must match it exactly."""

    score: int = Field(ge=0, le=100)
    strengths: list[str]
    improvements: list[str]
    summary: str = Field(min_length=1)


class RecordingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime


class RecordingDetail(RecordingRead):
    session_id: int | None = None
    transcript: str | None = None
    feedback: Feedback | None = None


class TranscriptionRead(BaseModel):
    text: str
