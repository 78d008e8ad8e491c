"""A real reuse service for the API tests: documents digitized by the real pipeline into an index
on SQLite or PostgreSQL, the real S3 server, and `sohoa serve` (uvicorn) on a free port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from pipeline.access import create_client
from pipeline.extract import ExtractOptions
from pipeline.process import BatchContext, digitize_file
from pipeline.review import ReviewDecision, review_document
from pipeline.services import open_services
from pipeline.settings import Settings
from storage.index import DocumentIndex
from storage.seaweed import S3Endpoint
from tests.support.env import clean_env
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
AGENCY = "000.17.22.H56"
OTHER_AGENCY = "000.00.99.X01"
PRESIGN_TTL_S = 4
# Born-digital samples keep their text layer (no OCR): cheap real documents.
ENTERPRISE_SAMPLE = "scans/07-gcn-doanh-nghiep-text.pdf"  # owner: a tax code
CITIZEN_SAMPLE = "scans/08-trich-luc-khai-sinh-owner-pw.pdf"  # owner: a CCCD, permanent
ENTERPRISE_VALID_UNTIL = date(2030, 12, 31)


@dataclass
class Service:
    """A running `sohoa serve` and what the tests need to talk to it."""

    base_url: str
    backend: str
    env: dict[str, str]
    index: DocumentIndex
    enterprise: dict[str, str]  # document id, owner id, signed sha256
    citizen: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=self.env,
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def client(self, key_name: str = "reader") -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30,
                            headers={"Authorization": f"Bearer {self.keys[key_name]}"})


def _settings(data_dir: Path, s3: S3Endpoint, database_url: str | None, tag: str) -> Settings:
    return Settings(data_dir=data_dir, s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,
                    s3_secret_key=SecretStr(s3.secret_key), database_url=database_url,
                    bucket_originals=f"{tag}-originals", bucket_signed=f"{tag}-signed",
                    bucket_records=f"{tag}-records", agency_name="Sở Tư pháp tỉnh Thử Nghiệm",
                    revocation_fetching=False)


def _env(settings: Settings, s3: S3Endpoint) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(settings.data_dir), SOHOA_S3_ENDPOINT=s3.endpoint,
               SOHOA_S3_ACCESS_KEY=s3.access_key, SOHOA_S3_SECRET_KEY=s3.secret_key,
               SOHOA_BUCKET_ORIGINALS=settings.bucket_originals,
               SOHOA_BUCKET_SIGNED=settings.bucket_signed,
               SOHOA_BUCKET_RECORDS=settings.bucket_records,
               SOHOA_AGENCY_NAME=settings.agency_name, SOHOA_REVOCATION_FETCHING="false",
               SOHOA_API_PRESIGN_TTL_S=str(PRESIGN_TTL_S), SOHOA_API_AUTH_CACHE_S="1",
               DO_NOT_TRACK="1")
    if settings.database_url:
        env["SOHOA_DATABASE_URL"] = settings.database_url
    return env


def _digitize(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """Digitize two samples with the real pipeline; approve them as a clerk would, setting the
    enterprise certificate's validity (so `valid_on` has a boundary to cross)."""
    docs = []
    with open_services(settings) as services:
        for sample, corrections in ((ENTERPRISE_SAMPLE,
                                     {"valid_until": ENTERPRISE_VALID_UNTIL.isoformat()}),
                                    (CITIZEN_SAMPLE, {})):
            outcome = digitize_file(SAMPLES / sample, services=services,
                                    batch=BatchContext("api-tests", AGENCY, "1.010708"))
            assert outcome.record_id and outcome.status in ("stored", "needs_review"), outcome
            row = review_document(services.index, services.store, outcome.record_id,
                                  ReviewDecision(corrections, "api-tests"),
                                  options=ExtractOptions(today=datetime.now(UTC).date()))
            assert row.owner_id and row.signed_sha256, row
            docs.append({"id": row.id, "owner_id": row.owner_id, "sha256": row.signed_sha256})
    return docs[0], docs[1]


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sohoa serve exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"sohoa serve not ready: {log.read_text(errors='replace')}")


@contextmanager
def serving(settings: Settings, env: dict[str, str], log: Path) -> Iterator[str]:
    """`sohoa serve` in its own process on a free loopback port; stopped afterwards."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sohoa.cli", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--no-access-log"], env=env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    server_url: str = request.getfixturevalue("postgres_url")
    name = f"api_{uuid.uuid4().hex[:8]}"  # a database of its own on the shared test server
    with psycopg.connect(server_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _keys(index: DocumentIndex) -> dict[str, str]:
    specs: dict[str, dict[str, object]] = {
        "reader": {"scopes": ["documents:read"]},
        "writer": {"scopes": ["documents:read", "reuse:write"]},
        "dossiers": {"scopes": ["dossiers:write"]},
        "same_agency": {"scopes": ["documents:read", "reuse:write"], "agencies": [AGENCY]},
        "other_agency": {"scopes": ["documents:read", "reuse:write"],
                         "agencies": [OTHER_AGENCY]},
        "limited": {"scopes": ["documents:read"], "rate_limit_per_minute": 3},
        "admin": {"scopes": ["admin"]},
    }
    return {name: create_client(index, f"test {name}", **spec).key  # type: ignore[arg-type]
            for name, spec in specs.items()}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def service(request: pytest.FixtureRequest, s3_server: S3Endpoint,
            session_tmp: Path) -> Iterator[Service]:
    backend = request.param
    tag = f"api-{backend}-{uuid.uuid4().hex[:6]}"
    data_dir = session_tmp / tag
    settings = _settings(data_dir, s3_server, _database_url(backend, request), tag)
    enterprise, citizen = _digitize(settings)
    env = _env(settings, s3_server)
    index = DocumentIndex(settings.index_url, migrate_schema=False)
    try:
        keys = _keys(index)
        with serving(settings, env, data_dir / "serve.log") as base_url:
            yield Service(base_url, backend, env, index, enterprise, citizen, keys)
    finally:
        index.close()


def documents_json(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    data: dict[str, object] = json.loads(response.text)
    return data
