"""Batches: registered when they start, followed while they run (on any number of workers),
closed with their report, whose summary is kept in the reports bucket.

A batch's progress is read from the index, which every worker writes: the documents indexed
under the batch id, counted by status, and those being worked on right now with the worker
(host and process) holding them. When the batch has ended, the counts of its report (kept in
the batch's row) complete the picture with what no index row shows (missing files, files not
started because the batch was stopped).

A batch whose process was killed (`kill -9`, a machine restarted, a crashed flow run) never
closes its row. Its status says so instead of "running" for ever: a running batch none of whose
documents has moved for longer than the document timeout, and none of whose claims a worker
still renews, is shown "stalled", with what to do (run it again: idempotent).
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.report import BatchReport
from pipeline.services import Services
from storage.batches import (
    BATCH_DONE,
    BATCH_HALTED,
    BATCH_RUNNING,
    BATCH_STOPPED,
    BatchRow,
)
from storage.errors import StorageError
from storage.index import STATUS_PROCESSING, DocumentIndex, DocumentRow, utcnow

log = logging.getLogger("sohoa")
SUMMARY_PREFIX = "batches"
NO_AGENCY = "none"  # the summary folder of batches run without an agency code
# Shown, never stored: a batch registered as running that shows no sign of life (see above).
BATCH_STALLED = "stalled"
INBOX_SOURCE = "s3://"  # the source of a batch digitized from the S3 inbox


class BatchNotFound(SohoaError):
    code = "BATCH_NOT_FOUND"


@dataclass(frozen=True)
class InProgress:
    """A document a worker is digitizing right now."""

    document_id: str
    name: str
    worker: str | None  # host-pid of the claim's owner
    since: datetime
    lease_lapsed: bool  # its worker stopped renewing: it died, another worker may take it over


@dataclass(frozen=True)
class BatchStatus:
    batch: BatchRow
    counts: dict[str, int]  # by index status (stored, needs_review, failed, ...) or outcome
    done: int  # documents that have ended, whatever the outcome
    in_progress: list[InProgress] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)
    last_activity: datetime | None = None  # the latest change to one of its documents
    stall_after: timedelta | None = None  # None: never judged stalled

    @property
    def total(self) -> int | None:
        return self.batch.total

    @property
    def idle(self) -> timedelta:
        """Since the batch last moved: its latest document change, else its start."""
        return self.now - _aware(self.last_activity or self.batch.started_at)

    @property
    def stalled(self) -> bool:
        """Registered as running, yet nothing moves: no claim renewed by a live worker and no
        document changed for longer than `stall_after`. Its process has most likely died."""
        if self.batch.state != BATCH_RUNNING or self.stall_after is None:
            return False
        if any(not d.lease_lapsed for d in self.in_progress):
            return False  # a worker is still working on one of its documents
        return self.idle > self.stall_after

    @property
    def state(self) -> str:
        return BATCH_STALLED if self.stalled else self.batch.state

    @property
    def from_inbox(self) -> bool:
        return (self.batch.source or "").startswith(INBOX_SOURCE)

    def advice(self) -> str | None:
        """What the clerk or operator does about a batch that did not end well; None when
        there is nothing to do (running or done)."""
        rerun = (_("start the batch again (prefect deployment run "
                   "sohoa-digitize-inbox/digitize-inbox -p batch={id}); files not done are "
                   "still in the inbox") if self.from_inbox else
                 _("run the same `sohoa digitize` command again")).format(id=self.batch.id)
        state = self.state
        if state == BATCH_STALLED:
            return _("No progress for {idle}: the process digitizing this batch has most likely "
                     "stopped (killed, or its machine {host} restarted). If it is no longer "
                     "running, {rerun}; documents already stored are not redone.").format(
                         idle=_duration(self.idle), host=self.batch.host or "?", rerun=rerun)
        if state == BATCH_STOPPED:
            return _("Stopped ({signal}) before the end: {rerun} to finish it; documents "
                     "already stored are not redone.").format(
                         signal=self.batch.stopped_by or "?", rerun=rerun)
        if state == BATCH_HALTED:
            return _("Halted: the storage or the index became unusable. Fix the cause given "
                     "in the report, then {rerun}.").format(rerun=rerun)
        return None

    @property
    def elapsed(self) -> timedelta:
        end = _aware(self.batch.finished_at) if self.batch.finished_at else self.now
        return end - _aware(self.batch.started_at)

    @property
    def eta(self) -> timedelta | None:
        """At the rate so far; None when finished, unknown, or nothing has ended yet."""
        if self.state != BATCH_RUNNING or not self.total or self.done <= 0:
            return None
        remaining = max(0, self.total - self.done)
        return self.elapsed * (remaining / self.done)

    def to_dict(self) -> dict[str, Any]:
        b = self.batch
        eta = self.eta
        return {
            "batch_id": b.id, "agency_code": b.agency_code, "source": b.source,
            "state": self.state, "stopped_by": b.stopped_by, "host": b.host,
            "started_at": _aware(b.started_at).isoformat(),
            "finished_at": _aware(b.finished_at).isoformat() if b.finished_at else None,
            "total": b.total, "done": self.done, "counts": self.counts, "pages": b.pages,
            "exit_code": b.exit_code, "summary_key": b.summary_key,
            "elapsed_s": round(self.elapsed.total_seconds(), 1),
            "eta_s": round(eta.total_seconds(), 1) if eta is not None else None,
            "last_activity_at": _aware(self.last_activity).isoformat()
            if self.last_activity else None,
            "idle_s": round(self.idle.total_seconds(), 1)
            if self.batch.state == BATCH_RUNNING else None, "advice": self.advice(),
            "in_progress": [{"document_id": d.document_id, "name": d.name, "worker": d.worker,
                             "since": _aware(d.since).isoformat(),
                             "lease_lapsed": d.lease_lapsed} for d in self.in_progress],
        }


def register_batch(index: DocumentIndex, batch_id: str, *, total: int | None,
                   agency: str | None, source: str | None,
                   host: str | None = None) -> BatchRow:
    """Record that a batch starts (or starts again: a retried flow run keeps its row and
    updates what it expects)."""
    host = host or socket.gethostname()
    with index.session() as s:
        row = s.get(BatchRow, batch_id)
        if row is None:
            row = BatchRow(id=batch_id, agency_code=agency, source=_short(source, 1000),
                           total=total, host=_short(host, 100))
        else:
            row.total, row.state, row.finished_at, row.stopped_by = total, BATCH_RUNNING, None, None
        s.add(row)
        s.commit()
        s.refresh(row)
        return row


def finish_batch(index: DocumentIndex, report: BatchReport, *, halted: bool = False,
                 summary_key: str | None = None) -> BatchRow:
    """Close the batch with its report: how it ended, its counts and pages."""
    state = BATCH_HALTED if halted else (BATCH_STOPPED if report.stopped_by else BATCH_DONE)
    with index.session() as s:
        row = s.get(BatchRow, report.batch_id) or BatchRow(id=report.batch_id,
                                                           total=len(report.items))
        row.state, row.stopped_by = state, report.stopped_by
        row.finished_at = _parse(report.finished_at) or utcnow()
        row.counts, row.pages, row.exit_code = report.counts, report.pages, int(report.exit_code)
        row.summary_key = summary_key
        s.add(row)
        s.commit()
        s.refresh(row)
        return row


def batch_status(index: DocumentIndex, batch_id: str, *, now: datetime | None = None,
                 stall_after: timedelta | None = None) -> BatchStatus:
    """Where a batch stands, from the index (any worker's documents) and, once it ended, its
    report's counts. A running batch that has not moved for `stall_after` (the document
    timeout) is shown stalled. Raises BatchNotFound for an id neither registered nor indexed."""
    now = now or utcnow()
    with index.reading() as s:
        row = s.get(BatchRow, batch_id)
        by_status = _counts_by_status(s, batch_id)
        last = s.execute(sa.select(sa.func.max(col(DocumentRow.updated_at)))
                         .where(col(DocumentRow.batch_id) == batch_id)).scalar()
        working = list(s.exec(select(DocumentRow).where(
            DocumentRow.batch_id == batch_id, DocumentRow.status == STATUS_PROCESSING)
            .order_by(col(DocumentRow.updated_at)).limit(200)).all())
    if row is None:
        if not by_status:
            raise BatchNotFound(_("No batch {id}: check the id with `sohoa batches list`.")
                                .format(id=batch_id))
        row = _unregistered(index, batch_id)  # a batch digitized before batches were recorded
    in_progress = [_in_progress(d, now) for d in working]
    if row.state != BATCH_RUNNING and row.counts:
        counts = {k: int(v) for k, v in row.counts.items() if v}
        done = sum(counts.values())
    else:
        done = sum(n for status, n in by_status.items() if status != STATUS_PROCESSING)
        counts = {k: n for k, n in by_status.items() if k != STATUS_PROCESSING}
    return BatchStatus(row, counts, done, in_progress, now, last_activity=last,
                       stall_after=stall_after)


def list_batches(index: DocumentIndex, *, limit: int = 50,
                 agency: str | None = None) -> list[BatchRow]:
    """The latest batches first."""
    query = select(BatchRow).order_by(col(BatchRow.started_at).desc()).limit(limit)
    if agency is not None:
        query = query.where(BatchRow.agency_code == agency)
    with index.reading() as s:
        return list(s.exec(query).all())


def summary_key(report: BatchReport, agency: str | None) -> str:
    return f"{SUMMARY_PREFIX}/{_key_part(agency or NO_AGENCY)}/{report.batch_id}.json"


def persist_summary(services: Services, report: BatchReport, *,
                    agency: str | None) -> str | None:
    """Put the batch summary (the report, with the agency and host) into the reports bucket,
    beside the local report file. Returns its key; None when S3 refused it (the local report
    is there, and the reason is in the log)."""
    key = summary_key(report, agency)
    body = {**report.to_dict(), "agency_code": agency, "host": socket.gethostname()}
    try:
        services.store.put(services.settings.bucket_reports, key,
                           json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"),
                           content_type="application/json")
    except StorageError as e:
        log.error("batch %s: summary not stored in the reports bucket: %s", report.batch_id,
                  e.message)
        return None
    return key


def _counts_by_status(s: Any, batch_id: str) -> dict[str, int]:
    rows = s.execute(sa.select(col(DocumentRow.status), sa.func.count())
                     .where(col(DocumentRow.batch_id) == batch_id)
                     .group_by(col(DocumentRow.status))).all()
    return {str(status): int(n) for status, n in rows}


def _unregistered(index: DocumentIndex, batch_id: str) -> BatchRow:
    """A row for a batch the index knows only by its documents (digitized before 0006)."""
    with index.reading() as s:
        first = s.execute(sa.select(sa.func.min(col(DocumentRow.created_at)))
                          .where(col(DocumentRow.batch_id) == batch_id)).scalar()
    return BatchRow(id=batch_id, state=BATCH_RUNNING, started_at=first or utcnow(),
                    finished_at=None, total=None, host=None)


def _in_progress(row: DocumentRow, now: datetime) -> InProgress:
    owner = row.lease_owner
    worker = owner.rsplit("-", 1)[0] if owner else None  # host-pid, without the attempt token
    lapsed = row.lease_until is not None and _aware(row.lease_until) < now
    return InProgress(row.id, row.original_name, worker, row.updated_at, lapsed)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _duration(span: timedelta) -> str:
    return str(timedelta(seconds=round(span.total_seconds())))


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _short(text: str | None, limit: int) -> str | None:
    return text[:limit] if text else text


def _key_part(text: str) -> str:
    """An agency code as one safe key segment (codes are ASCII: 000.17.22.H56)."""
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in text) or NO_AGENCY


__all__ = ["BATCH_DONE", "BATCH_HALTED", "BATCH_RUNNING", "BATCH_STALLED", "BATCH_STOPPED",
           "BatchNotFound",
           "BatchStatus", "InProgress", "batch_status", "finish_batch", "list_batches",
           "persist_summary", "register_batch", "summary_key"]
