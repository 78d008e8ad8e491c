"""Finding documents for the search page: by owner id, by number and symbol, by text.

Free text goes through the archive's full-text search (`pipeline.search.search_documents`, FTS5 /
tsvector, accent-aware, over the metadata and the OCR text). Where that module is absent (a
branch without it) text is matched with SQL LIKE on the metadata columns instead (`_full_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from pipeline.queries import lookup_documents
from storage.index import DocumentIndex, DocumentRow

_full_text: Callable[..., list[Any]] | None
try:  # present once branch `storage` is merged
    from pipeline.search import search_documents

    _full_text = search_documents
except ImportError:  # pragma: no cover - depends on the merge
    _full_text = None

MAX_RESULTS = 100


@dataclass(frozen=True)
class DocumentSearch:
    owner_id: str = ""
    number: str = ""
    text: str = ""

    @property
    def empty(self) -> bool:
        return not (self.owner_id.strip() or self.number.strip() or self.text.strip())


def _like(value: str) -> str:
    escaped = value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_ids(index: DocumentIndex, text: str, owner_id: str | None) -> list[str] | None:
    """Document ids ranked by the full-text search, or None when it is not there yet."""
    if _full_text is None:
        return None
    return [hit.document_id for hit in _full_text(index, text, owner_id=owner_id,
                                                  limit=MAX_RESULTS)]


def find_documents(index: DocumentIndex, search: DocumentSearch) -> list[DocumentRow]:
    """Documents matching every criterion given (quarantined files are never shown)."""
    if search.empty:
        return []
    owner = "".join(search.owner_id.split()) or None
    ranked = _text_ids(index, search.text, owner) if search.text.strip() else None
    query = select(DocumentRow).where(col(DocumentRow.record_key).is_not(None))
    if owner:
        query = query.where(DocumentRow.owner_id == owner)
    if search.number.strip():
        query = query.where(col(DocumentRow.number_symbol).ilike(_like(search.number),
                                                                 escape="\\"))
    if ranked is not None:
        query = query.where(col(DocumentRow.id).in_(ranked))
    elif search.text.strip():
        pattern = _like(search.text)
        query = query.where(sa.or_(*(col(c).ilike(pattern, escape="\\") for c in (
            DocumentRow.subject, DocumentRow.doc_type, DocumentRow.issuing_agency,
            DocumentRow.owner_name, DocumentRow.signer_name, DocumentRow.number_symbol))))
    query = query.order_by(col(DocumentRow.issue_date).desc(), col(DocumentRow.id))
    with index.session() as s:
        rows = list(s.exec(query.limit(MAX_RESULTS)).all())
    if ranked is not None:
        rows.sort(key=lambda r: ranked.index(r.id))
    return rows


def documents_of_owner(index: DocumentIndex, owner_id: str) -> list[DocumentRow]:
    return lookup_documents(index, owner_id=owner_id, include_pending=True)
