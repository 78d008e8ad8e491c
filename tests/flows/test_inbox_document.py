"""The per-document flow's body (`Flow.fn`, without a Prefect server) on a shared path and on an
inbox key: it digitizes the one document and leaves its outcome, with the worker's name, where
the batch's parent run reads it."""

from __future__ import annotations

import ctypes
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.inbox import digitize_document_flow, digitize_inbox_flow, run_is_lost
from pipeline.inbox import OUTCOMES_PREFIX
from storage.index import DocumentIndex, sqlite_url
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.support.small_docs import write_small_documents

pytestmark = [pytest.mark.integration]


@pytest.fixture(autouse=True)
def _forget_parent_death_signal() -> Iterator[None]:
    """The flow asks for SIGTERM when its parent dies (it believes a worker started it): undo
    that for the test process afterwards."""
    yield
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 0)  # PR_SET_PDEATHSIG, none


def test_one_document_from_a_shared_path_and_from_the_inbox(
        tmp_path: Path, s3_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    tag = secrets.token_hex(3)
    env = {"SOHOA_DATA_DIR": str(tmp_path / "data"), "SOHOA_S3_ENDPOINT": s3_server.endpoint,
           "SOHOA_S3_ACCESS_KEY": s3_server.access_key,
           "SOHOA_S3_SECRET_KEY": s3_server.secret_key, "SOHOA_MIN_FREE_MB": "1",
           "SOHOA_OCR_JOBS": "1", "SOHOA_WORKER_NAME": "scan-01",
           "SOHOA_LIMIT_OCR": "", "SOHOA_LIMIT_SIGNING": "",  # no Prefect server here
           **{f"SOHOA_BUCKET_{b.upper()}": f"doc-{b}-{tag}"
              for b in ("originals", "signed", "records", "quarantine", "reports", "inbox")}}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    first, second = write_small_documents(tmp_path / "shared", 2, token=tag)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)

    shared = digitize_document_flow.fn(source=str(first), batch_id="b-shared")
    assert shared["worker"] == "scan-01"
    assert shared["outcome"]["status"] in ("stored", "needs_review")
    assert shared["outcome"]["path"] == str(first)
    assert first.is_file()  # a shared path is never moved

    store.put(f"doc-inbox-{tag}", "inbox/LOCAL/b-inbox/giay-002.png", second.read_bytes(),
              content_type="image/png")
    inbox = digitize_document_flow.fn(source="inbox/LOCAL/b-inbox/giay-002.png",
                                      batch_id="b-inbox")
    assert inbox["outcome"]["status"] in ("stored", "needs_review")
    assert inbox["outcome"]["path"] == f"s3://doc-inbox-{tag}/inbox/LOCAL/b-inbox/giay-002.png"
    assert list(store.list_keys(f"doc-inbox-{tag}", "archive/")) == [
        "archive/LOCAL/b-inbox/giay-002.png"]
    index = DocumentIndex(sqlite_url(tmp_path / "data" / "index.sqlite3"))
    try:  # named in the index as dropped in the inbox, not by the worker's working copy
        assert {r.original_name for r in index.all_rows()} == {str(first), "giay-002.png"}
    finally:
        index.close()
    written = [json.loads(store.get(f"doc-reports-{tag}", key)) for key in
               store.list_keys(f"doc-reports-{tag}", f"{OUTCOMES_PREFIX}/")]
    assert sorted(o["source"] for o in written) == sorted([
        "inbox/LOCAL/b-inbox/giay-002.png", str(first)])
    assert {o["worker"] for o in written} == {"scan-01"}


