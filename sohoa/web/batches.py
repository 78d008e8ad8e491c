"""Batch status: batches done (the JSON reports `sohoa digitize` writes in `<data dir>/reports/`)
and batches in progress (documents already indexed under a batch id that has no report yet)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col

from pipeline.i18n import _
from pipeline.queries import DocumentNotFound
from pipeline.report import OUTCOMES, BatchReport
from pipeline.users import Session
from sohoa.web.deps import State, area, render
from storage.index import DocumentIndex, DocumentRow

router = APIRouter(prefix="/batches")
Clerk = Annotated[Session, Depends(area("batches"))]
MAX_BATCHES = 200


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, int]
    pages: int
    report: BatchReport | None  # None while the batch runs

    @property
    def in_progress(self) -> bool:
        return self.report is None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
                       sa.func.sum(col(DocumentRow.page_count)))
             .where(col(DocumentRow.batch_id).is_not(None))
             .group_by(DocumentRow.batch_id, DocumentRow.status))
    with index.session() as s:
        rows = s.execute(query).all()
    running: dict[str, BatchSummary] = {}
    for batch_id, status, n, first, pages in rows:
        if batch_id is None or batch_id in finished:
            continue
        old = running.get(batch_id)
        counts = dict(old.counts) if old else dict.fromkeys(OUTCOMES, 0)
        counts[status] = counts.get(status, 0) + int(n)
        started = min(first, old.started_at) if old and old.started_at else first
        running[batch_id] = BatchSummary(batch_id, started, None, counts,
                                         (old.pages if old else 0) + int(pages or 0), None)
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
        raise DocumentNotFound(_("Không có lô số hóa {id}.").format(id=batch_id))
    rows = state.index.find(limit=1000) if found.in_progress else []
    return render(request, "batch.html", {
        "batch": found, "rows": [r for r in rows if r.batch_id == batch_id]}, session=session)
