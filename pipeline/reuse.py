"""The once-only exchange: which of an owner's documents can be reused, and the reuse events.

A document is reusable on a date when it is signed and stored (or approved after review), its
signed copy and hash are recorded, its last live integrity check (if any) did not fail, it was
issued on or before that date, and it is permanent, open-ended or valid until at least that date.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.queries import (
    REUSABLE_STATUSES,
    DocumentNotFound,
    TrustSettings,
    VerifyResult,
    verify_stored,
)
from storage.index import DocumentIndex, DocumentParty, DocumentRow
from storage.objects import ObjectStore
from storage.registry import IntegrityCheck, ReuseEvent

ROLE_OWNER = "owner"


class ReuseConflict(SohoaError):
    code = "REUSE_CONFLICT"


class NotReusable(SohoaError):
    code = "NOT_REUSABLE"


def normalize_owner_id(owner_id: str) -> str:
    return "".join(owner_id.split())


@dataclass(frozen=True)
class ReusableQuery:
    owner_id: str
    valid_on: date
    doc_type: str | None = None
    agency: str | None = None  # the caller's filter
    allowed_agencies: Collection[str] = ()  # the client's restriction; empty: all
    page: int = 1
    page_size: int = 20


# The columns a reuse answer shows: loading only these (as plain rows, not ORM objects) keeps a
# look-up cheap at a million rows.
VIEW_COLUMNS = tuple(col(getattr(DocumentRow, name)) for name in (
    "id", "digitized_id", "status", "doc_type", "type_abbr", "number_symbol", "issue_date",
    "issuing_agency", "subject", "signer_name", "owner_id", "owner_name", "valid_until",
    "permanent", "page_count", "agency_code", "procedure_code", "result_code",
    "signature_level", "signed_sha256", "signed_bucket", "signed_key", "created_at"))


@dataclass(frozen=True)
class ReusableDocument:
    row: Any  # a row with the VIEW_COLUMNS as attributes (row.id, row.owner_id, …)
    role: str
    last_check_ok: bool | None
    last_checked_at: datetime | None


@dataclass(frozen=True)
class ReusablePage:
    items: list[ReusableDocument]
    total: int
    query: ReusableQuery = field(repr=False)


def _valid_on(valid_on: date) -> list[Any]:
    return [
        col(DocumentRow.status).in_(REUSABLE_STATUSES),
        col(DocumentRow.signed_key).is_not(None),
        col(DocumentRow.signed_sha256).is_not(None),
        sa.or_(col(DocumentRow.issue_date).is_(None), col(DocumentRow.issue_date) <= valid_on),
        sa.or_(col(DocumentRow.permanent).is_(True), col(DocumentRow.valid_until).is_(None),
               col(DocumentRow.valid_until) >= valid_on),
        sa.or_(col(IntegrityCheck.ok).is_(None), col(IntegrityCheck.ok).is_(True)),
    ]


def _agency_filters(query: ReusableQuery) -> list[Any]:
    filters: list[Any] = []
    if query.agency is not None:
        filters.append(DocumentRow.agency_code == query.agency)
    if query.allowed_agencies:
        filters.append(col(DocumentRow.agency_code).in_(sorted(query.allowed_agencies)))
    return filters


def _matches(owner_id: str) -> Any:
    """(document id, role) for every document of this id: as its owner, or as a party named in
    it (document_parties), one row per document, the owner role first."""
    by_owner: Any = sa.select(
        col(DocumentRow.id).label("doc_id"), sa.literal(ROLE_OWNER).label("role"),
        sa.literal(0).label("rank")).where(col(DocumentRow.owner_id) == owner_id)
    by_party: Any = sa.select(
        col(DocumentParty.document_id).label("doc_id"), col(DocumentParty.role).label("role"),
        sa.literal(1).label("rank")).where(col(DocumentParty.id_value) == owner_id)
    both = sa.union_all(by_owner, by_party).subquery("both_roles")
    ranked = sa.select(both.c.doc_id, both.c.role, sa.func.row_number().over(
        partition_by=both.c.doc_id, order_by=(both.c.rank, both.c.role)).label("n")
                       ).subquery("ranked")
    return sa.select(ranked.c.doc_id, ranked.c.role).where(ranked.c.n == 1).subquery("matches")


def find_reusable(session: Session, query: ReusableQuery) -> ReusablePage:
    """One page of an owner's reusable documents, newest issue first, and the total count.

    Takes the caller's session, so an HTTP request uses one connection for the look-up and
    its access-log entry."""
    matches = _matches(normalize_owner_id(query.owner_id))
    filters = [*_valid_on(query.valid_on), *_agency_filters(query)]
    if query.doc_type is not None:
        filters.append(sa.func.upper(DocumentRow.doc_type) == query.doc_type.upper())
    # One round trip: the window count gives the total beside the page.
    statement = (
        sa.select(*VIEW_COLUMNS, matches.c.role, col(IntegrityCheck.ok).label("check_ok"),
                  col(IntegrityCheck.checked_at).label("checked_at"),
                  sa.func.count().over().label("total"))
        .select_from(matches)
        .join(DocumentRow, col(DocumentRow.id) == matches.c.doc_id)
        .outerjoin(IntegrityCheck, col(IntegrityCheck.document_id) == col(DocumentRow.id))
        .where(*filters)
        .order_by(col(DocumentRow.issue_date).desc(), col(DocumentRow.id))
        .offset((query.page - 1) * query.page_size).limit(query.page_size))
    rows = session.execute(statement).all()
    total = int(rows[0].total) if rows else _count_when_past_end(session, matches, filters,
                                                                 page=query.page)
    return ReusablePage([ReusableDocument(r, r.role, r.check_ok, r.checked_at) for r in rows],
                        total, query)


def _count_when_past_end(session: Session, matches: Any, filters: list[Any], *,
                         page: int) -> int:
    if page == 1:
        return 0
    statement = (sa.select(sa.func.count()).select_from(matches)
                 .join(DocumentRow, col(DocumentRow.id) == matches.c.doc_id)
                 .outerjoin(IntegrityCheck, col(IntegrityCheck.document_id) == col(DocumentRow.id))
                 .where(*filters))
    return int(session.execute(statement).scalar_one())


def get_visible_document(session: Session, doc_id: str, *,
                         allowed_agencies: Collection[str] = ()) -> ReusableDocument:
    """One stored document by its full id; outside the caller's agencies it does not exist."""
    statement = (sa.select(*VIEW_COLUMNS, col(IntegrityCheck.ok).label("check_ok"),
                           col(IntegrityCheck.checked_at).label("checked_at"))
                 .outerjoin(IntegrityCheck, col(IntegrityCheck.document_id) == col(DocumentRow.id))
                 .where(col(DocumentRow.id) == doc_id,
                        col(DocumentRow.signed_key).is_not(None)))
    found = session.execute(statement).first()
    if found is None or (allowed_agencies and found.agency_code not in allowed_agencies):
        raise DocumentNotFound(_("no document with id {id}").format(id=doc_id))
    return ReusableDocument(found, ROLE_OWNER, found.check_ok, found.checked_at)


