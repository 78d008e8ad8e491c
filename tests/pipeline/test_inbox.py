"""The S3 inbox against the real S3 server and a real index: submit a folder, digitize its files
(real OCR of short pages, real signing), move each by its outcome, retry without redoing a
stored document, and manage the quarantine (S3 and local)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from pipeline.inbox import (
    ARCHIVE,
    INBOX,
    QUARANTINE,
    InboxError,
    InboxKey,
    digitize_inbox_file,
    pending,
    settle,
    submit_folder,
)
from pipeline.limits import limiting_stages
from pipeline.process import BatchContext, digitize_file
from pipeline.quarantined import (
    QuarantineError,
    discard,
    list_inbox,
    list_local,
    retry,
)
from pipeline.report import FAILED, QUARANTINED, DocumentOutcome
from pipeline.services import Services, open_services
from pipeline.settings import Settings
from storage.seaweed import S3Endpoint
from tests.support.small_docs import copy_broken, write_small_documents

pytestmark = [pytest.mark.integration]


@pytest.fixture()
def settings(tmp_path: Path, s3_server: S3Endpoint) -> Settings:
    tag = secrets.token_hex(3)
    return Settings(
        data_dir=tmp_path / "data", s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key, s3_secret_key=s3_server.secret_key,  # type: ignore[arg-type]
        bucket_originals=f"in-orig-{tag}", bucket_signed=f"in-sig-{tag}",
        bucket_records=f"in-rec-{tag}", bucket_quarantine=f"in-q-{tag}",
        bucket_reports=f"in-rep-{tag}", bucket_inbox=f"in-box-{tag}", ocr_jobs=1,
        min_free_mb=1, agency_code="000.17.22.H56")


@pytest.fixture()
def services(settings: Settings) -> Iterator[Services]:
    with open_services(settings) as opened:
        yield opened


def test_inbox_keys_parse_and_move_between_stages() -> None:
    key = InboxKey.parse("inbox/000.17.22.H56/b1/sub/giấy 1.png")
    assert (key.agency, key.batch, key.relative, key.name) == (
        "000.17.22.H56", "b1", "sub/giấy 1.png", "giấy 1.png")
    assert key.to(ARCHIVE).key == "archive/000.17.22.H56/b1/sub/giấy 1.png"
    assert key.to(QUARANTINE).reason_key.endswith("giấy 1.png.reason.json")
    for bad in ("inbox/a/b", "other/a/b/c", "inbox//b/c"):
        with pytest.raises(InboxError):
            InboxKey.parse(bad)


def test_submit_digitize_and_settle_each_file_once(tmp_path: Path, services: Services) -> None:
    settings, store = services.settings, services.store
    folder = tmp_path / "scans"
    write_small_documents(folder / "sub", 2, token=secrets.token_hex(4))
    copy_broken(folder, ("corrupt.png",))
    done = submit_folder(store, settings.bucket_inbox, folder, agency_code=settings.agency_code,
                         batch_id="lot-1")
    assert len(done.keys) == 3 and done.agency == "000.17.22.H56"
    waiting = pending(store, settings.bucket_inbox)
    assert [k.relative for k in waiting] == ["corrupt.png", "sub/giay-001.png",
                                              "sub/giay-002.png"]
    batch = BatchContext("lot-1", settings.agency_code, None)
    stages: list[str] = []

    def guard(stage: str) -> AbstractContextManager[object]:
        stages.append(stage)  # the flow puts Prefect concurrency slots here
        return nullcontext()

    with limiting_stages(guard):
        outcomes = {k.relative: digitize_inbox_file(k, services=services, batch=batch)
                    for k in waiting}
    assert stages == ["ocr", "sign", "ocr", "sign"]  # the corrupt file never reached OCR
    assert outcomes["corrupt.png"].status == QUARANTINED
    assert outcomes["corrupt.png"].path.startswith(f"s3://{settings.bucket_inbox}/inbox/")
    stored = [outcomes[f"sub/giay-00{n}.png"] for n in (1, 2)]
    assert all(o.status in ("stored", "needs_review") and o.record_id for o in stored)
    assert pending(store, settings.bucket_inbox) == []
    archived = sorted(store.list_keys(settings.bucket_inbox, f"{ARCHIVE}/"))
    assert archived == ["archive/000.17.22.H56/lot-1/sub/giay-001.png",
                        "archive/000.17.22.H56/lot-1/sub/giay-002.png"]
    reason = json.loads(store.get(settings.bucket_inbox,
                                  "quarantine/000.17.22.H56/lot-1/corrupt.png.reason.json"))
    assert reason["code"] == "CORRUPT_FILE" and reason["batch_id"] == "lot-1"
    assert reason["message"] and reason["at"]
    assert list_local(services.quarantine_dir) == []  # the worker's own copy was dropped
    # The index, the record and the web pages name each file as it was dropped in the batch,
    # never by the worker's working copy.
    named = {r.original_name: r for r in services.index.all_rows()}
    assert set(named) == {"corrupt.png", "sub/giay-001.png", "sub/giay-002.png"}
    assert str(services.work_dir) not in (named["corrupt.png"].reason_message or "")
    assert "corrupt.png" in (named["corrupt.png"].reason_message or "")
    record = json.loads(store.get(str(named["sub/giay-001.png"].record_bucket),
                                  str(named["sub/giay-001.png"].record_key)))
    assert record["original"]["name"] == "giay-001.png"
    assert record["original"]["path"] == "sub/giay-001.png"

    # The same files again (a retried run, or a resubmission): nothing is redone.
    again = submit_folder(store, settings.bucket_inbox, folder / "sub",
                          agency_code=settings.agency_code, batch_id="lot-2")
    rerun = [digitize_inbox_file(k, services=services, batch=BatchContext("lot-2", None, None))
             for k in pending(store, settings.bucket_inbox)]
    assert len(again.keys) == 2
    assert [(o.status, o.reason_code) for o in rerun] == [("duplicate", "DUPLICATE")] * 2
    assert {o.record_id for o in rerun} == {o.record_id for o in stored}
    rows = [r for r in services.index.all_rows() if r.status in ("stored", "needs_review")]
    assert len(rows) == 2  # one row per document, whatever the number of runs


def test_a_failed_file_stays_in_the_inbox(services: Services) -> None:
    settings, store = services.settings, services.store
    store.put(settings.bucket_inbox, "inbox/LOCAL/b/x.png", b"x", content_type="image/png")
    key = InboxKey.parse("inbox/LOCAL/b/x.png")
    failed = DocumentOutcome("s3://x", FAILED, "S3_NOT_WRITABLE", "later")
    busy = DocumentOutcome("s3://x", "duplicate", "IN_PROGRESS", "another worker")
    assert settle(store, settings.bucket_inbox, key, failed, batch_id="b") is None
    assert settle(store, settings.bucket_inbox, key, busy, batch_id="b") is None
    assert [k.key for k in pending(store, settings.bucket_inbox)] == [key.key]


def test_quarantine_retry_and_discard_in_the_inbox(tmp_path: Path, services: Services) -> None:
    settings, store = services.settings, services.store
    folder = copy_broken(tmp_path / "bad", ("corrupt.png", "empty.pdf"))[0].parent
    submit_folder(store, settings.bucket_inbox, folder, agency_code=None, batch_id="b9")
    batch = BatchContext("b9", None, None)
    for key in pending(store, settings.bucket_inbox):
        assert digitize_inbox_file(key, services=services, batch=batch).status == QUARANTINED
    items = {i.name: i for i in list_inbox(store, settings.bucket_inbox)}
    assert set(items) == {"corrupt.png", "empty.pdf"}
    assert items["empty.pdf"].code == "EMPTY_FILE" and items["empty.pdf"].batch_id == "b9"
    corrupt = items["corrupt.png"]
    assert corrupt.id == "inbox:LOCAL/b9/corrupt.png"
    assert services.index.by_sha256(str(corrupt.sha256)) is not None

    places = {"store": store, "bucket": settings.bucket_inbox,
              "quarantine_dir": services.quarantine_dir, "index": services.index}
    with pytest.raises(QuarantineError):
        discard(corrupt.id, reason="  ", by="lan", **places)  # type: ignore[arg-type]
    retry(corrupt.id, **places)  # type: ignore[arg-type]
    assert [k.key for k in pending(store, settings.bucket_inbox)] == [
        f"{INBOX}/LOCAL/b9/corrupt.png"]
    assert services.index.by_sha256(str(corrupt.sha256)) is None  # processed again next run

    discard(items["empty.pdf"].id, reason="blank sheet, nothing to keep", by="lan",
            **places)  # type: ignore[arg-type]
    assert [i.name for i in list_inbox(store, settings.bucket_inbox)] == []
    kept = json.loads(store.get(settings.bucket_inbox,
                                "discarded/LOCAL/b9/empty.pdf.reason.json"))
    assert kept["code"] == "EMPTY_FILE"
    assert kept["discarded"]["reason"] == "blank sheet, nothing to keep"
    assert kept["discarded"]["by"] == "lan"
    row = services.index.by_sha256(str(items["empty.pdf"].sha256))
    assert row is not None and row.reason_code == "DISCARDED"
    assert "blank sheet" in (row.reason_message or "")
    with pytest.raises(QuarantineError):
        retry(items["empty.pdf"].id, **places)  # type: ignore[arg-type]


def test_local_quarantine_retry_restores_and_discard_records(tmp_path: Path,
                                                             services: Services) -> None:
    bad = copy_broken(tmp_path / "in", ("corrupt.png", "truncated.pdf"))
    batch = BatchContext("local-1", None, None)
    for path in bad:
        assert digitize_file(path, services=services, batch=batch).status == QUARANTINED
    items = {i.name: i for i in list_local(services.quarantine_dir)}
    assert set(items) == {"corrupt.png", "truncated.pdf"}
    assert all(i.id.startswith("local:") and i.where == "local" for i in items.values())
    places = {"store": None, "bucket": "unused", "quarantine_dir": services.quarantine_dir,
              "index": services.index}

    bad[0].unlink()  # the clerk's file is gone: retry puts the kept copy back
    done = retry(items["corrupt.png"].id, **places)  # type: ignore[arg-type]
    assert bad[0].is_file() and str(bad[0]) in done.message
    assert services.index.by_sha256(str(items["corrupt.png"].sha256)) is None
    again = digitize_file(bad[0], services=services, batch=batch)
    assert again.status == QUARANTINED and again.reason_code == "CORRUPT_FILE"

    discard(items["truncated.pdf"].id, reason="rescanned on paper", by="minh",
            **places)  # type: ignore[arg-type]
    names = [i.name for i in list_local(services.quarantine_dir)]
    assert names == ["corrupt.png"]
    kept = services.quarantine_dir / ".discarded" / items["truncated.pdf"].id.split(":")[1]
    record = json.loads((kept / "reason.json").read_text("utf-8"))
    assert record["discarded"]["reason"] == "rescanned on paper"
    assert (kept / "truncated.pdf").is_file()
