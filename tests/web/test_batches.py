"""Batch status: the batches table (any machine's batches: running, ended, stalled), reports of
batches from before it, batches known only by their documents; and the pages on a real
`sohoa serve` showing an inbox batch another machine ran."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.batches import finish_batch, register_batch
from pipeline.report import BatchReport, DocumentOutcome
from pipeline.settings import Settings
from sohoa.web.batches import documents_of_batch, summaries
from storage.batches import BatchRow
from storage.index import DocumentIndex, DocumentRow, sqlite_url
from tests.web.conftest import AGENCY, Site, log_in


def _row(n: int, batch_id: str, status: str, at: datetime) -> DocumentRow:
    return DocumentRow(id=f"{n:016x}", original_sha256=f"{n:064x}", original_name=f"{n}.png",
                       status=status, batch_id=batch_id, page_count=2, created_at=at,
                       updated_at=at)


def _started(index: DocumentIndex, batch_id: str, at: datetime) -> None:
    with index.session() as s:
        row = s.get(BatchRow, batch_id)
        assert row is not None
        row.started_at = at
        s.add(row)
        s.commit()


def _remote_report(batch_id: str) -> BatchReport:
    report = BatchReport(batch_id)
    report.add(DocumentOutcome(f"s3://inbox/inbox/{AGENCY}/{batch_id}/giay-1.png", "stored",
                               pages=1))
    report.add(DocumentOutcome(f"s3://inbox/inbox/{AGENCY}/{batch_id}/hong.pdf", "quarantined",
                               reason_code="CORRUPT_FILE", message="hong.pdf: damaged"))
    return report.finish()


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


def test_batches_of_the_table_from_any_machine(tmp_path: Path) -> None:
    """No local report: the batches table says how each batch stands, whoever ran it."""
    index = DocumentIndex(sqlite_url(tmp_path / "index.sqlite3"))
    now = datetime.now(UTC)
    register_batch(index, "w-done", total=2, agency=AGENCY, host="may-2",
                   source=f"s3://inbox/inbox/{AGENCY}/w-done/")
    finish_batch(index, _remote_report("w-done"), summary_key="inbox-reports/w-done/1.json")
    register_batch(index, "w-live", total=5, agency=AGENCY, host="may-3", source="/scans")
    index.add(_row(1, "w-live", "stored", now))
    register_batch(index, "w-dead", total=4, agency=None, host="may-4", source="/scans")
    index.add(_row(2, "w-dead", "stored", now - timedelta(hours=3)))
    _started(index, "w-dead", now - timedelta(hours=4))

    listed = summaries(index, tmp_path / "no-reports", stall_after=timedelta(minutes=30))
    found = {b.batch_id: b for b in listed}
    assert [b.batch_id for b in listed][-1] == "w-dead"  # newest first
    assert found["w-done"].state == "done" and found["w-done"].host == "may-2"
    assert found["w-done"].counts["quarantined"] == 1 and found["w-done"].pages == 1
    live = found["w-live"]
    assert (live.state, live.total, live.expected, live.pages) == ("running", 1, 5, 2)
    dead = found["w-dead"]
    assert dead.state == "stalled" and "sohoa digitize" in str(dead.advice)
    assert dead.total == 1 and dead.expected == 4
    index.close()


@pytest.mark.integration
def test_batch_pages_show_inbox_batches_of_other_machines(site: Site, browser: Any) -> None:
    """A real `sohoa serve`: an inbox batch a worker elsewhere finished (no local report, its
    summary in the reports bucket) and a batch whose process died are listed and detailed."""
    tag = uuid.uuid4().hex[:6]
    remote, dead = f"w-{tag}-done", f"w-{tag}-dead"
    long_ago = datetime.now(UTC) - timedelta(days=2)  # below the site's own batch in the list
    bucket = Settings.model_fields["bucket_reports"].default
    site.store.ensure_bucket(bucket)
    report = _remote_report(remote)
    key = f"inbox-reports/{remote}/1.json"
    site.store.put(bucket, key, json.dumps(report.to_dict()).encode(),
                   content_type="application/json")
    register_batch(site.index, remote, total=2, agency=AGENCY, host="may-tho-2",
                   source=f"s3://sohoa-inbox/inbox/{AGENCY}/{remote}/")
    finish_batch(site.index, report, summary_key=key)
    register_batch(site.index, dead, total=3, agency=AGENCY, host="may-tho-3",
                   source=f"s3://sohoa-inbox/inbox/{AGENCY}/{dead}/")
    _started(site.index, remote, long_ago)
    _started(site.index, dead, long_ago - timedelta(hours=1))

    page = log_in(browser, site, "clerk")
    page.goto("/ui/batches")
    rows = page.locator("table.batches tbody tr")
    assert site.report["batch_id"] in rows.first.inner_text()  # the newest stays first
    done_row = rows.filter(has_text=remote)
    assert "Đã xong" in done_row.inner_text()
    assert done_row.locator("td.num").all_inner_texts()[:3] == ["2", "1", "1"]
    dead_row = rows.filter(has_text=dead)
    assert "Đình trệ" in dead_row.inner_text() and "0 / 3" in dead_row.inner_text()
    assert f"batch={dead}" in str(dead_row.locator(".s-stalled").get_attribute("title"))

    done_row.locator("a").click()
    assert page.locator("table.data tbody tr").count() == 2  # the report from the bucket
    assert "hong.pdf" in page.locator("table.data").inner_text()
    assert "may-tho-2" in page.locator(".heading").inner_text()
    page.goto(f"/ui/batches/{dead}")
    advice = page.locator(".batch-advice").inner_text()
    assert "Không có tiến triển" in advice and f"batch={dead}" in advice
    page.context.close()
