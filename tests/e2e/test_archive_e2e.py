"""Archive integrity end to end, through the real CLI: two `sohoa digitize` processes on
overlapping batches against the same index and S3 while a third runs read commands; then
`scrub` finding and repairing injected faults; a full disk stopping a batch before any work."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from storage.index import DocumentIndex
from storage.objects import MinioObjectStore
from storage.seaweed import EmbeddedS3, S3Endpoint
from tests.support.env import clean_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCANS = ROOT / "samples" / "scans"
SOHOA = [sys.executable, "-m", "sohoa.cli"]
BATCH_A = ["01-quyet-dinh.png", "07-gcn-doanh-nghiep-text.pdf", "02-giay-xac-nhan.jpg"]
BATCH_B = ["07-gcn-doanh-nghiep-text.pdf", "02-giay-xac-nhan.jpg", "10-bien-ban-speckle.png"]


@dataclass
class Concurrent:
    env: dict[str, str]
    data: Path
    index_url: str
    reports: list[dict[str, Any]]
    returncodes: list[int]
    reader_failures: list[str] = field(default_factory=list)
    reads: int = 0

    def sohoa(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*SOHOA, *args], env=self.env, capture_output=True, text=True,
                              cwd=ROOT, timeout=600)


def _env(data: Path, prefect_home: Path, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data), PREFECT_HOME=str(prefect_home), DO_NOT_TRACK="1",
               OMP_THREAD_LIMIT="1", SOHOA_OCR_JOBS="1", SOHOA_DOCUMENTS_IN_PARALLEL="1",
               SOHOA_AGENCY_CODE="000.17.22.H56", **extra)
    return env


def _reader_loop(env: dict[str, str], stop: threading.Event, run: Concurrent) -> None:
    commands = [["lookup", "--owner-id", "045187678636"], ["search", "quyết định"],
                ["review"]]
    while not stop.is_set():
        for command in commands:
            result = subprocess.run([*SOHOA, *command], env=env, capture_output=True,
                                    text=True, cwd=ROOT, timeout=120)
            run.reads += 1
            if result.returncode != 0:
                run.reader_failures.append(f"{command}: {result.returncode} {result.stderr}")


def _run_concurrently(base: Path, **extra: str) -> Concurrent:
    folders = []
    for name, files in (("a", BATCH_A), ("b", BATCH_B)):
        folder = base / f"batch-{name}"
        folder.mkdir(parents=True)
        for file in files:
            shutil.copy2(SCANS / file, folder / file)
        folders.append(folder)
    data = base / "data"
    env = _env(data, base / "prefect", **extra)
    index_url = extra.get("SOHOA_DATABASE_URL") or f"sqlite:///{data / 'index.sqlite3'}"
    run = Concurrent(env, data, index_url, [], [])
    stop = threading.Event()
    reader = threading.Thread(target=_reader_loop, args=(env, stop, run), daemon=True)
    procs = [subprocess.Popen([*SOHOA, "digitize", str(folder), "--no-progress", "--report",
                               str(base / f"report-{folder.name}.json")], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for folder in folders]
    reader.start()
    outputs = [proc.communicate(timeout=900)[0] for proc in procs]
    stop.set()
    reader.join(timeout=300)
    run.returncodes = [proc.returncode for proc in procs]
    for folder, output in zip(folders, outputs, strict=True):
        report = base / f"report-{folder.name}.json"
        assert report.exists(), output
        run.reports.append(json.loads(report.read_text("utf-8")))
    return run


@pytest.fixture(scope="module", params=["embedded", "postgresql+external-s3"])
def concurrent(request: pytest.FixtureRequest, session_tmp: Path) -> Concurrent:
    base = session_tmp / f"concurrent-{uuid.uuid4().hex[:6]}"
    if request.param == "embedded":
        return _run_concurrently(base)
    postgres_url: str = request.getfixturevalue("postgres_url")
    s3: S3Endpoint = request.getfixturevalue("s3_server")
    name = "conc_" + uuid.uuid4().hex[:8]
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    prefix = "c" + uuid.uuid4().hex[:6]
    return _run_concurrently(
        base, SOHOA_DATABASE_URL=postgres_url.rsplit("/", 1)[0] + "/" + name,
        SOHOA_S3_ENDPOINT=s3.endpoint, SOHOA_S3_ACCESS_KEY=s3.access_key,
        SOHOA_S3_SECRET_KEY=s3.secret_key, SOHOA_BUCKET_ORIGINALS=f"{prefix}-originals",
        SOHOA_BUCKET_SIGNED=f"{prefix}-signed", SOHOA_BUCKET_RECORDS=f"{prefix}-records",
        SOHOA_BUCKET_QUARANTINE=f"{prefix}-quarantine", SOHOA_BUCKET_REPORTS=f"{prefix}-reports")


def test_overlapping_batches_store_every_file_once(concurrent: Concurrent) -> None:
    assert concurrent.returncodes == [0, 0], concurrent.reports
    items = [item for report in concurrent.reports for item in report["items"]]
    assert not [i for i in items if i["status"] == "failed"], items
    by_file: dict[str, list[str]] = {}
    for item in items:
        by_file.setdefault(Path(item["path"]).name, []).append(item["status"])
    for name, statuses in by_file.items():
        stored = [s for s in statuses if s in ("stored", "needs_review")]
        assert len(stored) == 1, (name, statuses)  # the other process skipped it
    index = DocumentIndex(concurrent.index_url)
    try:
        rows = index.find()
        assert sorted(Path(r.original_name).name for r in rows) == sorted(by_file)
        codes = sorted(r.result_code or "" for r in rows)
        assert codes == [f"KQ.0001722H56.{n:06d}" for n in range(1, len(rows) + 1)]
        ids = [r.id for r in rows]
    finally:
        index.close()
    for doc_id in ids:
        verdict = concurrent.sohoa("verify", doc_id, "--offline", "--json")
        assert verdict.returncode == 0, verdict.stdout + verdict.stderr
        shown = json.loads(concurrent.sohoa("show", doc_id, "--json").stdout)
        assert shown["record"]["identifiers"]["result_code"] == shown["index"]["result_code"]
    assert concurrent.reads > 0 and concurrent.reader_failures == []
    # read-only commands load neither Prefect nor the S3 client, and start no S3 server
    for command in (["lookup", "--owner-id", "045187678636"], ["show", ids[0]],
                    ["search", "quyết định"], ["review"]):
        traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "sohoa.cli",
                                 *command], env=concurrent.env, capture_output=True,
                                text=True, cwd=ROOT, timeout=120)
        assert traced.returncode == 0, traced.stderr[-2000:]
        loaded = {line.split("|")[-1].strip().split(".")[0]
                  for line in traced.stderr.splitlines() if line.startswith("import time:")}
        assert not loaded & {"prefect", "minio", "pyhanko"}, command
    if not concurrent.env.get("SOHOA_S3_ENDPOINT"):
        assert not EmbeddedS3(concurrent.data / "s3").status().running
    scrub = concurrent.sohoa("scrub", "--grace-minutes", "0", "--json")
    assert scrub.returncode == 0, scrub.stdout + scrub.stderr


@pytest.fixture()
def store_of(concurrent: Concurrent) -> Iterator[MinioObjectStore]:
    if concurrent.env.get("SOHOA_S3_ENDPOINT"):
        endpoint = S3Endpoint(concurrent.env["SOHOA_S3_ENDPOINT"],
                              concurrent.env["SOHOA_S3_ACCESS_KEY"],
                              concurrent.env["SOHOA_S3_SECRET_KEY"])
        yield MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                               secret_key=endpoint.secret_key)
        return
    with EmbeddedS3(concurrent.data / "s3") as endpoint:
        yield MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                               secret_key=endpoint.secret_key)


def test_scrub_finds_and_repairs_injected_faults(concurrent: Concurrent,
                                                 store_of: MinioObjectStore) -> None:
    index = DocumentIndex(concurrent.index_url)
    try:
        rows = sorted(index.find(), key=lambda r: r.id)
    finally:
        index.close()
    deleted, altered, overwritten = rows[0], rows[1], rows[2]
    assert deleted.signed_bucket and deleted.signed_key
    assert altered.original_bucket and altered.original_key
    assert overwritten.record_bucket and overwritten.record_key
    store_of.delete(deleted.signed_bucket, deleted.signed_key)  # a delete marker
    store_of.put(altered.original_bucket, altered.original_key, b"not the scan",
                 content_type="image/png")
    # the defect of issue 9: another attempt's record written over this row's record
    store_of.put(overwritten.record_bucket, overwritten.record_key,
                 json.dumps({"signed": {"sha256": "0" * 64}}).encode(),
                 content_type="application/json")
    orphan_key = f"000.17.22.H56/2026/{'e' * 64}/{'f' * 64}.pdf"
    store_of.put(deleted.signed_bucket, orphan_key, b"%PDF orphan", content_type="application/pdf")

    found = concurrent.sohoa("scrub", "--grace-minutes", "0", "--json")
    assert found.returncode == 1
    kinds = {(f["kind"], f["document_id"]) for f in json.loads(found.stdout)["findings"]}
    assert {("object_missing", deleted.id), ("object_altered", altered.id),
            ("record_differs", overwritten.id), ("orphan_object", None)} <= kinds
    broken = concurrent.sohoa("verify", overwritten.id, "--offline")
    assert broken.returncode == 1  # what the clerk saw: NOT VALID

    repaired = concurrent.sohoa("scrub", "--repair", "--grace-minutes", "0", "--json")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert all(f["repaired"] for f in json.loads(repaired.stdout)["findings"])
    again = concurrent.sohoa("scrub", "--grace-minutes", "0", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["findings"] == []
    for row in (deleted, altered, overwritten):
        assert concurrent.sohoa("verify", row.id, "--offline").returncode == 0
    quarantine = concurrent.env.get("SOHOA_BUCKET_QUARANTINE", "sohoa-quarantine")
    assert store_of.get(quarantine, f"orphans/{deleted.signed_bucket}/{orphan_key}") \
        == b"%PDF orphan"


def test_full_disk_stops_the_batch_before_any_work(session_tmp: Path) -> None:
    base = session_tmp / f"diskfull-{uuid.uuid4().hex[:6]}"
    base.mkdir()
    env = _env(base / "data", base / "prefect", SOHOA_MIN_FREE_MB=str(10**12))
    started = time.monotonic()
    result = subprocess.run([*SOHOA, "digitize", str(SCANS / BATCH_A[0]), "--no-progress"],
                            env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "DISK_FULL" in result.stderr and "free" in result.stderr
    assert not (base / "data" / "index.sqlite3").exists() or not DocumentIndex(
        f"sqlite:///{base / 'data' / 'index.sqlite3'}").find()
    assert time.monotonic() - started < 300
