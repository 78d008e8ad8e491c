"""The batches table: one row per digitizing batch, whoever runs it (a `sohoa digitize`, a
fan-out flow on Prefect workers), so its progress can be followed from any machine.

Same SQLModel metadata as `storage.index` (one database, one Alembic history: revision 0006).
The documents themselves stay in `documents` under the batch id; this row says what was
expected (how many documents, from where) and how the batch ended.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel

from storage.index import utcnow

BATCH_RUNNING = "running"
BATCH_DONE = "done"  # every document ended (stored, in review, duplicate, quarantined, failed)
BATCH_STOPPED = "stopped"  # SIGINT / SIGTERM: a partial report, rerun to finish
BATCH_HALTED = "halted"  # the services became unusable mid-batch (exit code 5)
BATCH_STATES = (BATCH_RUNNING, BATCH_DONE, BATCH_STOPPED, BATCH_HALTED)


class BatchRow(SQLModel, table=True):
    """A batch: what it expects, where it comes from, and how it ended."""

    __tablename__ = "batches"

    id: str = Field(primary_key=True, max_length=40)
    agency_code: str | None = Field(default=None, max_length=40, index=True)
    source: str | None = Field(default=None, max_length=1000)  # folders, or an inbox prefix
    total: int | None = None  # documents expected (None: not known yet)
    state: str = Field(default=BATCH_RUNNING, max_length=20, index=True)
    stopped_by: str | None = Field(default=None, max_length=20)  # SIGINT, SIGTERM, or a code
    host: str | None = Field(default=None, max_length=100)  # where the batch was started
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None
    # From the batch report when it ends: outcomes no index row shows (missing, interrupted)
    counts: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    pages: int | None = None
    exit_code: int | None = None
    summary_key: str | None = Field(default=None, max_length=300)  # in the reports bucket
