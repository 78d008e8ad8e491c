"""The facts behind the indicators, read from the index: dossiers, result links (explicit and
inferred), component flags and reuse events.

`as_of` freezes the data at a moment: dossiers received, results stored, links made and reuse
recorded after it are left out, and a resolution after it counts as not yet resolved. (A dossier
row updated in place by a later import keeps its new values: the register keeps no history.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from pipeline.kpi import (
    LINK_EXPLICIT,
    LINK_INFERRED,
    RESULT_PAPER,
    VIETNAM_TIME,
    DossierFacts,
    local_date,
)
from pipeline.links import CandidateDossier, CandidateResult, Inference, infer_links
from pipeline.queries import REUSABLE_STATUSES
from storage.errors import IndexError_
from storage.index import DocumentIndex, DocumentRow
from storage.links import DossierComponents, ResultLink
from storage.registry import Dossier, ReuseEvent

CHUNK = 500  # values per IN (...) list


@dataclass(frozen=True)
class LoadedFacts:
    facts: list[DossierFacts]
    ambiguous: dict[str, list[str]]  # document id → dossier codes it could belong to
    source: str  # the index, without credentials

    def digest(self) -> str:
        """SHA-256 of the facts in a canonical form: the same data gives the same hash."""
        rows = sorted(json.dumps(_fact_dict(f), sort_keys=True, ensure_ascii=False)
                      for f in self.facts)
        return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _fact_dict(fact: DossierFacts) -> dict[str, Any]:
    return {"dossier_code": fact.dossier_code, "procedure": fact.procedure_code,
            "agency": fact.agency_code, "level": fact.level,
            "received_at": _utc(fact.received_at).isoformat(),
            "resolved_at": _utc(fact.resolved_at).isoformat() if fact.resolved_at else None,
            "result_kind": fact.result_kind, "result_link": fact.result_link,
            "components_digitized": fact.components_digitized, "reused": fact.reused}


def _utc(moment: datetime) -> datetime:
    """Stored times come back in UTC, with or without a zone depending on the database."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start:start + CHUNK])


