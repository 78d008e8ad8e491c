"""Batch status: batches done (the JSON reports `sohoa digitize` writes in `<data dir>/reports/`)
and batches in progress (documents already indexed under a batch id that has no report yet)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from pipeline.i18n import _
from pipeline.queries import DocumentNotFound
from pipeline.report import OUTCOMES, BatchReport
from pipeline.users import Session
from sohoa.web.deps import State, area, render
from storage.index import DocumentIndex, DocumentRow

router = APIRouter(prefix="/batches")
Clerk = Annotated[Session, Depends(area("batches"))]
MAX_BATCHES = 200


# A batch without a report whose last document is older than this has stopped (killed, or its
# report was removed): it is shown as "no report", not as running for ever.
RUNNING_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, int]
    pages: int
    report: BatchReport | None  # None while the batch runs
    last_at: datetime | None = None  # the newest document of a batch without a report

    @property
    def in_progress(self) -> bool:
        return self.report is None and self.last_at is not None and (
            _aware(self.last_at) > datetime.now(UTC) - RUNNING_WINDOW)

    @property
    def state(self) -> str:
        """done, running or unreported (the CSS class and label of its badge)."""
        if self.report is not None:
            return "done"
        return "running" if self.in_progress else "unreported"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def read_reports(reports_dir: Path) -> list[BatchReport]:
    """Every readable batch report, newest first; a damaged file is skipped, never fatal."""
    reports = []
    for path in sorted(reports_dir.glob("*.json"), reverse=True)[:MAX_BATCHES]:
        try:
            reports.append(BatchReport.from_dict(json.loads(path.read_text("utf-8"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return reports


def running_batches(index: DocumentIndex, finished: set[str]) -> list[BatchSummary]:
    """Batch ids in the index without a report: their documents so far, by status."""
    query = (sa.select(col(DocumentRow.batch_id), col(DocumentRow.status), sa.func.count(),
                       sa.func.min(col(DocumentRow.created_at)),
                       sa.func.max(col(DocumentRow.created_at)),
                       sa.func.sum(col(DocumentRow.page_count)))
             .where(col(DocumentRow.batch_id).is_not(None))
             .group_by(DocumentRow.batch_id, DocumentRow.status))
    with index.session() as s:
        rows = s.execute(query).all()
    running: dict[str, BatchSummary] = {}
    for batch_id, status, n, first, last, pages in rows:
        if batch_id is None or batch_id in finished:
            continue
        old = running.get(batch_id)
        counts = dict(old.counts) if old else dict.fromkeys(OUTCOMES, 0)
        counts[status] = counts.get(status, 0) + int(n)
        started = min(first, old.started_at) if old and old.started_at else first
        newest = max(last, old.last_at) if old and old.last_at else last
        running[batch_id] = BatchSummary(batch_id, started, None, counts,
                                         (old.pages if old else 0) + int(pages or 0), None,
                                         newest)
    return sorted(running.values(), key=lambda b: b.batch_id, reverse=True)


def summaries(index: DocumentIndex, reports_dir: Path) -> list[BatchSummary]:
    reports = read_reports(reports_dir)
    done = [BatchSummary(r.batch_id, _time(r.started_at), _time(r.finished_at), r.counts,
                         r.pages, r) for r in reports]
    return running_batches(index, {r.batch_id for r in reports}) + done


@router.get("", response_class=HTMLResponse)
def batches(request: Request, state: State, session: Clerk) -> HTMLResponse:
    found = summaries(state.index, state.settings.data_path / "reports")
    return render(request, "batches.html", {"batches": found}, session=session)


@router.get("/{batch_id}", response_class=HTMLResponse)
def batch(request: Request, state: State, session: Clerk, batch_id: str) -> HTMLResponse:
    found = next((b for b in summaries(state.index, state.settings.data_path / "reports")
                  if b.batch_id == batch_id), None)
    if found is None:
        raise DocumentNotFound(_("No digitizing batch {id}.").format(id=batch_id))
    rows = [] if found.report else documents_of_batch(state.index, batch_id)
    return render(request, "batch.html", {"batch": found, "rows": rows}, session=session)


def documents_of_batch(index: DocumentIndex, batch_id: str) -> list[DocumentRow]:
    query = (select(DocumentRow).where(DocumentRow.batch_id == batch_id)
             .order_by(col(DocumentRow.created_at)).limit(1000))
    with index.session() as s:
        return list(s.exec(query).all())
