"""Batch status, from the batches table of the index (`pipeline.batches`): every batch,
whichever machine ran it (a `sohoa digitize` here, an inbox batch spread over Prefect workers),
with its state (running, done, stopped, halted, or stalled when its process died) and what to
do about it. The detail of a finished batch is its report: the local file `sohoa digitize`
wrote in `<data dir>/reports/`, else its summary in the reports bucket, else the documents the
index holds under the batch id.

Batches older than the batches table (migration 0006) are still shown: from their local report,
or, without one, from the documents indexed under their id."""

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

from pipeline.batches import BatchNotFound, BatchStatus, batch_status, list_batches
from pipeline.i18n import _
from pipeline.queries import DocumentNotFound
from pipeline.report import OUTCOMES, BatchReport
from pipeline.users import Session
from sohoa.api.state import ApiState
from sohoa.web.deps import State, area, render
from storage.batches import BATCH_RUNNING, BatchRow
from storage.errors import StorageError
from storage.index import DocumentIndex, DocumentRow
from storage.objects import ObjectStore

router = APIRouter(prefix="/batches")
Clerk = Annotated[Session, Depends(area("batches"))]
MAX_BATCHES = 200


# A batch known only by its documents (no report, not in the batches table) whose last document
# is older than this has stopped: it is shown as "no report", not as running for ever.
RUNNING_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, int]
    pages: int
    report: BatchReport | None  # the batch's report when it is at hand (detail page)
    last_at: datetime | None = None  # the newest document of a batch without a report
    status: BatchStatus | None = None  # from the batches table (None: a batch before 0006)

    @property
    def in_progress(self) -> bool:
        if self.status is not None:
            return self.status.state == BATCH_RUNNING
        return self.report is None and self.last_at is not None and (
            _aware(self.last_at) > datetime.now(UTC) - RUNNING_WINDOW)

    @property
    def state(self) -> str:
        """The CSS class and label of its badge: running, done, stopped, halted, stalled, or
        unreported (a batch before the batches table that stopped without a report)."""
        if self.status is not None:
            return self.status.state
        if self.report is not None:
            return "done"
        return "running" if self.in_progress else "unreported"

    @property
    def advice(self) -> str | None:
        return self.status.advice() if self.status is not None else None

    @property
    def expected(self) -> int | None:
        """Documents the batch expects (None: not known)."""
        return self.status.total if self.status is not None else None

    @property
    def host(self) -> str | None:
        return self.status.batch.host if self.status is not None else None

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
        report = _read_report(path)
        if report is not None:
            reports.append(report)
    return reports


