"""Settings, read from the environment and `.env`, validated once at start-up."""

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEVELOPMENT = "development"
# SENTRY_SPOTLIGHT: a flag for the default sidecar (`npx @spotlightjs/spotlight`), or its URL.
DEFAULT_SPOTLIGHT_URL = "http://localhost:8969/stream"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})
DEVELOPMENT_DATABASE_URL = "sqlite:///./data/app.db"
DEVELOPMENT_RECORDINGS_DIR = Path("./data/recordings")
# Railway and Heroku-style platforms hand out postgres:// or postgresql:// URLs; SQLAlchemy
# reads those as psycopg2, which is not installed. psycopg 3 is.
_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
POSTGRES_DRIVER = "postgresql+psycopg://"
REDIS_SCHEMES = frozenset({"redis", "rediss"})
Rate = Annotated[float, Field(ge=0.0, le=1.0)]
UserField = Literal["id", "email", "name", "username", "ip_address"]


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _parse_route_rates(value: object) -> object:
    """SENTRY_TRACES_SAMPLE_RATES: a JSON object such as {"/api/v1/auth": 0.05}."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError:
            raise ValueError('expected a JSON object such as {"/api/v1/chat": 0.5}') from None
    if isinstance(value, dict) and not all(str(key).startswith("/") for key in value):
        raise ValueError("every key must be a path prefix starting with '/'")
    return value


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy needs: a platform's postgres:// URL gets the psycopg driver."""
    url = url.strip()
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return POSTGRES_DRIVER + url.removeprefix(scheme)
    return url


def spotlight_off(value: str | None) -> bool:
    """Whether SENTRY_SPOTLIGHT says "off" (unset, empty, 0, false, no, off)."""
    return (value or "").strip().lower() in _OFF


def spotlight_url(value: str | None) -> str | None:
    """SENTRY_SPOTLIGHT as a sidecar URL: a flag means the default sidecar; off means None."""
    text = (value or "").strip()
    if text.lower() in _ON:
        return DEFAULT_SPOTLIGHT_URL
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.hostname:
        return text
    return None


