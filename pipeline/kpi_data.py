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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import col, select

from pipeline.kpi import (
    LINK_EXPLICIT,
    LINK_INFERRED,
    RESULT_PAPER,
    VIETNAM_TIME,
    DossierFacts,
    local_date,
)
from pipeline.links import CandidateDossier, Inference, candidate_result, infer_links
from pipeline.queries import REUSABLE_STATUSES
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
    """Facts of every dossier received from `start` to `end` (exclusive), Vietnam local dates."""
    dossiers = _dossiers(index, start, end, as_of)
    codes = [d.dossier_code for d in dossiers]
    explicit = _explicit_links(index, codes, as_of)
    components, reused = _reuse_flags(index, codes, as_of)
    for code, flag in _component_flags(index, codes).items():
        components[code] = components.get(code, False) or flag
    inferred, ambiguous = _inferred_links(index, dossiers, as_of)
    facts = []
    for d in dossiers:
        link = (LINK_EXPLICIT if d.dossier_code in explicit
                else LINK_INFERRED if d.dossier_code in inferred else None)
        facts.append(DossierFacts(
            d.dossier_code, d.procedure_code, d.agency_code, d.level, _utc(d.received_at),
            _utc(d.resolved_at) if d.resolved_at else None, d.result_kind, link,
            components.get(d.dossier_code, False), d.dossier_code in reused))
    return LoadedFacts(facts, ambiguous, public_source(index.url))


def _dossiers(index: DocumentIndex, start: date, end: date,
              as_of: datetime | None) -> list[Dossier]:
    upper = local_midnight(end)
    if as_of is not None:
        upper = min(upper, as_of)
    query = (select(Dossier).where(col(Dossier.received_at) >= local_midnight(start),
                                   col(Dossier.received_at) < upper)
             .order_by(col(Dossier.dossier_code)))
    with index.session() as s:
        return list(s.exec(query).all())


def _document_filters(as_of: datetime | None) -> list[Any]:
    filters: list[Any] = [col(DocumentRow.status).in_(REUSABLE_STATUSES),
                          col(DocumentRow.signed_key).is_not(None)]
    if as_of is not None:
        filters.append(col(DocumentRow.created_at) <= as_of)
    return filters


def _explicit_links(index: DocumentIndex, codes: Sequence[str],
                    as_of: datetime | None) -> set[str]:
    linked: set[str] = set()
    with index.session() as s:
        for chunk in _chunks(codes):
            query = (select(ResultLink.dossier_code)
                     .join(DocumentRow, col(DocumentRow.id) == col(ResultLink.document_id))
                     .where(col(ResultLink.dossier_code).in_(chunk), *_document_filters(as_of)))
            if as_of is not None:
                query = query.where(col(ResultLink.linked_at) <= as_of)
            linked.update(s.exec(query).all())
    return linked


def _reuse_flags(index: DocumentIndex, codes: Sequence[str],
                 as_of: datetime | None) -> tuple[dict[str, bool], set[str]]:
    """A component reusing digitized data is itself digitized (DuocSoHoa) and reused."""
    components: dict[str, bool] = {}
    reused: set[str] = set()
    with index.session() as s:
        for chunk in _chunks(codes):
            query = select(ReuseEvent).where(col(ReuseEvent.dossier_code).in_(chunk))
            if as_of is not None:
                query = query.where(col(ReuseEvent.recorded_at) <= as_of)
            for event in s.exec(query).all():
                if event.digitized:
                    components[event.dossier_code] = True
                if event.reused:
                    reused.add(event.dossier_code)
    return components, reused


def _component_flags(index: DocumentIndex, codes: Sequence[str]) -> dict[str, bool]:
    """The export's own flag; a component reusing digitized data counts as digitized even where
    the export says otherwise (the reuse event is the stronger evidence)."""
    flags: dict[str, bool] = {}
    with index.session() as s:
        for chunk in _chunks(codes):
            for row in s.exec(select(DossierComponents).where(
                    col(DossierComponents.dossier_code).in_(chunk))).all():
                flags[row.dossier_code] = row.components_digitized
    return flags


def _inferred_links(index: DocumentIndex, dossiers: Sequence[Dossier],
                    as_of: datetime | None) -> tuple[set[str], dict[str, list[str]]]:
    inference = infer_for(index, dossiers, as_of)
    return set(inference.links), inference.ambiguous


def infer_for(index: DocumentIndex, dossiers: Sequence[Dossier],
              as_of: datetime | None) -> Inference:
    """Inference over *all* dossiers of the owners concerned, not only those in the period, so
    a period's numbers do not depend on how many periods a report loads."""
    owners = sorted({d.owner_id for d in dossiers if d.owner_id and d.result_kind == RESULT_PAPER
                     and d.resolved_at is not None})
    if not owners:
        return Inference({}, {})
    with index.session() as s:
        linked = set(s.exec(select(ResultLink.document_id)).all())
        results = []
        candidates = []
        for chunk in _chunks(owners):
            for row in s.exec(select(DocumentRow).where(col(DocumentRow.owner_id).in_(chunk),
                                                        *_document_filters(as_of))).all():
                found = candidate_result(row)
                if found is not None and row.id not in linked:
                    results.append(found)
            candidates += list(s.exec(select(Dossier).where(
                col(Dossier.owner_id).in_(chunk), Dossier.result_kind == RESULT_PAPER,
                col(Dossier.resolved_at).is_not(None))).all())
    inference = infer_links(
        [_candidate(d, as_of) for d in candidates if _resolved_by(d, as_of)], results)
    wanted = {d.dossier_code for d in dossiers}
    return Inference({c: ids for c, ids in inference.links.items() if c in wanted},
                     inference.ambiguous)


def evidence_documents(index: DocumentIndex, *, start: date, end: date) -> list[str]:
    """Ids of the digitized results behind 4.1's numerator for dossiers received from `start`
    to `end`: explicitly linked or inferred, sorted."""
    dossiers = _dossiers(index, start, end, None)
    codes = [d.dossier_code for d in dossiers]
    ids: set[str] = set()
    with index.session() as s:
        for chunk in _chunks(codes):
            ids.update(s.exec(select(ResultLink.document_id)
                              .join(DocumentRow, col(DocumentRow.id) == col(ResultLink.document_id))
                              .where(col(ResultLink.dossier_code).in_(chunk),
                                     *_document_filters(None))).all())
    for documents in infer_for(index, dossiers, None).links.values():
        ids.update(documents)
    return sorted(ids)


def _resolved_by(dossier: Dossier, as_of: datetime | None) -> bool:
    return dossier.resolved_at is not None and (
        as_of is None or _utc(dossier.resolved_at) <= as_of)


def _candidate(dossier: Dossier, as_of: datetime | None) -> CandidateDossier:
    assert dossier.resolved_at is not None and dossier.owner_id is not None
    return CandidateDossier(dossier.dossier_code, dossier.owner_id, dossier.procedure_code,
                            local_date(_utc(dossier.received_at)),
                            local_date(_utc(dossier.resolved_at)))
