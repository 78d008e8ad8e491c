"""Full-text search over OCR text and metadata (`sohoa search`, the API, the dashboard).

Accent-insensitive yet accent-aware: the query is folded the same way as the indexed text
(`pipeline.vntext.fold`), and documents that hold the words exactly as typed rank first. Read-only:
needs the index, never the S3 server.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.vntext import fold
from storage.fulltext import SearchHit, SearchQuery, tokens
from storage.index import STATUS_APPROVED, STATUS_NEEDS_REVIEW, STATUS_STORED, DocumentIndex
from storage.index import SearchText as IndexedText

SEARCHABLE_STATUSES = (STATUS_STORED, STATUS_APPROVED, STATUS_NEEDS_REVIEW)
_METADATA_FIELDS = ("doc_type", "number_symbol", "issuing_agency", "subject", "owner_name",
                    "owner_id", "tax_code", "signer_name", "signer_title")


def indexed_text(values: dict[str, Any], page_texts: list[str]) -> IndexedText:
    """What search covers: the metadata values, then the OCR text of every page."""
    parts = [str(values[name]) for name in _METADATA_FIELDS if values.get(name)]
    exact = unicodedata.normalize("NFC", "\n".join([*parts, *page_texts]))
    return IndexedText(exact, fold(exact))


@dataclass(frozen=True)
class SearchResult:
    document_id: str
    score: float
    exact: bool
    snippet: str
    doc_type: str | None
    number_symbol: str | None
    issue_date: date | None
    issuing_agency: str | None
    owner_id: str | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document_id, "score": round(self.score, 6),
                "exact": self.exact, "snippet": self.snippet, "doc_type": self.doc_type,
                "number_symbol": self.number_symbol,
                "issue_date": self.issue_date.isoformat() if self.issue_date else None,
                "issuing_agency": self.issuing_agency, "owner_id": self.owner_id,
                "status": self.status}


def search_documents(
    index: DocumentIndex, text: str, *, doc_type: str | None = None, agency: str | None = None,
    date_from: date | None = None, date_to: date | None = None, owner_id: str | None = None,
    include_pending: bool = True, limit: int = 20,
) -> list[SearchResult]:
    """Ranked hits for `text`, each with its document id and a snippet around the first match."""
    typed = unicodedata.normalize("NFC", text)
    query = SearchQuery(
        exact_terms=tuple(tokens(typed)), folded_terms=tuple(tokens(fold(typed))),
        doc_type=doc_type, agency=agency, date_from=date_from, date_to=date_to,
        owner_id="".join(owner_id.split()) if owner_id else None,
        statuses=SEARCHABLE_STATUSES if include_pending else (STATUS_STORED, STATUS_APPROVED),
        limit=limit)
    hits = index.search(query)
    rows = {row.id: row for row in index.rows([h.document_id for h in hits])}
    results = []
    for hit in hits:
        row = rows.get(hit.document_id)
        if row is None:
            continue
        results.append(SearchResult(hit.document_id, hit.score, hit.exact,
                                    snippet(hit, query.folded_terms), row.doc_type,
                                    row.number_symbol, row.issue_date, row.issuing_agency,
                                    row.owner_id, row.status))
    return results


def snippet(hit: SearchHit, folded_terms: tuple[str, ...], *, width: int = 160) -> str:
    """The text around the first query word, cut from the text as written (folding keeps
    positions, so the match found in the folded text is sliced from the original)."""
    text = hit.text
    folded = fold(text)
    positions = [folded.find(term) for term in folded_terms]
    found = [p for p in positions if p >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    cut = " ".join(text[start:start + width].split())
    return ("…" if start > 0 else "") + cut + ("…" if start + width < len(text) else "")
