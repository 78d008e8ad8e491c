"""`/v1/documents`: an owner's reusable documents, one document, and its live verification."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from pipeline.access import SCOPE_DOCUMENTS_READ
from pipeline.queries import REUSABLE_STATUSES
from pipeline.reuse import (
    ReusableDocument,
    ReusableQuery,
    find_reusable,
    get_visible_document,
    verify_and_record,
)
from sohoa.api.deps import Accountability, Index, State, accountability
from sohoa.api.schemas import (
    TEXT_PATTERN,
    UNIT_PATTERN,
    DocumentItem,
    DocumentMetadata,
    DocumentPage,
    Download,
    HashOut,
    IsoDate,
    SignatureSummary,
    Verdict,
    VerificationOut,
)
from sohoa.api.state import ApiState

router = APIRouter(prefix="/v1/documents", tags=["documents"])
Reader = Annotated[Accountability, Depends(accountability(SCOPE_DOCUMENTS_READ))]
DocumentId = Annotated[str, Path(min_length=6, max_length=32, pattern=r"^[0-9a-zA-Z]+$",
                                 description="the 16-character document id")]


def _reusable_on(doc: ReusableDocument, day: date) -> bool:
    row = doc.row
    return (row.status in REUSABLE_STATUSES and doc.last_check_ok is not False
            and (row.issue_date is None or row.issue_date <= day)
            and (row.permanent or row.valid_until is None or row.valid_until >= day))


def _item(doc: ReusableDocument, state: ApiState, now: datetime) -> DocumentItem:
    row = doc.row
    assert row.signed_bucket and row.signed_key and row.signed_sha256
    ttl = timedelta(seconds=state.api.presign_ttl_s)
    url = state.store.presigned_get(row.signed_bucket, row.signed_key, expires=ttl)
    return DocumentItem(
        id=row.id, digitized_id=row.digitized_id, status=row.status, role=doc.role,
        reusable=_reusable_on(doc, now.date()),
        metadata=DocumentMetadata.model_validate(row, from_attributes=True),
        signature=SignatureSummary(level=row.signature_level, signed_sha256=row.signed_sha256,
                                   signed_at=row.created_at, last_verified_at=doc.last_checked_at,
                                   last_verification_ok=doc.last_check_ok),
        download=Download(url=url, expires_at=now + ttl, sha256=row.signed_sha256))


@router.get("", response_model=DocumentPage, summary="An owner's reusable documents")
def list_documents(
    state: State, why: Reader,
    owner_id: Annotated[str, Query(min_length=6, max_length=20, pattern=r"^[0-9A-Za-z\-]+$",
                                   description="CCCD/CMND, passport number or tax code")],
    doc_type: Annotated[str | None, Query(alias="type", max_length=200, pattern=TEXT_PATTERN,
                                          description="document type, e.g. QUYẾT ĐỊNH")] = None,
    valid_on: Annotated[IsoDate | None, Query(description="default: today")] = None,
    agency: Annotated[str | None, Query(pattern=UNIT_PATTERN,
                                        description="digitizing unit code")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DocumentPage:
    """Signed documents stored or approved, intact, issued and not expired on `valid_on`."""
    now = datetime.now(UTC)
    query = ReusableQuery(owner_id=owner_id, valid_on=valid_on or now.date(), doc_type=doc_type,
                          agency=agency, allowed_agencies=why.caller.agencies, page=page,
                          page_size=min(page_size, state.api.max_page_size))
    found = find_reusable(why.session, query)
    items = [_item(doc, state, now) for doc in found.items]
    why.log("documents.list", owner_id=query.owner_id, document_ids=[i.id for i in items])
    return DocumentPage(owner_id=query.owner_id, valid_on=query.valid_on, page=page,
                        page_size=query.page_size, total=found.total, items=items)


@router.get("/{document_id}", response_model=DocumentItem, summary="One document")
def get_document(state: State, why: Reader, document_id: DocumentId) -> DocumentItem:
    doc = get_visible_document(why.session, document_id, allowed_agencies=why.caller.agencies)
    item = _item(doc, state, datetime.now(UTC))
    why.log("documents.get", owner_id=doc.row.owner_id, document_ids=[doc.row.id])
    return item


@router.get("/{document_id}/verification", response_model=VerificationOut,
            summary="Live signature and hash check, verdict in Vietnamese and English")
def verify_document(state: State, index: Index, why: Reader,
                    document_id: DocumentId) -> VerificationOut:
    doc = get_visible_document(why.session, document_id, allowed_agencies=why.caller.agencies)
    result = verify_and_record(index, state.store, doc.row.id, trust=state.trust)
    why.log("documents.verify", owner_id=doc.row.owner_id, document_ids=[doc.row.id])
    return VerificationOut(
        document_id=doc.row.id, ok=result.ok, checked_at=datetime.now(UTC),
        verdict=Verdict(vi="HỢP LỆ" if result.ok else "KHÔNG HỢP LỆ",
                        en="VALID" if result.ok else "NOT VALID"),
        report=Verdict(vi=result.render("vi"), en=result.render("en")),
        hashes=[HashOut(object=h.name, ok=h.ok, expected=h.expected, actual=h.actual)
                for h in result.hashes],
        signature=result.signature.to_dict())
