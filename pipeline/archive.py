"""Long-term preservation: extend B-LTA signed copies with fresh revocation data and a new
document timestamp before the previous timestamp's certificate expires."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.queries import get_row
from signing.pades import extend_timestamps
from storage.index import (
    STATUS_APPROVED,
    STATUS_NEEDS_REVIEW,
    STATUS_STORED,
    DocumentIndex,
    DocumentRow,
    ReviewEvent,
)
from storage.objects import ObjectStore, content_key, sha256_hex


def due_for_retimestamp(index: DocumentIndex, *, min_age: timedelta,
                        now: datetime | None = None, limit: int = 1000) -> list[DocumentRow]:
    """B-LTA copies whose signed file was last written more than `min_age` ago."""
    moment = now or datetime.now(UTC)
    rows = index.find(status=[STATUS_STORED, STATUS_APPROVED, STATUS_NEEDS_REVIEW],
                      limit=100_000)
    due = [r for r in rows if r.signature_level == "B-LTA" and r.signed_key
           and _aware(r.updated_at) <= moment - min_age]
    return due[:limit]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def extend_stored_copy(index: DocumentIndex, store: ObjectStore, doc_id: str, *,
                       timestamper: Any, validation_context: Any,
                       actor: str = "retimestamp") -> DocumentRow:
    """Write the extended copy as a new object (content-addressed), then repoint record and row.

    The previous signed object is kept: it is still a valid, older state of the same copy.
    """
    row = get_row(index, doc_id)
    assert row.signed_bucket and row.signed_key and row.record_bucket and row.record_key
    extended = extend_timestamps(store.get(row.signed_bucket, row.signed_key),
                                 timestamper=timestamper, validation_context=validation_context)
    new_sha = sha256_hex(extended)
    new_key = content_key(new_sha, ".pdf")
    store.put(row.signed_bucket, new_key, extended, content_type="application/pdf",
              metadata={"sha256": new_sha, "sha256-original": row.original_sha256})
    now = datetime.now(UTC)
    record = json.loads(store.get(row.record_bucket, row.record_key))
    record["signed"].update(sha256=new_sha, key=new_key, size=len(extended))
    record.setdefault("history", []).append({"field": "signed_copy", "old": row.signed_sha256,
                                             "new": new_sha, "by": actor,
                                             "at": now.isoformat()})
    store.put(row.record_bucket, row.record_key,
              json.dumps(record, ensure_ascii=False, indent=1).encode(),
              content_type="application/json", metadata={"sha256-original": row.original_sha256})
    event = ReviewEvent(document_id=row.id, field="signed_copy", old_value=row.signed_sha256,
                        new_value=new_sha, actor=actor, at=now)
    row.signed_sha256, row.signed_key = new_sha, new_key
    return index.record_review(row, [event], record=record)
