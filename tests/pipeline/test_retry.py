"""The batch's policy for transient faults: what counts as transient, the TSA breaker (pure
logic), and the storage check that spares a document's OCR when the S3 server is away (real
SeaweedFS, stopped)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline.process import BatchContext, digitize_file
from pipeline.retry import TsaHealth, is_transient, with_tsa_retries
from pipeline.services import open_services
from pipeline.settings import load_settings
from signing.errors import SigningError
from storage.errors import IndexUnavailable, ObjectStoreError, ObjectStoreUnavailable
from storage.objects import sha256_hex
from storage.retry import Backoff
from tests.support.faults import restartable_s3

SCAN = Path(__file__).resolve().parents[2] / "samples" / "scans" / "01-quyet-dinh.png"


def test_transient_and_permanent_causes() -> None:
    assert is_transient(ObjectStoreUnavailable("refused"))
    assert is_transient(IndexUnavailable("restarting"))
    assert is_transient(SigningError("TSA_UNREACHABLE", "no answer"))
    assert not is_transient(ObjectStoreError("403"))
    assert not is_transient(SigningError("TSA_REFUSED", "bad password"))
    assert not is_transient(ValueError("corrupt"))


def test_after_one_document_waited_the_whole_budget_the_next_try_the_tsa_once() -> None:
    calls: list[int] = []
    health = TsaHealth()

    def tsa_down() -> bytes:
        calls.append(1)
        raise SigningError("TSA_UNREACHABLE", "connection refused")

    with pytest.raises(SigningError):
        with_tsa_retries(tsa_down, budget=Backoff(budget_s=0.2, first_s=0.05), health=health)
    assert len(calls) > 1  # retried within the budget
    calls.clear()
    with pytest.raises(SigningError):
        with_tsa_retries(tsa_down, budget=Backoff(budget_s=0.2, first_s=0.05), health=health)
    assert len(calls) == 1  # the TSA is known to be down: one try, no waiting
    assert with_tsa_retries(lambda: b"signed", budget=Backoff(), health=health) == b"signed"
    assert health.down_since is None  # back: the next failure waits the budget again


@pytest.mark.integration
def test_no_ocr_when_the_s3_server_is_away(tmp_path: Path) -> None:
    with restartable_s3(tmp_path / "s3") as s3:
        endpoint = s3.endpoint
        settings = load_settings(
            data_dir=tmp_path / "data", ocr_jobs=1, min_free_mb=1, retry_budget_s=2,
            s3_endpoint=endpoint.endpoint, s3_access_key=endpoint.access_key,
            s3_secret_key=endpoint.secret_key)
        with open_services(settings) as services:
            s3.stop()
            time.sleep(5.5)  # the last successful call is no longer fresh
            started = time.monotonic()
            outcome = digitize_file(SCAN, services=services,
                                    batch=BatchContext("b-away", None, None))
            took = time.monotonic() - started
            assert (outcome.status, outcome.reason_code) == ("retryable", "S3_UNAVAILABLE")
            assert "has not answered" in (outcome.message or "")
            assert services.halt.stopped
            # checked before triage and the claim: no row, no OCR
            assert services.index.by_sha256(sha256_hex(SCAN.read_bytes())) is None
            assert took < 20, took
            s3.start()
