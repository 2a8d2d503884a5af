"""Fixtures the API tests share: a real commit failure on PostgreSQL, and S3 on moto."""

from tests.fakes.fixtures import moto_endpoint, s3_settings  # noqa: F401 - fixtures
from tests.support.refuse_commit import refuse_commit  # noqa: F401 - fixture
