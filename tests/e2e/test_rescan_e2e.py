"""Through the pipeline core with real OCR, signing, embedded S3 and SQLite: a rescan of a paper
already stored becomes a new version of its record, never a second record; a failed attempt
keeps its result code for the retry (no gap in the legal numbering)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pipeline.process import BatchContext, digitize_file
from pipeline.queries import TrustSettings, verify_stored
from pipeline.services import open_services
from pipeline.settings import load_settings
from signing.validate import validate_pdf
from storage.errors import ObjectStoreError
from storage.objects import sha256_hex

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCAN = Path(__file__).resolve().parents[2] / "samples" / "scans" / "02-giay-xac-nhan.jpg"


def test_rescan_is_a_version_of_the_same_record(tmp_path: Path) -> None:
    rescan = tmp_path / "02-rescan.png"  # the same paper, another file (other bytes, same page)
    Image.open(SCAN).save(rescan)
    settings = load_settings(data_dir=tmp_path / "data", agency_code="000.17.22.H56",
                             ocr_jobs=1, min_free_mb=1)
    batch = BatchContext("b-rescan", settings.agency_code, None)
    with open_services(settings) as services:
        first = digitize_file(SCAN, services=services, batch=batch)
        assert first.status in ("stored", "needs_review"), first
        second = digitize_file(rescan, services=services, batch=batch)
        assert (second.status, second.reason_code, second.record_id) == (
            "duplicate", "RESCAN", first.record_id), second
        again = digitize_file(rescan, services=services, batch=batch)
        assert again.status == "duplicate" and again.record_id == first.record_id

        index, store = services.index, services.store
        assert len([r for r in index.find() if r.status != "quarantined"]) == 1
        files = index.files_of(first.record_id or "")
        assert [f.version for f in files] == [1, 2]
        assert files[1].original_sha256 == sha256_hex(rescan.read_bytes())
        for file in files:  # both originals and both signed copies are kept
            assert file.original_bucket and file.original_key and file.signed_bucket
            assert sha256_hex(store.get(file.original_bucket, file.original_key)) \
                == file.original_sha256
            signed = store.get(file.signed_bucket, file.signed_key or "")
            assert validate_pdf(signed, trust_roots=list(services.signing.trust_roots)).ok
        row = index.get(first.record_id or "")
        assert row is not None and row.version == 2
        record = index.record_of(row.id)
        assert record is not None
        version = record.record["versions"][0]
        assert version["original"]["sha256"] == files[1].original_sha256
        assert version["supersedes"] is None  # a reviewer decides
        stored = json.loads(store.get(row.record_bucket or "", row.record_key or ""))
        assert stored == record.record  # the record object is the new version
        trust = TrustSettings(list(services.signing.trust_roots), allow_fetching=False)
        assert verify_stored(index, store, row.id, trust=trust).ok


class _FailingSignedUploads:
    """The real store, except that uploads of signed copies fail (the S3 server dropping one
    request): injects the failure between result-code allocation and the row."""

    def __init__(self, store: Any, bucket: str) -> None:
        self._store, self._bucket = store, bucket

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def put(self, bucket: str, key: str, data: bytes, **kwargs: Any) -> Any:
        if bucket == self._bucket:
            raise ObjectStoreError(f"cannot store {bucket}/{key}: injected failure")
        return self._store.put(bucket, key, data, **kwargs)


def test_a_failed_attempt_keeps_its_result_code_for_the_retry(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", agency_code="000.17.22.H56",
                             ocr_jobs=1, min_free_mb=1)
    batch = BatchContext("b-retry", settings.agency_code, None)
    with open_services(settings) as services:
        failing = dataclasses.replace(
            services, store=_FailingSignedUploads(services.store, settings.bucket_signed))
        failed = digitize_file(SCAN, services=failing, batch=batch)
        assert (failed.status, failed.reason_code) == ("failed", "OBJECT_STORE_FAILED"), failed
        row = services.index.by_sha256(sha256_hex(SCAN.read_bytes()))
        assert row is not None and row.status == "failed"
        assert row.result_code == "KQ.0001722H56.000001"
        retried = digitize_file(SCAN, services=services, batch=batch)
        assert retried.status in ("stored", "needs_review"), retried
        stored = services.index.get(retried.record_id or "")
        assert stored is not None and stored.result_code == "KQ.0001722H56.000001"
        record = services.index.record_of(stored.id)
        assert record is not None
        assert record.record["identifiers"]["result_code"] == "KQ.0001722H56.000001"


def test_storage_failing_mid_batch_halts_the_batch_naming_the_cause(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", agency_code="000.17.22.H56",
                             ocr_jobs=1, min_free_mb=1, retry_budget_s=2)
    batch = BatchContext("b-halt", settings.agency_code, None)
    later = tmp_path / "later.png"
    Image.open(SCAN).save(later)
    with open_services(settings) as services:
        pid = int((settings.data_path / "s3" / "weed.pid").read_text())
        os.killpg(pid, signal.SIGKILL)  # the S3 server dies mid-batch and stays away
        failed = digitize_file(SCAN, services=services, batch=batch)
        # retried for the budget (2 s here), then the batch stops, naming the cause
        assert (failed.status, failed.reason_code) == ("retryable", "S3_UNAVAILABLE"), failed
        assert "has not answered for" in (failed.message or "")
        assert services.halt.stopped
        started = time.monotonic()
        skipped = digitize_file(later, services=services, batch=batch)
        assert (skipped.status, skipped.reason_code) == ("retryable", "S3_UNAVAILABLE")
        assert "not processed" in (skipped.message or "")
        assert time.monotonic() - started < 1  # no OCR or signing for nothing
        row = services.index.by_sha256(sha256_hex(SCAN.read_bytes()))
        assert row is not None and row.status == "failed"  # its result code is kept
