"""The clerk's review queue: the page image beside the fields, correct, approve or reject.

Everything goes through `pipeline.review.review_document`, like `sohoa review`: corrections are
validated, kept in the history with who and when, and the signed PDF is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from pipeline.extract import ExtractOptions
from pipeline.extract.parties import ROLES
from pipeline.i18n import _
from pipeline.labels import party_role_label
from pipeline.queries import load_record
from pipeline.review import (
    OWNER,
    InvalidCorrection,
    NotReviewable,
    PartyEdit,
    ReviewDecision,
    extraction_from_record,
    pending_reviews,
    review_document,
)
from pipeline.users import Session
from sohoa.web import labels
from sohoa.web.deps import CheckedForm, State, area, log_view, render

router = APIRouter(prefix="/review")
Clerk = Annotated[Session, Depends(area("review"))]
LONG_FIELDS = ("subject", "recipients", "owner_address", "issuing_agency", "parent_agency")


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    text: str
    confidence: float | None
    reason: str | None
    flagged: bool
    long: bool


def field_views(record: dict[str, Any], reasons: list[str]) -> list[FieldView]:
    """Every field of the record in Decree 30 order, flagged when it is why review is needed."""
    extraction = extraction_from_record(record)
    flagged_names = {r.partition(":")[0].strip() for r in reasons}
    views = []
    for name in labels.FIELD_ORDER:
        value = extraction.fields.get(name)
        if name == "page_count":
            continue
        confidence = value.confidence if value is not None else None
        has_value = value is not None and value.value not in (None, "", [])
        views.append(FieldView(
            name, labels.field_label(name),
            labels.field_text(name, value.value if value else None),
            confidence if has_value else None,
            value.reason if value is not None else None,
            name in flagged_names, name in LONG_FIELDS))
    return views


@dataclass(frozen=True)
class PartyView:
    """One person the document names, as the review form shows it; `number` is its place in
    the stored list (the form's field names), 0 for the empty row that adds a party."""

    number: int
    role: str
    role_label: str
    name: str
    id: str
    owner: bool
    remove: bool = False


def party_role_choices() -> list[tuple[str, str]]:
    """The roles a clerk may give a party (the owner is corrected in the owner fields)."""
    return [(role, party_role_label(role)) for role in ROLES if role != OWNER]


def party_views(record: dict[str, Any], submitted: FormData | None = None) -> list[PartyView]:
    """The stored parties, then an empty row to add one; what the clerk typed when a form
    comes back with an error."""
    extraction = extraction_from_record(record)
    owner_name = extraction.fields.get("owner_name")
    views = []
    for number, party in enumerate(extraction.parties, 1):
        name = party.name or ""
        if party.role == OWNER and not name and owner_name is not None:
            name = str(owner_name.value or "")  # the owner field the clerk corrects above
        view = PartyView(number, party.role, party_role_label(party.role), name,
                         party.id or "", party.role == OWNER)
        views.append(_as_submitted(view, submitted) if not view.owner else view)
    return [*views, _as_submitted(PartyView(0, "", "", "", "", False), submitted)]


def _as_submitted(view: PartyView, form: FormData | None) -> PartyView:
    if form is None:
        return view
    key = f"p{view.number}__"
    return PartyView(view.number, str(form.get(key + "role", view.role)), view.role_label,
                     str(form.get(key + "name", view.name)), str(form.get(key + "id", view.id)),
                     view.owner, form.get(key + "remove") is not None)


def _party_edits(form: FormData, record: dict[str, Any]) -> tuple[PartyEdit, ...]:
    """Only the parties the clerk changed, removed or added."""
    edits = []
    for view in party_views(record):
        if view.owner:
            continue
        key = f"p{view.number}__"
        role = " ".join(str(form.get(key + "role") or "").split())
        name = " ".join(str(form.get(key + "name") or "").split())
        pid = "".join(str(form.get(key + "id") or "").split())
        if view.number == 0:
            if role or name or pid:
                edits.append(PartyEdit(None, role, name or None, pid or None))
        elif form.get(key + "remove") is not None:
            edits.append(PartyEdit(view.number, None))
        elif (role, name, pid) != (view.role, " ".join(view.name.split()), view.id):
            edits.append(PartyEdit(view.number, role, name or None, pid or None))
    return tuple(edits)


@router.get("", response_class=HTMLResponse)
def queue(request: Request, state: State, session: Clerk, done: str | None = None,
          action: str | None = None) -> HTMLResponse:
    rows = pending_reviews(state.index)
    rows.sort(key=lambda r: r.created_at)
    return render(request, "review_queue.html", {"rows": rows, "done": done, "action": action},
                  session=session)


def _review_page(request: Request, state: State, session: Session, doc_id: str, page: int, *,
                 error: str | None = None, submitted: FormData | None = None,
                 status_code: int = 200) -> HTMLResponse:
    row, record = load_record(state.index, state.store, doc_id)
    if record is None:
        raise NotReviewable(_("Document {id} is quarantined: it has no fields to review.")
                            .format(id=row.id))
    reasons = list(record.get("metadata", {}).get("review_reasons", row.review_reasons))
    views = field_views(record, reasons)
    if submitted is not None:  # show what the clerk typed, not what is stored
        views = [FieldView(v.name, v.label, str(submitted.get(f"f__{v.name}", v.text)),
                           v.confidence, v.reason, v.flagged, v.long) for v in views]
    parties = party_views(record, submitted)
    pages = max(row.page_count, 1)
    log_view(request, state, session, "web.review", owner_id=row.owner_id,
             document_ids=[row.id], purpose=_("review of digitizing results"))
    return render(request, "review_item.html", {
        "row": row, "fields": views, "parties": parties, "roles": party_role_choices(),
        "reasons": reasons, "page": min(max(page, 1), pages),
        "pages": pages, "history": state.index.review_history(row.id), "error": error,
        "reject_reason": submitted.get("reject_reason", "") if submitted else "",
        "threshold": state.settings.review_threshold,
    }, session=session, status_code=status_code)


@router.get("/{doc_id}", response_class=HTMLResponse)
def review_item(request: Request, state: State, session: Clerk, doc_id: str,
                page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    return _review_page(request, state, session, doc_id, page)


def _corrections(form: FormData, record: dict[str, Any]) -> dict[str, str]:
    """Only the fields whose text the clerk changed: an untouched field keeps its confidence."""
    current = extraction_from_record(record).fields
    changed = {}
    for name in labels.FIELD_ORDER:
        sent = form.get(f"f__{name}")
        if not isinstance(sent, str):
            continue
        before = labels.field_text(name, current[name].value if name in current else None)
        if " ".join(sent.split()) != " ".join(before.split()):
            changed[name] = sent
    return changed


def _decision(form: FormData, record: dict[str, Any], actor: str) -> ReviewDecision:
    action = form.get("action")
    if action == "reject":
        reason = str(form.get("reject_reason") or "").strip()
        if not reason:
            raise InvalidCorrection(_("Write the reason for rejecting so that others understand "
                                      "why."))
        return ReviewDecision({}, actor, approve=False, reject_reason=reason[:500])
    return ReviewDecision(_corrections(form, record), actor, approve=action == "approve",
                          party_edits=_party_edits(form, record))


@router.post("/{doc_id}")
def review_submit(request: Request, state: State, session: Clerk, doc_id: str,
                  form: CheckedForm) -> Response:
    row, record = load_record(state.index, state.store, doc_id)
    if record is None:
        raise NotReviewable(_("Document {id} is quarantined.").format(id=row.id))
    options = ExtractOptions(review_threshold=state.settings.review_threshold,
                             today=datetime.now(UTC).date())
    try:
        decision = _decision(form, record, session.user_name)
        if not (decision.corrections or decision.party_edits or decision.approve
                or decision.reject_reason is not None):
            raise InvalidCorrection(_("No field was changed."))
        done = review_document(state.index, state.store, row.id, decision, options=options)
    except InvalidCorrection as e:
        return _review_page(request, state, session, row.id, 1, error=str(e), submitted=form,
                            status_code=422)
    if form.get("action") == "save":
        return RedirectResponse(f"/ui/review/{done.id}?saved=1", status_code=303)
    return RedirectResponse(f"/ui/review?done={done.id}&action={done.status}", status_code=303)
