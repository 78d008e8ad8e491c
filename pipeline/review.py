"""The review step: a clerk corrects uncertain fields and approves (or rejects) a document.

Corrections are validated like extracted values, recorded with who and when (index history and a
new version of the JSON record object); the signed PDF is never modified.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import SohoaError
from pipeline.extract import Extraction, ExtractOptions, FieldValue, Party, apply_corrections
from pipeline.i18n import _
from pipeline.labels import review_reason_text
from pipeline.queries import get_row
from pipeline.record import apply_fields_to_row
from storage.index import (
    STATUS_APPROVED,
    STATUS_NEEDS_REVIEW,
    STATUS_REJECTED,
    STATUS_STORED,
    DocumentIndex,
    DocumentRow,
    ReviewEvent,
)
from storage.objects import ObjectStore


class InvalidCorrection(SohoaError):
    code = "INVALID_CORRECTION"


class NotReviewable(SohoaError):
    code = "NOT_REVIEWABLE"


@dataclass(frozen=True)
class ReviewDecision:
    corrections: dict[str, str]
    actor: str
    approve: bool = True
    reject_reason: str | None = None


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """`field=value` pairs from the command line."""
    result: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidCorrection(_("{item!r}: write corrections as field=value, e.g. "
                                      "issue_date=2024-03-05").format(item=item))
        result[name.strip()] = value.strip()
    return result


def extraction_from_record(record: dict[str, Any]) -> Extraction:
    """The stored extraction, parties included: a review rewrites the record from it, so
    whatever is not read back here would be lost from the record and the index."""
    stored = record.get("metadata", {})
    fields = {name: FieldValue(info.get("value"), float(info.get("confidence", 0.0)),
                               info.get("reason"))
              for name, info in stored.get("fields", {}).items()}
    return Extraction(fields=fields, review_reasons=tuple(stored.get("review_reasons", ())),
                      parties=tuple(Party.from_dict(p) for p in stored.get("parties", ())))


def pending_reviews(index: DocumentIndex) -> list[DocumentRow]:
    return index.find(status=[STATUS_NEEDS_REVIEW])


def review_document(index: DocumentIndex, store: ObjectStore, doc_id: str,
                    decision: ReviewDecision, *, options: ExtractOptions) -> DocumentRow:
    row = get_row(index, doc_id)
    if row.status not in (STATUS_NEEDS_REVIEW, STATUS_STORED, STATUS_APPROVED):
        raise NotReviewable(f"document {row.id} is {row.status}; only digitized documents "
                            "can be reviewed")
    assert row.record_bucket and row.record_key
    record = json.loads(store.get(row.record_bucket, row.record_key))
    before = extraction_from_record(record)
    try:
        after = apply_corrections(before, decision.corrections, options=options)
    except ValueError as e:
        raise InvalidCorrection(_("{problem}; nothing was changed.").format(
            problem=review_reason_text(str(e)))) from e
    now = datetime.now(UTC)
    events = [ReviewEvent(document_id=row.id, field=name, actor=decision.actor, at=now,
                          old_value=_text(before.fields.get(name)),
                          new_value=_text(after.fields.get(name)))
              for name in decision.corrections]
    status = row.status
    if decision.reject_reason is not None:
        status = STATUS_REJECTED
        events.append(ReviewEvent(document_id=row.id, field="status", actor=decision.actor,
                                  at=now, old_value=row.status,
                                  new_value=f"rejected: {decision.reject_reason}"))
    elif decision.approve:
        status = STATUS_APPROVED
        events.append(ReviewEvent(document_id=row.id, field="status", actor=decision.actor,
                                  at=now, old_value=row.status, new_value=STATUS_APPROVED))
    record["metadata"] = after.to_dict()
    record["status"] = status
    record.setdefault("history", []).extend(
        {"field": e.field, "old": e.old_value, "new": e.new_value, "by": e.actor,
         "at": now.isoformat()} for e in events)
    store.put(row.record_bucket, row.record_key,
              json.dumps(record, ensure_ascii=False, indent=1).encode(),
              content_type="application/json",
              metadata={"sha256-original": row.original_sha256})
    apply_fields_to_row(row, after.values())
    row.status = status
    row.review_reasons = [] if status == STATUS_APPROVED else list(after.review_reasons)
    row.reviewed_by, row.reviewed_at = decision.actor, now
    return index.record_review(row, events, record=record)


def _text(value: FieldValue | None) -> str | None:
    if value is None or value.value is None:
        return None
    return value.value if isinstance(value.value, str) else json.dumps(value.value,
                                                                       ensure_ascii=False)
