from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.i18n import set_language
from storage.seaweed import EmbeddedS3, S3Endpoint
from tests.support.postgres import throwaway_postgres

os.environ.setdefault("DO_NOT_TRACK", "1")
# The suite's messages are asserted in English (the msgids): the process language and the
# `sohoa` subprocesses the tests start use SOHOA_LANG=en. HTTP requests still follow their
# Accept-Language (Vietnamese without one), and the language tests (tests/pipeline/
# test_i18n*.py, the vi/en end-to-end run) choose theirs explicitly.
os.environ["SOHOA_LANG"] = "en"
set_language("en")


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