class Settings(BaseSettings):
    """Every setting of the service. Field `x_y` is read from the variable `X_Y`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `VAR=` in .env means "use the default"
        extra="ignore",
        validate_default=True,
    )

    # Deployment identity. Railway sets RAILWAY_* for us; SENTRY_* wins when both exist.
    sentry_environment: str | None = None
    railway_environment_name: str | None = None
    sentry_release: str | None = None
    railway_git_commit_sha: str | None = None

    # Required outside development (a container's SQLite dies with the container). Platform
    # URLs (postgres://, postgresql://) work as given: the driver is added on load.
    database_url: str | None = None
    secret_key: SecretStr | None = None
    access_token_expire_minutes: int = Field(default=30, gt=0)
    refresh_token_expire_days: int = Field(default=14, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Argon2id cost; the defaults are pwdlib's recommended ones (64 MiB per hash). Lower them
    # only where passwords protect nothing, as the test suite does.
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=64, le=1048576)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)
    # At most this many hashes at once (each holds ARGON2_MEMORY_KIB); the rest wait up to
    # PASSWORD_HASH_WAIT_SECONDS, then get 503.
    password_hash_concurrency: int = Field(default=os.cpu_count() or 1, ge=1, le=256)
    password_hash_wait_seconds: float = Field(default=0.25, ge=0, le=30)
    # Failed logins within LOGIN_FAILURE_WINDOW_MINUTES before logins are refused (429).
    login_max_failures_per_account: int = Field(default=10, ge=1)
    login_max_failures_per_ip: int = Field(default=100, ge=1)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    # Edges: body sizes, proxies trusted for X-Forwarded-*, browsers allowed, API docs.
    max_json_body_kb: int = Field(default=64, ge=1, le=10240)
    max_form_body_kb: int = Field(default=4, ge=1, le=1024)
    forwarded_allow_ips: Annotated[list[str], NoDecode] = ["127.0.0.1"]
    cors_origins: Annotated[list[str], NoDecode] = []
    api_docs: bool | None = None  # default: on in development only

    sentry_dsn: SecretStr | None = None
    sentry_traces_sample_rate: Rate | None = None
    sentry_profiles_sample_rate: Rate = 0.0
    sentry_scrub_fields: Annotated[list[str], NoDecode] = []
    sentry_send_validation_errors: bool = False
    sentry_debug_endpoint: bool = True
    sentry_debug_rate_limit: str = "5/minute"
    # Privacy and noise: who the user is in Sentry, per-route trace rates, storm cap.
    sentry_user_fields: Annotated[list[UserField], NoDecode] = ["id", "email", "name"]
    sentry_traces_sample_rates: Annotated[dict[str, Rate], NoDecode] = {}
    sentry_max_events_per_issue_per_minute: int = Field(default=10, ge=0)
    sentry_max_events_per_minute: int = Field(default=100, ge=0)

    # OpenAI, or any OpenAI-compatible server (Ollama, vLLM) through OPENAI_BASE_URL. Without a
    # key the AI endpoints answer 503; nothing else depends on it.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_chat_model: str = Field(default="gpt-4o-mini", min_length=1)
    openai_transcription_model: str = Field(default="whisper-1", min_length=1)
    openai_timeout_seconds: float = Field(default=30.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    # Coaching conversations are personal: prompts and replies reach Sentry only when asked.
    sentry_send_ai_prompts: bool = False

    # Recordings: S3 (or MinIO, R2...) when S3_BUCKET is set, else a local folder. AWS
    # credentials come from the standard AWS variables through boto3's own chain.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    aws_region: str | None = None
    # Outside development: S3_BUCKET, LOCAL_STORAGE_DIR, or a Railway volume (its mount path
    # becomes the storage root when LOCAL_STORAGE_DIR is unset). Nothing is guessed.
    local_storage_dir: Path | None = None
    railway_volume_mount_path: Path | None = None
    max_upload_mb: int = Field(default=25, gt=0, le=1024)
    # Sentry outages, shutdown, performance budgets and local viewing.
    sentry_shutdown_timeout: float = Field(default=2.0, ge=0)
    sentry_transport_queue_size: int = Field(default=100, gt=0)
    # Longest text kept in an event (locals' reprs above all): sentry-sdk 2.75 keeps any length,
    # and Sentry drops an event over 1 MiB.
    sentry_max_value_length: int = Field(default=1024, ge=100, le=100_000)
    sentry_budget_api_ms: int = Field(default=500, ge=0)
    sentry_budget_db_ms: int = Field(default=100, ge=0)
    sentry_budget_external_ms: int = Field(default=2000, ge=0)
    sentry_spotlight: str | None = None  # "1"/"true" for the default sidecar, or its URL
    # Request path: our lean ASGI middleware instead of sentry-sdk's Starlette/FastAPI
    # integrations. Off brings the stock ones back (a fallback; the benchmark's reference).
    sentry_lean_asgi: bool = True
    # Shared limits: with REDIS_URL every limit (storm cap, /sentry-debug, login throttle)
    # counts across all processes and replicas; without it, each process counts alone.
    redis_url: SecretStr | None = None
    redis_key_prefix: str = Field(default="genai-coach", min_length=1)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "sentry_scrub_fields",
        "sentry_user_fields",
        "forwarded_allow_ips",
        "cors_origins",
        mode="before",
    )
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("sentry_traces_sample_rates", mode="before")
    @classmethod
    def _json_rates(cls, value: object) -> object:
        return _parse_route_rates(value)

    @field_validator(
        "sentry_dsn",
        "secret_key",
        "openai_api_key",
        "openai_base_url",
        "s3_bucket",
        "s3_endpoint_url",
        "aws_region",
        "redis_url",
        "database_url",
        "local_storage_dir",
        "railway_volume_mount_path",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sentry_dsn")
    @classmethod
    def _valid_dsn(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the DSN: its key is a secret.
        if value is not None:
            parts = urlsplit(value.get_secret_value().strip())
            project = parts.path.rstrip("/").rsplit("/", 1)[-1]
            if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname:
                raise ValueError("not a Sentry DSN; expected https://<key>@<host>/<project-id>")
            if not project.isdigit():
                raise ValueError("the DSN must end with a numeric project id")
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str | None) -> str | None:
        return None if value is None else sqlalchemy_url(value)

    @field_validator("redis_url")
    @classmethod
    def _valid_redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the URL: it carries the password.
        if value is not None:
            parts = urlsplit(value.get_secret_value().strip())
            if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
                raise ValueError("expected redis://[user:password@]host:port[/db] (or rediss://)")
        return value

    @field_validator("sentry_spotlight")
    @classmethod
    def _valid_spotlight(cls, value: str | None) -> str | None:
        if value is not None and spotlight_url(value) is None and not spotlight_off(value):
            raise ValueError("expected 1/true/0/false or the sidecar's http(s) URL")
        return value

    @field_validator("sentry_debug_rate_limit")
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError("expected a rate such as '5/minute'") from None
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret_key(self) -> "Settings":
        if self.secret_key is None:
            if self.environment != DEVELOPMENT:
                raise ValueError(
                    f"SECRET_KEY is required when the environment is {self.environment!r}"
                )
            self.secret_key = SecretStr(secrets.token_urlsafe(32))
        elif len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters long")
        return self

    @model_validator(mode="after")
    def _nothing_guessed_outside_development(self) -> "Settings":
        # Runs after the SECRET_KEY check, so a bare production start names SECRET_KEY first.
        if self.database_url is None:
            if not self.is_development:
                raise ValueError(
                    f"DATABASE_URL is required when the environment is {self.environment!r} "
                    "(a PostgreSQL URL; a sqlite:/// URL only if SQLite is really meant)"
                )
            self.database_url = DEVELOPMENT_DATABASE_URL
        if self.local_storage_dir is None:
            self.local_storage_dir = self._recordings_root()
        return self

    def _recordings_root(self) -> Path | None:
        if self.railway_volume_mount_path is not None:
            return self.railway_volume_mount_path
        if self.s3_bucket is not None:
            return None  # recordings go to S3; no local folder
        if self.is_development:
            return DEVELOPMENT_RECORDINGS_DIR
        raise ValueError(
            f"recordings need S3_BUCKET, LOCAL_STORAGE_DIR or a Railway volume "
            f"(RAILWAY_VOLUME_MOUNT_PATH) when the environment is {self.environment!r}"
        )

    @property
    def environment(self) -> str:
        return self.sentry_environment or self.railway_environment_name or DEVELOPMENT

    @property
    def is_development(self) -> bool:
        return self.environment == DEVELOPMENT

    @property
    def traces_sample_rate(self) -> float:
        if self.sentry_traces_sample_rate is not None:
            return self.sentry_traces_sample_rate
        return 1.0 if self.is_development else 0.1

    @property
    def spotlight_url(self) -> str | None:
        return spotlight_url(self.sentry_spotlight)

    @property
    def sentry_enabled(self) -> bool:
        return self.sentry_dsn is not None or self.spotlight_url is not None

    @property
    def api_docs_enabled(self) -> bool:
        return self.is_development if self.api_docs is None else self.api_docs

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def _variable_for(error: dict) -> str:
    location = [str(part) for part in error.get("loc", ()) if not str(part).isdigit()]
    if location:
        return location[0].upper()
    # Model-level checks name the variable in their own message.
    return "configuration"


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into a ConfigError naming each variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_variable_for(error)}: {message}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()
