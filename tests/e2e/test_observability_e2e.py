"""Observability after a real batch through the real CLI (Prefect, Tesseract, pyHanko, the real
S3 server, a SQLite index): the metrics the batch's process wrote, `/metrics` on the real API
app, `sohoa batches status|list`, the summary in the reports bucket, JSON log lines."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from pipeline import metrics
from pipeline.settings import Settings
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.support.env import clean_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SOHOA = [sys.executable, "-m", "sohoa.cli"]
AGENCY = "000.17.22.H56"
REPORTS_BUCKET = "obs-reports"
# Cheap real inputs: two born-digital PDFs (their text layer is kept: no OCR), a 1-page scan,
# and two broken files quarantined with their reason.
INPUTS = ("scans/07-gcn-doanh-nghiep-text.pdf", "scans/08-trich-luc-khai-sinh-owner-pw.pdf",
          "scans/01-quyet-dinh.png", "broken/empty.pdf", "broken/password.pdf")


@dataclass(frozen=True)
class Batch:
    env: dict[str, str]
    data: Path
    report: dict[str, Any]
    s3: S3Endpoint

    def sohoa(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*SOHOA, *args], env=self.env, capture_output=True, text=True,
                                cwd=ROOT, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def settings(self) -> Settings:
        return Settings(data_dir=self.data, s3_endpoint=self.s3.endpoint,
                        s3_access_key=self.s3.access_key,
                        s3_secret_key=SecretStr(self.s3.secret_key),
                        bucket_originals="obs-originals", bucket_signed="obs-signed",
                        bucket_records="obs-records", bucket_reports=REPORTS_BUCKET,
                        revocation_fetching=False)


@pytest.fixture(scope="module")
def batch(session_tmp: Path, s3_server: S3Endpoint) -> Batch:
    inputs = session_tmp / "obs-inputs"
    inputs.mkdir()
    for name in INPUTS:
        shutil.copy2(SAMPLES / name, inputs / Path(name).name)
    data = session_tmp / "obs-data"
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data), PREFECT_HOME=str(session_tmp / "obs-prefect"),
               DO_NOT_TRACK="1", OMP_THREAD_LIMIT="1", SOHOA_LOG_FORMAT="json",
               SOHOA_S3_ENDPOINT=s3_server.endpoint, SOHOA_S3_ACCESS_KEY=s3_server.access_key,
               SOHOA_S3_SECRET_KEY=s3_server.secret_key, SOHOA_BUCKET_ORIGINALS="obs-originals",
               SOHOA_BUCKET_SIGNED="obs-signed", SOHOA_BUCKET_RECORDS="obs-records",
               SOHOA_BUCKET_REPORTS=REPORTS_BUCKET)
    report = session_tmp / "obs-report.json"
    result = subprocess.run([*SOHOA, "digitize", str(inputs), "--no-progress", "--report",
                             str(report), "--agency-code", AGENCY], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 3, result.stdout + result.stderr  # two quarantined on purpose
    return Batch(env, data, json.loads(report.read_text("utf-8")), s3_server)


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
           **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _check_metrics(body: str, report: dict[str, Any]) -> None:
    samples = _samples(body)
    for outcome, count in report["counts"].items():
        assert _value(samples, "sohoa_documents_total", agency=AGENCY, outcome=outcome) == count
    assert _value(samples, "sohoa_pages_total", agency=AGENCY) == report["pages"] > 0
    for reason in ("EMPTY_FILE", "ENCRYPTED_PDF"):
        assert _value(samples, "sohoa_failures_total", agency=AGENCY, reason=reason) == 1
    digitized = report["counts"]["stored"] + report["counts"]["needs_review"]
    assert _value(samples, "sohoa_stage_duration_seconds_count", agency=AGENCY,
                  stage="triage") == len(INPUTS)  # every file is triaged
    for stage in ("ocr", "extract", "sign", "store", "index"):
        assert _value(samples, "sohoa_stage_duration_seconds_count", agency=AGENCY,
                      stage=stage) == digitized, stage
    assert _value(samples, "sohoa_stage_duration_seconds_sum", agency=AGENCY, stage="ocr") > 0
    assert not any(name.startswith("prefect") for name, _ in samples)  # only sohoa's own


def test_the_batch_process_wrote_its_metrics(batch: Batch) -> None:
    assert batch.report["counts"]["quarantined"] == 2
    body, content_type = metrics.exposition(metrics.metrics_folder(batch.data))
    assert content_type.startswith("text/plain")
    _check_metrics(body.decode("utf-8"), batch.report)
    shown = batch.sohoa("metrics", "show").stdout
    _check_metrics(shown, batch.report)


def test_metrics_on_the_api_app_and_not_in_its_openapi(batch: Batch) -> None:
    from sohoa.api.app import create_app

    with TestClient(create_app(batch.settings())) as client:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        _check_metrics(response.text, batch.report)
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_batches_status_and_list_after_the_batch(batch: Batch) -> None:
    batch_id = batch.report["batch_id"]
    status = json.loads(batch.sohoa("batches", "status", batch_id, "--json").stdout)
    assert status["state"] == "done" and status["agency_code"] == AGENCY
    assert status["total"] == status["done"] == len(INPUTS)
    assert {k: v for k, v in batch.report["counts"].items() if v} == status["counts"]
    assert status["in_progress"] == [] and status["eta_s"] is None
    assert status["exit_code"] == 3 and status["pages"] == batch.report["pages"]
    assert status["summary_key"] == f"batches/{AGENCY}/{batch_id}.json"
    listed = json.loads(batch.sohoa("batches", "list", "--json").stdout)
    assert [b["batch_id"] for b in listed] == [batch_id]
    text = batch.sohoa("batches", "status", batch_id).stdout
    assert f"{len(INPUTS)} / {len(INPUTS)}" in text
    missing = subprocess.run([*SOHOA, "batches", "status", "no-such-batch"], env=batch.env,
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert missing.returncode == 1 and "BATCH_NOT_FOUND" in missing.stderr


def test_batch_summary_is_in_the_reports_bucket(batch: Batch) -> None:
    store = MinioObjectStore(batch.s3.endpoint, access_key=batch.s3.access_key,
                             secret_key=batch.s3.secret_key)
    key = f"batches/{AGENCY}/{batch.report['batch_id']}.json"
    summary = json.loads(store.get(REPORTS_BUCKET, key))
    assert summary["counts"] == batch.report["counts"]
    assert summary["agency_code"] == AGENCY and summary["host"]
    assert len(summary["items"]) == len(INPUTS)


def test_json_log_lines_carry_the_batch_and_document_ids(batch: Batch) -> None:
    lines = (batch.data / "logs" / "sohoa.log").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    mine = [e for e in entries if e.get("batch_id") == batch.report["batch_id"]]
    by_document = {Path(e["document"]).name: e for e in mine if "document" in e}
    for item in batch.report["items"]:
        name = Path(item["path"]).name
        assert name in by_document, name  # one line at least per document
        if item["status"] in ("stored", "needs_review"):
            assert any(e.get("sha256") == item["sha256"] for e in mine
                       if e.get("document", "").endswith(name))
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