def verify_and_record(index: DocumentIndex, store: ObjectStore, doc_id: str, *,
                      trust: TrustSettings) -> VerifyResult:
    """A live signature and hash check; the outcome is kept so a broken copy is not offered."""
    result = verify_stored(index, store, doc_id, trust=trust)
    summary = {"signature_ok": result.signature.ok,
               "hashes": {h.name: h.ok for h in result.hashes}}
    with index.session() as s:
        check = s.get(IntegrityCheck, doc_id) or IntegrityCheck(document_id=doc_id, ok=result.ok)
        check.ok, check.checked_at, check.summary = result.ok, datetime.now(UTC), summary
        s.add(check)
        s.commit()
    return result


@dataclass(frozen=True)
class ReuseRequest:
    dossier_code: str
    document_id: str
    purpose: str
    procedure_code: str | None = None
    component_code: str | None = None
    digitized: bool = True
    reused: bool = True
    from_national_warehouse: bool = False
    replacement_result_code: str | None = None

    def same_as(self, event: ReuseEvent) -> bool:
        return all(getattr(self, name) == getattr(event, name) for name in (
            "procedure_code", "component_code", "digitized", "reused",
            "from_national_warehouse", "replacement_result_code"))


@dataclass(frozen=True)
class ReuseOutcome:
    event: ReuseEvent
    created: bool
    owner_id: str | None = None


def record_reuse(index: DocumentIndex, request: ReuseRequest, *, client_id: str,
                 allowed_agencies: Collection[str] = ()) -> ReuseOutcome:
    """Record that a document was reused in a dossier, once per (dossier, document)."""
    with index.session() as s:
        owner_id = get_visible_document(s, request.document_id,
                                        allowed_agencies=allowed_agencies).row.owner_id
    existing = _reuse_event(index, request.dossier_code, request.document_id)
    if existing is not None:
        return _repeat(existing, request, owner_id)
    event = ReuseEvent(client_id=client_id, **{k: getattr(request, k) for k in (
        "dossier_code", "document_id", "purpose", "procedure_code", "component_code",
        "digitized", "reused", "from_national_warehouse", "replacement_result_code")})
    try:
        with index.session() as s:
            s.add(event)
            s.commit()
            s.refresh(event)
    except IntegrityError:  # the same event posted concurrently: the other one won
        existing = _reuse_event(index, request.dossier_code, request.document_id)
        assert existing is not None
        return _repeat(existing, request, owner_id)
    return ReuseOutcome(event, True, owner_id)


def _repeat(existing: ReuseEvent, request: ReuseRequest, owner_id: str | None) -> ReuseOutcome:
    if not request.same_as(existing):
        raise ReuseConflict(_("document {doc} is already recorded as reused in dossier "
                              "{dossier} with other flags; the first record stands")
                            .format(doc=request.document_id, dossier=request.dossier_code))
    return ReuseOutcome(existing, False, owner_id)


def _reuse_event(index: DocumentIndex, dossier_code: str, document_id: str) -> ReuseEvent | None:
    with index.session() as s:
        return s.exec(select(ReuseEvent).where(ReuseEvent.dossier_code == dossier_code,
                                               ReuseEvent.document_id == document_id)).first()


def reuse_events(index: DocumentIndex, *, dossier_code: str | None = None,
                 document_id: str | None = None) -> list[ReuseEvent]:
    query = select(ReuseEvent)
    if dossier_code is not None:
        query = query.where(ReuseEvent.dossier_code == dossier_code)
    if document_id is not None:
        query = query.where(ReuseEvent.document_id == document_id)
    with index.session() as s:
        return list(s.exec(query.order_by(col(ReuseEvent.id))).all())
