"""Document search and detail: fields, the signature verdict in Vietnamese, the page image."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.i18n import _, current_language
from pipeline.queries import fetch_document_file, load_record, verify_stored
from pipeline.users import Session
from sohoa.web.deps import State, Web, area, log_view, render
from sohoa.web.images import page_png
from sohoa.web.review import field_views
from sohoa.web.search import DocumentSearch, find_documents

router = APIRouter(prefix="/documents")
Reader = Annotated[Session, Depends(area("documents"))]
Text = Annotated[str, Query(max_length=200)]


@router.get("", response_class=HTMLResponse)
def search(request: Request, state: State, session: Reader, owner_id: Text = "",
           number: Text = "", q: Text = "") -> HTMLResponse:
    criteria = DocumentSearch(owner_id, number, q)
    rows = find_documents(state.index, criteria)
    log_view(request, state, session, "web.search", owner_id=criteria.owner_id.strip() or None,
             document_ids=[r.id for r in rows], purpose=_("document search on the web pages"))
    return render(request, "search.html", {"criteria": criteria, "rows": rows},
                  session=session)


@router.get("/{doc_id}", response_class=HTMLResponse)
def detail(request: Request, state: State, session: Reader, doc_id: str,
           page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    row, record = load_record(state.index, state.store, doc_id)
    verification = verify_stored(state.index, state.store, row.id, trust=state.trust) \
        if row.signed_key else None
    fields = field_views(record, list(row.review_reasons)) if record else []
    pages = max(row.page_count, 1)
    log_view(request, state, session, "web.document", owner_id=row.owner_id,
             document_ids=[row.id], purpose=_("document details and signature check on the web "
                                              "pages"))
    return render(request, "document.html", {
        "row": row, "fields": [f for f in fields if f.text], "verification": verification,
        "report_vi": verification.render(current_language()) if verification else "",
        "history": state.index.review_history(row.id), "page": min(page, pages),
        "pages": pages}, session=session)


@router.get("/{doc_id}/pages/{page}.png")
def page_image(state: State, web: Web, _session: Reader, doc_id: str, page: int,
               w: Annotated[int | None, Query(ge=200, le=3000)] = None) -> Response:
    png = page_png(state.index, state.store, doc_id, page, width=w or web.page_width,
                   cache_dir=state.settings.data_path / "cache" / "pages")
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{doc_id}/signed.pdf")
def signed_pdf(state: State, _session: Reader, doc_id: str) -> Response:
    data = fetch_document_file(state.index, state.store, doc_id)
    row = state.index.get(doc_id)
    name = f"{row.id if row else doc_id}-sao-y.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

