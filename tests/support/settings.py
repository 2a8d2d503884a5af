"""Settings for tests: explicit values only, and a cheap password hash."""

from app.core.config import Settings, load_settings

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def make_settings(**values: object) -> Settings:
    """Settings from explicit values only, never from a developer's `.env`."""
    values.setdefault("secret_key", TEST_SECRET_KEY)
    # Cheap argon2: passwords in tests protect nothing, and production's 64 MiB x 3 passes cost
    # ~0.1 s per hash.
    values.setdefault("argon2_time_cost", 1)
    values.setdefault("argon2_memory_kib", 64)
    values.setdefault("argon2_parallelism", 1)
    values.setdefault("_env_file", None)
    return load_settings(**values)
