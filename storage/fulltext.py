"""Full-text search over OCR text and metadata: SQLite FTS5, or PostgreSQL tsvector + GIN.

Accent-insensitive yet accent-aware without database extensions: every document is indexed twice,
as written ("exact") and accent-folded ("folded", computed by the caller). A query must match the
folded text in full; documents that also hold the words as typed, diacritics included, come first,
so "Quảng Trị" ranks documents that say "Quảng Trị" above those that say "Quang Tri". Tokens are
cut by the caller's rule (`tokens`), identically for documents and queries on both backends.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from storage.index import SearchText

_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class SearchQuery:
    exact_terms: tuple[str, ...]
    folded_terms: tuple[str, ...]
    doc_type: str | None = None
    agency: str | None = None  # agency code or issuing-agency name
    date_from: date | None = None
    date_to: date | None = None
    owner_id: str | None = None
    statuses: tuple[str, ...] | None = None
    limit: int = 20


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    score: float  # higher is better
    text: str  # the indexed text as written, for the caller's snippet
    exact: bool = False  # every word matched as typed, diacritics included


def fts_rowid(doc_id: str) -> int:
    """A stable 60-bit integer key per document (FTS5 deletes by rowid in O(log n))."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:15], 16)


def write(conn: sa.Connection, doc_id: str, text: SearchText) -> None:
    if conn.dialect.name == "sqlite":
        rowid = fts_rowid(doc_id)
        conn.execute(sa.text("DELETE FROM document_search WHERE rowid = :r"), {"r": rowid})
        conn.execute(sa.text(
            "INSERT INTO document_search (rowid, document_id, exact, folded) "
            "VALUES (:r, :d, :e, :f)"), {"r": rowid, "d": doc_id, "e": text.exact,
                                         "f": text.folded})
        return
    conn.execute(sa.text(
        "INSERT INTO document_search (document_id, body, tsv) VALUES (:d, :b, "
        "setweight(to_tsvector('simple', :e), 'A') || setweight(to_tsvector('simple', :f), 'D'))"
        " ON CONFLICT (document_id) DO UPDATE SET body = EXCLUDED.body, tsv = EXCLUDED.tsv"),
        {"d": doc_id, "b": text.exact, "e": " ".join(tokens(text.exact)),
         "f": " ".join(tokens(text.folded))})


def _filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if query.doc_type:
        where.append("upper(d.doc_type) = :doc_type")
        params["doc_type"] = query.doc_type.upper()
    if query.agency:
        where.append("(d.agency_code = :agency OR d.issuing_agency = :agency)")
        params["agency"] = query.agency
    if query.date_from:
        where.append("d.issue_date >= :date_from")
        params["date_from"] = query.date_from
    if query.date_to:
        where.append("d.issue_date <= :date_to")
        params["date_to"] = query.date_to
    if query.owner_id:
        where.append("(d.owner_id = :owner OR EXISTS (SELECT 1 FROM document_parties p "
                     "WHERE p.document_id = d.id AND p.id_value = :owner))")
        params["owner"] = query.owner_id
    if query.statuses:
        names = [f"st{i}" for i in range(len(query.statuses))]
        where.append(f"d.status IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, query.statuses, strict=True))
    return where, params


def _quoted(terms: tuple[str, ...]) -> list[str]:
    return ['"' + t.replace('"', '""') + '"' for t in terms]


def search(conn: sa.Connection, query: SearchQuery) -> list[SearchHit]:
    """Documents whose folded text holds every folded word; those whose text holds every word as
    typed (diacritics included) first, each group by relevance."""
    if not query.folded_terms:
        return []
    exact = _run(conn, query, query.exact_terms, column="exact") if query.exact_terms else []
    seen = {hit.document_id for hit in exact}
    folded = [hit for hit in _run(conn, query, query.folded_terms, column="folded",
                                  limit=query.limit + len(seen))
              if hit.document_id not in seen]
    return (exact + folded)[:query.limit]


def _run(conn: sa.Connection, query: SearchQuery, terms: tuple[str, ...], *, column: str,
         limit: int | None = None) -> list[SearchHit]:
    where, params = _filters(query)
    params["limit"] = limit or query.limit
    if conn.dialect.name == "sqlite":
        params["match"] = f"{column} : ({' AND '.join(_quoted(terms))})"
        sql = ("SELECT s.document_id, -bm25(document_search) AS score, s.exact "
               "FROM document_search s JOIN documents d ON d.id = s.document_id "
               "WHERE document_search MATCH :match")
    else:
        weight = ":A" if column == "exact" else ""
        params["match"] = " & ".join(t + weight for t in terms)
        sql = ("SELECT s.document_id, ts_rank(s.tsv, q) AS score, s.body "
               "FROM document_search s JOIN documents d ON d.id = s.document_id, "
               "to_tsquery('simple', :match) q WHERE s.tsv @@ q")
    sql += "".join(f" AND {w}" for w in where) + " ORDER BY score DESC LIMIT :limit"
    rows = conn.execute(sa.text(sql), params).all()
    return [SearchHit(str(r[0]), float(r[1]), str(r[2] or ""), column == "exact")
            for r in rows]
