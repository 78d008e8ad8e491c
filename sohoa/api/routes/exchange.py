"""`/v1/reuse` (a document reused in a dossier) and `/v1/dossiers` (the dossier register)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from pipeline.access import (
    SCOPE_DOSSIERS_WRITE,
    SCOPE_REUSE_WRITE,
    AccessRecord,
    Caller,
    log_access,
)
from pipeline.dossiers import DossierEntry, register_dossiers
from pipeline.reuse import ReuseRequest, record_reuse
from sohoa.api.deps import Index, IndexSession, require
from sohoa.api.schemas import DossierIn, DossiersOut, PortalFlags, ReuseIn, ReuseOut

router = APIRouter(prefix="/v1", tags=["exchange"])


@router.post("/reuse", response_model=ReuseOut, status_code=201,
             responses={200: {"model": ReuseOut, "description": "already recorded"}},
             summary="Record that a document was reused in a dossier (idempotent)")
def post_reuse(body: ReuseIn, index: Index, session: IndexSession, request: Request,
               response: Response,
               caller: Annotated[Caller, Depends(require(SCOPE_REUSE_WRITE))]) -> ReuseOut:
    """Once per (dossier, document): a repeat returns the first record with 200."""
    outcome = record_reuse(index, ReuseRequest(**body.model_dump()), client_id=caller.client_id,
                           allowed_agencies=caller.agencies)
    event = outcome.event
    if not outcome.created:
        response.status_code = 200
    log_access(session, AccessRecord(caller, "reuse.record", outcome.owner_id, [event.document_id],
                                   body.dossier_code, body.purpose,
                                   request.scope["state"]["request_id"]))
    assert event.id is not None
    return ReuseOut(
        id=event.id, created=outcome.created, dossier_code=event.dossier_code,
        document_id=event.document_id, procedure_code=event.procedure_code,
        component_code=event.component_code, purpose=event.purpose,
        recorded_at=event.recorded_at,
        portal=PortalFlags(DuocSoHoa=event.digitized, DuocTaiSuDung=event.reused,
                           DuocLayTuKhoDMQG=event.from_national_warehouse,
                           MaKetQuaThayThe=event.replacement_result_code))


@router.post("/dossiers", response_model=DossiersOut,
             summary="Register dossiers received or resolved (one or a list; idempotent)")
def post_dossiers(body: DossierIn | Annotated[list[DossierIn], Field(max_length=10_000)],
                  index: Index,
                  caller: Annotated[Caller, Depends(require(SCOPE_DOSSIERS_WRITE))]
                  ) -> DossiersOut:
    entries = [DossierEntry(**d.model_dump()) for d in (body if isinstance(body, list)
                                                        else [body])]
    result = register_dossiers(index, entries, source=f"api:{caller.client_id}")
    return DossiersOut(created=result.created, updated=result.updated,
                       unchanged=result.unchanged)
