"""Request and response bodies of the API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr

Password = SecretStr  # reprs show '**********', so a body in a stack frame reveals nothing


class UserCreate(BaseModel):
    email: EmailStr
    password: Password = Field(min_length=8, max_length=128)
    name: str = Field(min_length=1, max_length=200)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    name: str
    created_at: datetime


class LoginRequest(BaseModel):
    email: EmailStr
    password: Password = Field(min_length=1, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: SecretStr


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"


class PasswordChange(BaseModel):
    current_password: Password = Field(min_length=1, max_length=128)
    new_password: Password = Field(min_length=8, max_length=128)


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