def test_the_inbox_flow_here_without_workers(
        tmp_path: Path, s3_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """`deployment="-"`: the batch's documents one after another in the batch's own run; the
    same report as `sohoa digitize`, in the data folder and the reports bucket."""
    tag = secrets.token_hex(3)
    env = {"SOHOA_DATA_DIR": str(tmp_path / "data"), "SOHOA_S3_ENDPOINT": s3_server.endpoint,
           "SOHOA_S3_ACCESS_KEY": s3_server.access_key,
           "SOHOA_S3_SECRET_KEY": s3_server.secret_key, "SOHOA_MIN_FREE_MB": "1",
           "SOHOA_OCR_JOBS": "1", "SOHOA_LIMIT_OCR": "", "SOHOA_LIMIT_SIGNING": "",
           **{f"SOHOA_BUCKET_{b.upper()}": f"here-{b}-{tag}"
              for b in ("originals", "signed", "records", "quarantine", "reports", "inbox")}}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SOHOA_WORKER_NAME", raising=False)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    store.ensure_bucket(f"here-inbox-{tag}")  # a scanner's files arrive before any run
    for path in write_small_documents(tmp_path / "scans", 2, token=tag):
        store.put(f"here-inbox-{tag}", f"inbox/LOCAL/lot-h/{path.name}", path.read_bytes(),
                  content_type="image/png")
    store.put(f"here-inbox-{tag}", "inbox/LOCAL/lot-h/empty.pdf", b"",
              content_type="application/pdf")
    store.put(f"here-inbox-{tag}", "inbox/LOCAL/other/later.png", b"x",
              content_type="image/png")

    result = digitize_inbox_flow.fn(batch="lot-h", deployment="-")
    assert result["batches"]["lot-h"]["needs_review"] + result["batches"]["lot-h"][
        "stored"] == 2
    assert result["batches"]["lot-h"]["quarantined"] == 1
    assert list(store.list_keys(f"here-inbox-{tag}", "inbox/")) == [
        "inbox/LOCAL/other/later.png"]  # another batch: not this run's
    report = json.loads((tmp_path / "data" / "reports" / "lot-h.json").read_text("utf-8"))
    assert report["batch_id"] == "lot-h" and len(report["items"]) == 3
    assert report["exit_code"] == 3  # a file was quarantined, as `sohoa digitize` says it
    kept = list(store.list_keys(f"here-reports-{tag}", "inbox-reports/lot-h/"))
    assert len(kept) == 1


def test_a_run_is_lost_only_once_a_worker_has_held_it_too_long() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    hour_ago, minute_ago = now - timedelta(hours=1), now - timedelta(minutes=1)
    assert run_is_lost("RUNNING", hour_ago, now, 1800)
    assert run_is_lost("PENDING", hour_ago, now, 1800)  # its worker died while starting it
    assert not run_is_lost("RUNNING", minute_ago, now, 1800)
    assert not run_is_lost("SCHEDULED", hour_ago, now, 1800)  # waiting for a free worker
    assert not run_is_lost("COMPLETED", hour_ago, now, 1800)
    assert not run_is_lost("RUNNING", None, now, 1800)


def test_a_batch_whose_run_fails_is_closed_not_left_running(
        tmp_path: Path, s3_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-document runs cannot be started (no Prefect server answers): the flow fails, and
    its batch ends "stopped" with the error and what to do, its files still in the inbox."""
    from pipeline.batches import batch_status

    tag = secrets.token_hex(3)
    env = {"SOHOA_DATA_DIR": str(tmp_path / "data"), "SOHOA_S3_ENDPOINT": s3_server.endpoint,
           "SOHOA_S3_ACCESS_KEY": s3_server.access_key,
           "SOHOA_S3_SECRET_KEY": s3_server.secret_key, "SOHOA_MIN_FREE_MB": "1",
           "SOHOA_LIMIT_OCR": "", "SOHOA_LIMIT_SIGNING": "",
           **{f"SOHOA_BUCKET_{b.upper()}": f"fail-{b}-{tag}"
              for b in ("originals", "signed", "records", "quarantine", "reports", "inbox")}}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    store.ensure_bucket(f"fail-inbox-{tag}")
    for path in write_small_documents(tmp_path / "scans", 2, token=tag):
        store.put(f"fail-inbox-{tag}", f"inbox/LOCAL/lot-f/{path.name}", path.read_bytes(),
                  content_type="image/png")

    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    # Prefect read its settings at import: an API nobody answers (no temporary server)
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api",
                             PREFECT_CLIENT_MAX_RETRIES: 0}), \
            pytest.raises(Exception):  # noqa: B017, PT011 - whatever Prefect's client raises
        digitize_inbox_flow.fn(batch="lot-f", deployment="sohoa-digitize-document/nowhere")
    index = DocumentIndex(sqlite_url(tmp_path / "data" / "index.sqlite3"))
    try:
        status = batch_status(index, "lot-f")
    finally:
        index.close()
    assert status.state == "stopped" and (status.batch.stopped_by or "").startswith("error: ")
    assert status.advice() is not None and "lot-f" in status.advice()
    assert len(list(store.list_keys(f"fail-inbox-{tag}", "inbox/LOCAL/lot-f/"))) == 2
