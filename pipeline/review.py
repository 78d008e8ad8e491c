"""The review step: a clerk corrects uncertain fields and approves (or rejects) a document.

Corrections are validated like extracted values, recorded with who and when (index history and a
new version of the JSON record object); the signed PDF is never modified. The document's parties
(what `lookup --owner-id` and the reuse API find it by) are rewritten from the reviewed values
in the transaction that saves them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import SohoaError
from pipeline.extract import Extraction, ExtractOptions, FieldValue, Party, apply_corrections
from pipeline.extract.parties import ROLES, id_kind
from pipeline.i18n import _
from pipeline.identifiers import validate_mst, validate_owner_id
from pipeline.labels import reason_text, review_reason_text
from pipeline.queries import get_row
from pipeline.record import apply_fields_to_row, parties_of
from pipeline.search import indexed_text
from storage.index import (
    STATUS_APPROVED,
    STATUS_NEEDS_REVIEW,
    STATUS_REJECTED,
    STATUS_STORED,
    DocumentIndex,
    DocumentParty,
    DocumentRow,
    ReviewEvent,
)
from storage.objects import ObjectStore


class InvalidCorrection(SohoaError):
    code = "INVALID_CORRECTION"


class NotReviewable(SohoaError):
    code = "NOT_REVIEWABLE"


OWNER = "owner"
# Roles renamed since documents were stored: a record keeps the name it was written with.
LEGACY_ROLES = {"subject_person": "decision_subject"}


@dataclass(frozen=True)
class PartyEdit:
    """A reviewer's change to a party other than the owner (the owner is corrected through the
    owner fields). `number` is the party's place in the stored list (1-based, as `sohoa show`
    prints it), None to add a party; `role` None removes party `number`."""

    number: int | None
    role: str | None
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class ReviewDecision:
    corrections: dict[str, str]
    actor: str
    approve: bool = True
    reject_reason: str | None = None
    party_edits: tuple[PartyEdit, ...] = ()


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """`field=value` pairs from the command line."""
    result: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidCorrection(_("{item!r}: write corrections as field=value, e.g. "
                                      "issue_date=2024-03-05").format(item=item))
        result[name.strip()] = value.strip()
    return result


_PARTY = re.compile(r"(?:(?P<number>\d+)\s*=)?\s*(?P<spec>.*)", re.S)


def parse_party_edits(items: Sequence[str]) -> tuple[PartyEdit, ...]:
    """`--party` values: `role:name:id` adds a party, `N=role:name:id` replaces party N,
    `N=` removes it (name or id may be empty, e.g. `2=decision_subject::045085001234`)."""
    edits = []
    for item in items:
        match = _PARTY.fullmatch(item.strip())
        assert match is not None  # the pattern matches any text
        number = int(match["number"]) if match["number"] else None
        spec = match["spec"].strip()
        if not spec:
            if number is None:
                raise InvalidCorrection(_("{item!r}: write a party as role:name:id, "
                                          "N=role:name:id to replace party N, or N= to "
                                          "remove it").format(item=item))
            edits.append(PartyEdit(number, None))
            continue
        role, _sep, rest = spec.partition(":")
        name, _sep, pid = rest.partition(":")
        edits.append(PartyEdit(number, role.strip(), name.strip() or None,
                               "".join(pid.split()) or None))
    return tuple(edits)


def extraction_from_record(record: dict[str, Any]) -> Extraction:
    """The stored extraction, parties included: a review rewrites the record from it, so
    whatever is not read back here would be lost from the record and the index."""
    stored = record.get("metadata", {})
    fields = {name: FieldValue(info.get("value"), float(info.get("confidence", 0.0)),
                               info.get("reason"))
              for name, info in stored.get("fields", {}).items()}
    parties = (Party.from_dict(p) for p in stored.get("parties", ()))
    return Extraction(fields=fields, review_reasons=tuple(stored.get("review_reasons", ())),
                      parties=tuple(replace(p, role=LEGACY_ROLES.get(p.role, p.role))
                                    for p in parties))


def apply_party_edits(parties: tuple[Party, ...],
                      edits: Sequence[PartyEdit]) -> tuple[Party, ...]:
    """The parties after the reviewer's edits, numbered as stored; raises InvalidCorrection
    (nothing changed) on an unknown number or role, the owner, or an invalid id."""
    kept: list[Party | None] = list(parties)
    added: list[Party] = []
    for edit in edits:
        if edit.number is not None:
            if not 1 <= edit.number <= len(parties):
                raise InvalidCorrection(_("there is no party {number}; the document names "
                                          "{count}.").format(number=edit.number,
                                                             count=len(parties)))
            if parties[edit.number - 1].role == OWNER:
                raise InvalidCorrection(_("party {number} is the owner: correct owner_name, "
                                          "owner_id or tax_code instead.").format(
                                              number=edit.number))
        party = _edited_party(edit) if edit.role is not None else None
        if edit.number is None:
            assert party is not None
            added.append(party)
        else:
            kept[edit.number - 1] = party
    return (*(p for p in kept if p is not None), *added)


def _edited_party(edit: PartyEdit) -> Party:
    role = edit.role or ""
    if role not in ROLES or role == OWNER:
        raise InvalidCorrection(_("unknown party role {role!r}; roles are: {roles}").format(
            role=role, roles=", ".join(r for r in ROLES if r != OWNER)))
    if edit.name is None and edit.id is None:
        raise InvalidCorrection(_("a party needs a name or an id."))
    if edit.name is not None and len(edit.name) > 200:
        raise InvalidCorrection(_("a party's name has at most 200 characters."))
    pid = "".join(edit.id.split()).upper() if edit.id is not None else None
    if pid is not None:
        problem = _id_problem(pid)
        if problem is not None:
            raise InvalidCorrection(_("party id {id}: {problem}").format(
                id=pid, problem=reason_text(problem)))
    return Party(role, edit.name, pid, id_kind(pid), 1.0)


def _id_problem(value: str) -> str | None:
    """A citizen id (CCCD/CMND), a tax code, or a passport number: the kind is told as the
    extractor tells it, so a corrected id is checked the way a read one is."""
    kind = id_kind(value)
    if kind == "passport":
        return None
    if kind == "mst" or "-" in value:
        return validate_mst(value)
    return validate_owner_id(value)


def pending_reviews(index: DocumentIndex) -> list[DocumentRow]:
    return index.find(status=[STATUS_NEEDS_REVIEW])


def review_document(index: DocumentIndex, store: ObjectStore, doc_id: str,
                    decision: ReviewDecision, *, options: ExtractOptions) -> DocumentRow:
    row = get_row(index, doc_id)
    if row.status not in (STATUS_NEEDS_REVIEW, STATUS_STORED, STATUS_APPROVED):
        raise NotReviewable(f"document {row.id} is {row.status}; only digitized documents "
                            "can be reviewed")
    assert row.record_bucket and row.record_key
    record = json.loads(store.get(row.record_bucket, row.record_key))
    before = extraction_from_record(record)
    try:
        corrected = apply_corrections(before, decision.corrections, options=options)
        # Party numbers are those the clerk was shown: edit before an owner correction
        # reorders them; an explicit edit wins over the corrected owner id.
        same_person = _owner_id_everywhere(before.parties, _owner_id(before),
                                           _owner_id(corrected))
        edited = replace(before, parties=apply_party_edits(same_person, decision.party_edits))
        after = apply_corrections(edited, decision.corrections, options=options)
    except ValueError as e:
        raise InvalidCorrection(_("{problem}; nothing was changed.").format(
            problem=review_reason_text(str(e)))) from e
    now = datetime.now(UTC)
    events = [ReviewEvent(document_id=row.id, field=name, actor=decision.actor, at=now,
                          old_value=_text(before.fields.get(name)),
                          new_value=_text(after.fields.get(name)))
              for name in decision.corrections]
    parties = parties_of(after, after.values())
    old_parties = _parties_text(index.parties_of(row.id))
    if _parties_text(parties) != old_parties:  # corrected, added or removed: who and when
        events.append(ReviewEvent(document_id=row.id, field="parties", actor=decision.actor,
                                  at=now, old_value=old_parties,
                                  new_value=_parties_text(parties)))
    status = row.status
    if decision.reject_reason is not None:
        status = STATUS_REJECTED
        events.append(ReviewEvent(document_id=row.id, field="status", actor=decision.actor,
                                  at=now, old_value=row.status,
                                  new_value=f"rejected: {decision.reject_reason}"))
    elif decision.approve:
        status = STATUS_APPROVED
        events.append(ReviewEvent(document_id=row.id, field="status", actor=decision.actor,
                                  at=now, old_value=row.status, new_value=STATUS_APPROVED))
    record["metadata"] = after.to_dict()
    record["status"] = status
    record.setdefault("history", []).extend(
        {"field": e.field, "old": e.old_value, "new": e.new_value, "by": e.actor,
         "at": now.isoformat()} for e in events)
    store.put(row.record_bucket, row.record_key,
              json.dumps(record, ensure_ascii=False, indent=1).encode(),
              content_type="application/json",
              metadata={"sha256-original": row.original_sha256})
    apply_fields_to_row(row, after.values())
    row.status = status
    row.review_reasons = [] if status == STATUS_APPROVED else list(after.review_reasons)
    row.reviewed_by, row.reviewed_at = decision.actor, now
    # Search covers the corrected values too; a record without its page text (none written
    # before it was kept) leaves the stored entry as it is rather than drop the OCR text.
    pages = record.get("pages")
    search = indexed_text(after.values(), [p.get("text", "") for p in pages]) if pages else None
    return index.record_review(row, events, record=record, parties=parties, search=search)


def _owner_id(extraction: Extraction) -> str | None:
    values = extraction.values()
    found = values.get("owner_id") or values.get("tax_code")
    return found if isinstance(found, str) else None


def _owner_id_everywhere(parties: tuple[Party, ...], old: str | None,
                         new: str | None) -> tuple[Party, ...]:
    """A corrected owner id replaces the old one on every party that carried it: an id names
    one person, so another role with the same id (the person a decision is about, who is also
    its owner) was the same misreading, and would keep the wrong id findable."""
    if old is None or old == new:
        return parties
    return tuple(replace(p, id=new, id_kind=id_kind(new, enterprise=p.id_kind == "mst"))
                 if p.role != OWNER and p.id == old else p for p in parties)


def _parties_text(parties: Sequence[DocumentParty]) -> str | None:
    """`owner: Nguyễn Văn A (045085001234); decision_subject: …` for the history."""
    if not parties:
        return None
    text = "; ".join(f"{p.role}: {p.name or '—'}" + (f" ({p.id_value})" if p.id_value else "")
                     for p in parties)
    return text[:2000]


def _text(value: FieldValue | None) -> str | None:
    if value is None or value.value is None:
        return None
    return value.value if isinstance(value.value, str) else json.dumps(value.value,
                                                                       ensure_ascii=False)
