"""The index on SQLite and on a real (throwaway) PostgreSQL server, schema from migrations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storage.index import DocumentIndex, DocumentRow, DuplicateDocument, ReviewEvent


def _row(sha: str, **kw: object) -> DocumentRow:
    base = dict(id=sha[:16], original_sha256=sha, original_name=f"/scans/{sha[:4]}.pdf",
                status="stored", owner_id="038095001234", doc_type="QUYẾT ĐỊNH",
                issue_date=date(2024, 3, 5), fields={"subject": "Về việc cấp phép"})
    base.update(kw)
    return DocumentRow(**base)  # type: ignore[arg-type]


def _exercise(index: DocumentIndex) -> None:
    index.add(_row("a" * 64))
    index.add(_row("b" * 64, doc_type="GIẤY PHÉP XÂY DỰNG", issue_date=date(2025, 1, 2)))
    index.add(_row("c" * 64, owner_id="001203004567", status="needs_review"))
    with pytest.raises(DuplicateDocument):
        index.add(_row("a" * 64, id="other"))
    # the same row again (a retry whose first commit landed, its reply lost) is that row, once
    assert index.add(_row("c" * 64, owner_id="001203004567", status="needs_review")).id == \
        "c" * 16
    found = index.find(owner_id="038095001234")
    assert [r.original_sha256[0] for r in found] == ["b", "a"]  # newest issue date first
    assert [r.id for r in index.find(owner_id="038095001234", doc_type="giấy phép xây dựng")] \
        == ["b" * 16]
    assert index.find(owner_id="001203004567", status=["stored"]) == []
    assert index.get("a" * 16).fields == {"subject": "Về việc cấp phép"}
    assert index.get("aaaaaaaa").id == "a" * 16  # unique prefix
    assert index.by_sha256("c" * 64).status == "needs_review"
    assert [index.next_number("kq"), index.next_number("kq"), index.next_number("x")] == [1, 2, 1]
    row = index.get("c" * 16)
    row.status = "approved"
    index.record_review(row, [ReviewEvent(document_id=row.id, field="owner_id",
                                          old_value=None, new_value="001203004567",
                                          actor="clerk")])
    assert index.get("c" * 16).status == "approved"
    assert [e.field for e in index.review_history("c" * 16)] == ["owner_id"]
    assert index.count_by_status() == {"stored": 2, "approved": 1}


def test_index_on_sqlite(tmp_path: Path) -> None:
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    _exercise(index)
    index.close()
    again = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")  # migrations idempotent
    assert len(again.find()) == 3


@pytest.mark.integration
def test_index_on_postgresql(postgres_url: str) -> None:
    index = DocumentIndex(postgres_url)
    _exercise(index)
    index.close()
