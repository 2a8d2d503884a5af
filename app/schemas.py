"""Request and response bodies of the API."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, SecretStr


def _length_between(low: int, high: int):
    def check(value: SecretStr) -> SecretStr:
        if not low <= len(value.get_secret_value()) <= high:
            raise ValueError(f"must be {low} to {high} characters long")
        return value

    return AfterValidator(check)


# SecretStr: reprs show '**********', so a body in a stack frame reveals nothing.
NewPassword = Annotated[SecretStr, _length_between(8, 128)]
Password = Annotated[SecretStr, _length_between(1, 128)]


class UserCreate(BaseModel):
    email: EmailStr
    password: NewPassword
    name: str = Field(min_length=1, max_length=200)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    name: str
    created_at: datetime


class LoginRequest(BaseModel):
    email: EmailStr
    password: Password


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
    title: str = Field(min_length=1, max_length=200)


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


class MessageCreate(BaseModel):
    content: str = Field(min_length=1, max_length=4000)


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
