"""Outside development nothing is guessed: the database and the recordings are named, and the
URLs platforms hand out work as given."""

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import ConfigError
from app.main import create_app
from scripts.fakes.forked import run_python
from tests.support.audio import wav_bytes
from tests.support.auth import register_and_login
from tests.support.settings import TEST_SECRET_KEY, make_settings

AUDIO = wav_bytes(b"practice")
PRODUCTION = {"railway_environment_name": "production"}


def test_outside_development_database_url_is_required(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL is required"):
        make_settings(**PRODUCTION, local_storage_dir=tmp_path)


def test_start_up_without_database_url_fails_with_one_line_naming_it(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "RAILWAY_ENVIRONMENT_NAME": "production",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOCAL_STORAGE_DIR": str(tmp_path / "recordings"),
    }
    # cwd: no .env there
    result = run_python(["-c", "import app.main as m; m.app"], env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error:")
    assert "DATABASE_URL is required" in line
    assert not (tmp_path / "data").exists()  # no SQLite file was made on the container's disk


def test_sqlite_stays_possible_when_it_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    settings = make_settings(**PRODUCTION, database_url=url, local_storage_dir=tmp_path)
    assert settings.database_url == url


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_platform_postgres_urls_get_the_psycopg_driver(scheme, tmp_path):
    settings = make_settings(database_url=f"{scheme}://u:p@db.internal:5432/railway")
    assert settings.database_url == "postgresql+psycopg://u:p@db.internal:5432/railway"


@pytest.mark.postgres
def test_a_plain_postgresql_url_serves_the_api(postgres_url, tmp_path):
    """Railway's ${{Postgres.DATABASE_URL}} as it comes, without hand-editing."""
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    settings = make_settings(database_url=plain, local_storage_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["database"] == "ok"
        register_and_login(client, email="plain-url@example.com")


def test_outside_development_recordings_need_a_place_that_survives(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        make_settings(**PRODUCTION, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    message = str(excinfo.value)
    for variable in ("S3_BUCKET", "LOCAL_STORAGE_DIR", "RAILWAY_VOLUME_MOUNT_PATH"):
        assert variable in message


def test_s3_alone_is_enough_outside_development(tmp_path):
    settings = make_settings(
        **PRODUCTION, database_url=f"sqlite:///{tmp_path / 'app.db'}", s3_bucket="recordings"
    )
    assert settings.s3_bucket == "recordings"


def test_a_railway_volume_is_the_storage_root_unless_local_storage_dir_is_set(tmp_path):
    database = f"sqlite:///{tmp_path / 'app.db'}"
    volume = tmp_path / "volume"
    assert make_settings(
        **PRODUCTION, database_url=database, railway_volume_mount_path=str(volume)
    ).local_storage_dir == Path(volume)
    explicit = make_settings(
        **PRODUCTION,
        database_url=database,
        railway_volume_mount_path=str(volume),
        local_storage_dir=str(tmp_path / "elsewhere"),
    )
    assert explicit.local_storage_dir == tmp_path / "elsewhere"


def test_an_upload_lands_on_the_railway_volume(database_url, tmp_path):
    volume = tmp_path / "volume"
    settings = make_settings(
        **PRODUCTION, database_url=database_url, railway_volume_mount_path=volume
    )
    with TestClient(create_app(settings)) as client:
        headers = register_and_login(client, email="volume@example.com")
        files = {"file": ("talk.wav", AUDIO, "audio/wav")}
        response = client.post("/api/v1/recordings", files=files, headers=headers)
    assert response.status_code == 201, response.text
    stored = [path for path in volume.rglob("*") if path.is_file()]
    assert [path.read_bytes() for path in stored] == [AUDIO]


def test_development_keeps_its_embedded_defaults():
    settings = make_settings()
    assert settings.database_url == "sqlite:///./data/app.db"
    assert settings.local_storage_dir == Path("./data/recordings")


@pytest.mark.parametrize("url", ["http://cache:6379", "redis://", "cache:6379"])
def test_a_bad_redis_url_names_the_variable_without_repeating_it(url):
    with pytest.raises(ConfigError, match="REDIS_URL") as excinfo:
        make_settings(redis_url=url.replace("cache", "user:hunter2@cache"))
    assert "hunter2" not in str(excinfo.value)