def public_source(url: str) -> str:
    """The database URL without its password, to print in a report."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VIETNAM_TIME)


def load_facts(index: DocumentIndex, *, start: date, end: date,
               as_of: datetime | None = None) -> LoadedFacts:
    """Facts of every dossier received from `start` to `end` (exclusive), Vietnam local dates.

    Plain column tuples, and joins on the receipt range rather than lists of codes: a province's
    million dossiers a year stay a few hundred bytes each in memory.
    """
    window = _receipt_window(start, end, as_of)
    with _reading(index) as s:
        dossiers = list(s.execute(sa.select(*DOSSIER_COLUMNS).where(*window)
                                  .order_by(col(Dossier.dossier_code))).all())
        explicit = _explicit_links(s, window, as_of)
        components, reused = _reuse_flags(s, window, as_of)
        for code, flag in _component_flags(s, window).items():
            components[code] = components.get(code, False) or flag
        inference = _infer(s, window, as_of)
    facts = []
    for d in dossiers:
        link = (LINK_EXPLICIT if d.dossier_code in explicit
                else LINK_INFERRED if d.dossier_code in inference.links else None)
        facts.append(DossierFacts(
            d.dossier_code, d.procedure_code, d.agency_code, d.level, _utc(d.received_at),
            _utc(d.resolved_at) if d.resolved_at else None, d.result_kind, link,
            components.get(d.dossier_code, False), d.dossier_code in reused))
    return LoadedFacts(facts, inference.ambiguous, public_source(index.url))


DOSSIER_COLUMNS = tuple(col(c) for c in (
    Dossier.dossier_code, Dossier.procedure_code, Dossier.agency_code, Dossier.level,
    Dossier.received_at, Dossier.resolved_at, Dossier.result_kind, Dossier.owner_id))


@contextmanager
def _reading(index: DocumentIndex) -> Iterator[sa.Connection]:
    """One connection for all the reads of a report: column tuples, no ORM objects."""
    try:
        with index.engine.connect() as conn:
            yield conn
    except OperationalError as e:
        raise IndexError_(f"the index database is unavailable: {e.orig}") from e


def _receipt_window(start: date, end: date, as_of: datetime | None) -> list[Any]:
    upper = local_midnight(end)
    if as_of is not None:
        upper = min(upper, as_of)
    return [col(Dossier.received_at) >= local_midnight(start), col(Dossier.received_at) < upper]


def _document_filters(as_of: datetime | None) -> list[Any]:
    filters: list[Any] = [col(DocumentRow.status).in_(REUSABLE_STATUSES),
                          col(DocumentRow.signed_key).is_not(None)]
    if as_of is not None:
        filters.append(col(DocumentRow.created_at) <= as_of)
    return filters


def _explicit_links(s: sa.Connection, window: list[Any], as_of: datetime | None) -> set[str]:
    query = (sa.select(col(ResultLink.dossier_code)).distinct()
             .join(Dossier, col(Dossier.dossier_code) == col(ResultLink.dossier_code))
             .join(DocumentRow, col(DocumentRow.id) == col(ResultLink.document_id))
             .where(*window, *_document_filters(as_of)))
    if as_of is not None:
        query = query.where(col(ResultLink.linked_at) <= as_of)
    return set(s.execute(query).scalars().all())


def _reuse_flags(s: sa.Connection, window: list[Any],
                 as_of: datetime | None) -> tuple[dict[str, bool], set[str]]:
    """A component reusing digitized data is itself digitized (DuocSoHoa) and reused."""
    query = (sa.select(col(ReuseEvent.dossier_code), col(ReuseEvent.digitized),
                       col(ReuseEvent.reused))
             .join(Dossier, col(Dossier.dossier_code) == col(ReuseEvent.dossier_code))
             .where(*window))
    if as_of is not None:
        query = query.where(col(ReuseEvent.recorded_at) <= as_of)
    components: dict[str, bool] = {}
    reused: set[str] = set()
    for code, digitized, was_reused in s.execute(query).all():
        if digitized:
            components[code] = True
        if was_reused:
            reused.add(code)
    return components, reused


def _component_flags(s: sa.Connection, window: list[Any]) -> dict[str, bool]:
    """The export's own flag; a component reusing digitized data counts as digitized even where
    the export says otherwise (the reuse event is the stronger evidence)."""
    query = (sa.select(col(DossierComponents.dossier_code),
                       col(DossierComponents.components_digitized))
             .join(Dossier, col(Dossier.dossier_code) == col(DossierComponents.dossier_code))
             .where(*window))
    return {code: flag for code, flag in s.execute(query).all()}


def _infer(s: sa.Connection, window: list[Any], as_of: datetime | None) -> Inference:
    """Inference for the dossiers in the window, weighed against *all* dossiers of the owners
    concerned, so a period's numbers do not depend on how many periods a report loads."""
    unlinked = (sa.select(col(DocumentRow.id), col(DocumentRow.owner_id),
                          col(DocumentRow.procedure_code), col(DocumentRow.issue_date)).distinct()
                .join(Dossier, sa.and_(col(Dossier.owner_id) == col(DocumentRow.owner_id),
                                       col(Dossier.procedure_code)
                                       == col(DocumentRow.procedure_code)))
                .outerjoin(ResultLink, col(ResultLink.document_id) == col(DocumentRow.id))
                .where(*window, col(Dossier.result_kind) == RESULT_PAPER,
                       col(Dossier.resolved_at).is_not(None), col(ResultLink.id).is_(None),
                       col(DocumentRow.issue_date).is_not(None), *_document_filters(as_of)))
    results = [CandidateResult(r.id, r.owner_id, r.procedure_code, r.issue_date)
               for r in s.execute(unlinked).all()]
    owners = sorted({r.owner_id for r in results})
    candidates: list[Any] = []
    wanted: set[str] = set()
    for chunk in _chunks(owners):
        candidates += s.execute(sa.select(*DOSSIER_COLUMNS).where(
            col(Dossier.owner_id).in_(chunk), col(Dossier.result_kind) == RESULT_PAPER,
            col(Dossier.resolved_at).is_not(None))).all()
        wanted.update(s.execute(sa.select(col(Dossier.dossier_code)).where(
            *window, col(Dossier.owner_id).in_(chunk))).scalars().all())
    inference = infer_links(
        [_candidate(d) for d in candidates if _resolved_by(d.resolved_at, as_of)], results)
    return Inference({c: ids for c, ids in inference.links.items() if c in wanted},
                     inference.ambiguous)


def evidence_documents(index: DocumentIndex, *, start: date, end: date) -> list[str]:
    """Ids of the digitized results behind 4.1's numerator for dossiers received from `start`
    to `end`: explicitly linked or inferred, sorted."""
    window = _receipt_window(start, end, None)
    with _reading(index) as s:
        ids = set(s.execute(
            sa.select(col(ResultLink.document_id)).distinct()
            .join(Dossier, col(Dossier.dossier_code) == col(ResultLink.dossier_code))
            .join(DocumentRow, col(DocumentRow.id) == col(ResultLink.document_id))
            .where(*window, *_document_filters(None))).scalars().all())
        for documents in _infer(s, window, None).links.values():
            ids.update(documents)
    return sorted(ids)


def _resolved_by(resolved_at: datetime | None, as_of: datetime | None) -> bool:
    return resolved_at is not None and (as_of is None or _utc(resolved_at) <= as_of)


def _candidate(dossier: Any) -> CandidateDossier:
    return CandidateDossier(dossier.dossier_code, dossier.owner_id, dossier.procedure_code,
                            local_date(_utc(dossier.received_at)),
                            local_date(_utc(dossier.resolved_at)))