def _read_report(path: Path) -> BatchReport | None:
    try:
        return BatchReport.from_dict(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class _Indexed:
    """What the index holds under one batch id: documents by status, pages, first and last."""

    counts: dict[str, int]
    pages: int
    first: datetime | None
    last: datetime | None


def _indexed(index: DocumentIndex, batch_ids: list[str] | None = None) -> dict[str, _Indexed]:
    """One grouped query over the documents of every batch (or of these batches)."""
    query = (sa.select(col(DocumentRow.batch_id), col(DocumentRow.status), sa.func.count(),
                       sa.func.min(col(DocumentRow.created_at)),
                       sa.func.max(col(DocumentRow.created_at)),
                       sa.func.sum(col(DocumentRow.page_count)))
             .where(col(DocumentRow.batch_id).is_not(None))
             .group_by(DocumentRow.batch_id, DocumentRow.status))
    if batch_ids is not None:
        query = query.where(col(DocumentRow.batch_id).in_(batch_ids))
    with index.reading() as s:
        rows = s.execute(query).all()
    found: dict[str, _Indexed] = {}
    for batch_id, status, n, first, last, pages in rows:
        old = found.get(batch_id) or _Indexed(dict.fromkeys(OUTCOMES, 0), 0, None, None)
        counts = {**old.counts, status: old.counts.get(status, 0) + int(n)}
        found[batch_id] = _Indexed(counts, old.pages + int(pages or 0),
                                   min(x for x in (first, old.first) if x is not None),
                                   max(x for x in (last, old.last) if x is not None))
    return found


def _from_table(index: DocumentIndex, row: BatchRow, indexed: _Indexed | None,
                report: BatchReport | None, stall_after: timedelta) -> BatchSummary:
    """A registered batch: while it runs, the index's counts (and whether it stalled); once
    ended, its report's counts kept in the row."""
    if row.state == BATCH_RUNNING:
        try:
            status = batch_status(index, row.id, stall_after=stall_after)
        except BatchNotFound:  # removed meanwhile
            status = BatchStatus(row, {}, 0)
        counts = dict(status.counts)
        pages = indexed.pages if indexed else 0
    else:
        counts = {k: int(v) for k, v in (row.counts or {}).items()}
        status = BatchStatus(row, counts, sum(counts.values()))
        pages = row.pages if row.pages is not None else (indexed.pages if indexed else 0)
    return BatchSummary(row.id, row.started_at, row.finished_at, counts, pages, report,
                        indexed.last if indexed else None, status)


def summaries(index: DocumentIndex, reports_dir: Path, *,
              stall_after: timedelta = timedelta(minutes=30)) -> list[BatchSummary]:
    """Every batch, newest first: the batches table (any machine's), then local reports and
    indexed documents of batches the table does not know (digitized before it existed)."""
    local = {r.batch_id: r for r in read_reports(reports_dir)}
    indexed = _indexed(index)
    found = [_from_table(index, row, indexed.get(row.id), local.get(row.id), stall_after)
             for row in list_batches(index, limit=MAX_BATCHES)]
    known = {b.batch_id for b in found}
    found += [BatchSummary(r.batch_id, _time(r.started_at), _time(r.finished_at), r.counts,
                           r.pages, r) for r in local.values() if r.batch_id not in known]
    known |= set(local)
    found += [BatchSummary(batch_id, i.first, None, i.counts, i.pages, None, i.last)
              for batch_id, i in indexed.items() if batch_id not in known]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda b: (_aware(b.started_at) if b.started_at else oldest,
                                        b.batch_id), reverse=True)


def one_batch(state: ApiState, batch_id: str, *, stall_after: timedelta) -> BatchSummary:
    """One batch with its report when one can be read: the local file, else its summary in
    the reports bucket (a batch another machine ran). Raises DocumentNotFound."""
    settings = state.settings
    report = _read_report(settings.data_path / "reports" / f"{batch_id}.json")
    with state.index.reading() as s:
        row = s.get(BatchRow, batch_id)
    indexed = _indexed(state.index, [batch_id]).get(batch_id)
    if row is not None:
        if report is None and row.summary_key:
            report = _summary(state.store, settings.bucket_reports, row.summary_key)
        return _from_table(state.index, row, indexed, report, stall_after)
    if report is not None:
        return BatchSummary(batch_id, _time(report.started_at), _time(report.finished_at),
                            report.counts, report.pages, report)
    if indexed is not None:
        return BatchSummary(batch_id, indexed.first, None, indexed.counts, indexed.pages, None,
                            indexed.last)
    raise DocumentNotFound(_("No digitizing batch {id}.").format(id=batch_id))


def _summary(store: ObjectStore, bucket: str, key: str) -> BatchReport | None:
    """The batch report kept in the reports bucket; None when it cannot be read (the page
    then lists the batch's documents from the index)."""
    try:
        return BatchReport.from_dict(json.loads(store.get(bucket, key)))
    except (StorageError, ValueError, KeyError, TypeError):
        return None


def _stall_after(state: ApiState) -> timedelta:
    return timedelta(seconds=state.settings.inbox_document_timeout_s)


@router.get("", response_class=HTMLResponse)
def batches(request: Request, state: State, session: Clerk) -> HTMLResponse:
    found = summaries(state.index, state.settings.data_path / "reports",
                      stall_after=_stall_after(state))
    return render(request, "batches.html", {"batches": found}, session=session)


@router.get("/{batch_id}", response_class=HTMLResponse)
def batch(request: Request, state: State, session: Clerk, batch_id: str) -> HTMLResponse:
    found = one_batch(state, batch_id, stall_after=_stall_after(state))
    rows = [] if found.report else documents_of_batch(state.index, batch_id)
    return render(request, "batch.html", {"batch": found, "rows": rows}, session=session)


def documents_of_batch(index: DocumentIndex, batch_id: str) -> list[DocumentRow]:
    query = (select(DocumentRow).where(DocumentRow.batch_id == batch_id)
             .order_by(col(DocumentRow.created_at)).limit(1000))
    with index.session() as s:
        return list(s.exec(query).all())
