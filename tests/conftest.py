from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.seaweed import EmbeddedS3, S3Endpoint
from tests.support.postgres import throwaway_postgres

os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sohoa-tests-") as tmp:
        path = Path(tmp)
        path.chmod(0o755)  # the postgres system user must reach its data folder
        yield path


@pytest.fixture(scope="session")
def s3_server(session_tmp: Path) -> Iterator[S3Endpoint]:
    """The real S3 server (SeaweedFS weed mini) on 127.0.0.1 for the whole session."""
    with EmbeddedS3(session_tmp / "s3") as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def postgres_url(session_tmp: Path) -> Iterator[str]:
    """A throwaway PostgreSQL server started from Debian's binaries for the whole session."""
    with throwaway_postgres(session_tmp / "pg") as url:
        yield url
