"""Batch status: reports of finished batches, batches still running, batches that stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.report import BatchReport, DocumentOutcome
from sohoa.web.batches import documents_of_batch, summaries
from storage.index import DocumentIndex, DocumentRow, sqlite_url


def _row(n: int, batch_id: str, status: str, at: datetime) -> DocumentRow:
    return DocumentRow(id=f"{n:016x}", original_sha256=f"{n:064x}", original_name=f"{n}.png",
                       status=status, batch_id=batch_id, page_count=2, created_at=at)


def test_finished_running_and_stopped_batches(tmp_path: Path) -> None:
    index = DocumentIndex(sqlite_url(tmp_path / "index.sqlite3"))
    now = datetime.now(UTC)
    for n, batch, status, at in ((1, "done-1", "stored", now), (2, "run-1", "stored", now),
                                 (3, "run-1", "needs_review", now),
                                 (4, "old-1", "stored", now - timedelta(hours=5))):
        index.add(_row(n, batch, status, at))
    reports = tmp_path / "reports"
    done = BatchReport("done-1")
    done.add(DocumentOutcome("/scans/1.png", "stored", record_id=f"{1:016x}", pages=2))
    done.add(DocumentOutcome("/scans/x.pdf", "quarantined", reason_code="EMPTY_FILE"))
    done.finish().write(reports / "done-1.json")
    (reports / "broken.json").write_text("{not json", "utf-8")  # skipped, never fatal

    found = {b.batch_id: b for b in summaries(index, reports)}
    assert set(found) == {"done-1", "run-1", "old-1"}
    assert found["done-1"].state == "done" and found["done-1"].counts["quarantined"] == 1
    assert found["done-1"].total == 2 and found["done-1"].pages == 2
    running = found["run-1"]
    assert running.state == "running" and running.total == 2 and running.pages == 4
    assert running.counts["stored"] == 1 and running.counts["needs_review"] == 1
    assert found["old-1"].state == "unreported"
    assert [r.id for r in documents_of_batch(index, "run-1")] == [f"{2:016x}", f"{3:016x}"]
    index.close()
