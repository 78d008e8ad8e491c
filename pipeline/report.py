"""Batch outcomes and the machine-readable batch report."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

STORED = "stored"
NEEDS_REVIEW = "needs_review"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"
FAILED = "failed"
INTERRUPTED = "interrupted"  # not processed because the batch was stopped; rerun to do it
# Not stored because a service stayed away (TSA, S3, index database) after its retries; nothing
# of it was stored and its reason names the cause: rerun the batch once the service is back.
RETRYABLE = "retryable"
OUTCOMES = (STORED, NEEDS_REVIEW, DUPLICATE, QUARANTINED, RETRYABLE, FAILED, INTERRUPTED)


class ExitCode(IntEnum):
    """Exit codes of `sohoa digitize` (documented in the README and --help)."""

    OK = 0  # every file stored, already stored, or stored pending review
    QUARANTINED = 3  # some files were quarantined (the others were processed)
    FAILED = 4  # some files failed or are retryable (kept in place; rerun after fixing the cause)
    CONFIGURATION = 5  # services or settings unusable: nothing was processed
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT): partial report written, rerun to finish
    TERMINATED = 143  # stopped by SIGTERM: partial report written, rerun to finish


_STOP_CODES = {"SIGINT": ExitCode.INTERRUPTED, "SIGTERM": ExitCode.TERMINATED}


@dataclass(frozen=True)
class DocumentOutcome:
    path: str
    status: str
    reason_code: str | None = None
    message: str | None = None
    record_id: str | None = None
    pages: int = 0
    seconds: float = 0.0
    review_reasons: tuple[str, ...] = ()
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["review_reasons"] = list(self.review_reasons)
        return data


@dataclass
class BatchReport:
    batch_id: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    items: list[DocumentOutcome] = field(default_factory=list)
    stopped_by: str | None = None  # "SIGINT" / "SIGTERM" when the batch was interrupted

    def add(self, outcome: DocumentOutcome) -> None:
        self.items.append(outcome)

    def finish(self) -> BatchReport:
        self.finished_at = datetime.now(UTC).isoformat()
        self.items.sort(key=lambda item: item.path)
        return self

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(item.status for item in self.items)
        return {status: counter.get(status, 0) for status in OUTCOMES}

    @property
    def pages(self) -> int:
        return sum(item.pages for item in self.items if item.status in (STORED, NEEDS_REVIEW))

    @property
    def exit_code(self) -> ExitCode:
        if self.stopped_by is not None:
            return _STOP_CODES.get(self.stopped_by, ExitCode.TERMINATED)
        counts = self.counts
        if counts[FAILED] or counts[RETRYABLE]:
            return ExitCode.FAILED
        if counts[QUARANTINED]:
            return ExitCode.QUARANTINED
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id, "started_at": self.started_at,
            "finished_at": self.finished_at, "counts": self.counts, "pages": self.pages,
            "exit_code": int(self.exit_code), "stopped_by": self.stopped_by,
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BatchReport:
        items = [DocumentOutcome(**{**i, "review_reasons": tuple(i.get("review_reasons", ()))})
                 for i in data["items"]]
        return cls(data["batch_id"], data["started_at"], data.get("finished_at"), items,
                   data.get("stopped_by"))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), "utf-8")
