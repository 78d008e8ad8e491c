"""Read-side use cases: look-ups of reusable documents, one record, files, verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.labels import status_label
from storage.errors import ObjectMissingError
from storage.index import (
    STATUS_APPROVED,
    STATUS_NEEDS_REVIEW,
    STATUS_STORED,
    DocumentIndex,
    DocumentRow,
)

if TYPE_CHECKING:  # pyHanko and minio load slowly: `lookup` and `show` need neither
    from signing.validate import ValidationReport
    from storage.objects import ObjectStore

REUSABLE_STATUSES = (STATUS_STORED, STATUS_APPROVED)


class DocumentNotFound(SohoaError):
    code = "DOCUMENT_NOT_FOUND"


@dataclass(frozen=True)
class LookupMatch:
    row: DocumentRow
    role: str  # "owner", or the role the id has in the document (e.g. another party)


def lookup_matches(index: DocumentIndex, *, owner_id: str, doc_type: str | None = None,
                   include_pending: bool = False) -> list[LookupMatch]:
    """Documents of a person: those they own, then those naming them as a party, with the
    role. Reusable means stored (or approved after review) signed copies."""
    owner = "".join(ch for ch in owner_id if not ch.isspace())
    statuses = list(REUSABLE_STATUSES) if not include_pending else [
        *REUSABLE_STATUSES, STATUS_NEEDS_REVIEW]
    matches = [LookupMatch(row, "owner")
               for row in index.find(owner_id=owner, doc_type=doc_type, status=statuses)]
    seen = {m.row.id for m in matches}
    for row, role in index.find_by_party(owner, status=statuses, doc_type=doc_type):
        if row.id not in seen:
            seen.add(row.id)
            matches.append(LookupMatch(row, role))
    return matches


def lookup_documents(index: DocumentIndex, *, owner_id: str, doc_type: str | None = None,
                     include_pending: bool = False) -> list[DocumentRow]:
    """A person's reusable documents: stored (or approved after review) signed copies."""
    return [m.row for m in lookup_matches(index, owner_id=owner_id, doc_type=doc_type,
                                          include_pending=include_pending)]


def pending_review_rows(index: DocumentIndex) -> list[DocumentRow]:
    """Documents waiting for review (the list needs neither S3 nor the extraction code)."""
    return index.find(status=[STATUS_NEEDS_REVIEW])


def get_row(index: DocumentIndex, doc_id: str) -> DocumentRow:
    row = index.get(doc_id)
    if row is None:
        raise DocumentNotFound(_("no document with id {id!r}; `sohoa lookup` lists ids.").format(
            id=doc_id))
    return row


def load_record(index: DocumentIndex, store: ObjectStore | None,
                doc_id: str) -> tuple[DocumentRow, dict[str, Any] | None]:
    """The row and its current record: from the index (no S3 needed), or from the record object
    when the index has no copy (documents stored before the copy existed) and a store is given."""
    row = get_row(index, doc_id)
    copy = index.record_of(row.id)
    if copy is not None:
        return row, copy.record
    if store is None or row.record_bucket is None or row.record_key is None:
        return row, None  # quarantined (no record), or no S3 at hand
    return row, json.loads(store.get(row.record_bucket, row.record_key))


def fetch_document_file(index: DocumentIndex, store: ObjectStore, doc_id: str, *,
                        original: bool = False) -> bytes:
    row = get_row(index, doc_id)
    bucket, key = ((row.original_bucket, row.original_key) if original
                   else (row.signed_bucket, row.signed_key))
    if bucket is None or key is None:
        raise DocumentNotFound(
            _("document {id} has no stored file (status {status}: {reason})").format(
                id=row.id, status=status_label(row.status), reason=row.reason_message))
    return store.get(bucket, key)


@dataclass
class HashCheck:
    name: str
    expected: str | None
    actual: str | None

    @property
    def ok(self) -> bool:
        return self.expected is not None and self.expected == self.actual


@dataclass
class VerifyResult:
    target: str
    signature: ValidationReport
    hashes: list[HashCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature.ok and all(h.ok for h in self.hashes)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "signature": self.signature.to_dict(),
                "hashes": [{"object": h.name, "expected": h.expected, "actual": h.actual,
                            "ok": h.ok} for h in self.hashes]}

    def render(self, lang: str = "vi") -> str:
        vi = lang == "vi"
        lines = [f"{'Kiểm tra' if vi else 'Verification of'}: {self.target}"]
        for h in self.hashes:
            if vi:
                state = "khớp" if h.ok else ("thiếu" if h.actual is None else "KHÔNG khớp")
                lines.append(f"  SHA-256 {h.name}: {state}")
            else:
                state = "matches" if h.ok else ("missing" if h.actual is None else "MISMATCH")
                lines.append(f"  SHA-256 of {h.name}: {state}")
        lines.append(self.signature.render(lang))
        verdict = ("KẾT LUẬN: HỢP LỆ" if self.ok else "KẾT LUẬN: KHÔNG HỢP LỆ") if vi else \
            ("VERDICT: VALID" if self.ok else "VERDICT: NOT VALID")
        lines.append(verdict)
        return "\n".join(lines)


@dataclass(frozen=True)
class TrustSettings:
    """What validation trusts and where revocation information comes from."""

    roots: list[Path]
    crls: list[Path] = field(default_factory=list)
    allow_fetching: bool = False

    def validate(self, pdf: bytes) -> ValidationReport:
        from signing.validate import validate_pdf

        return validate_pdf(pdf, trust_roots=self.roots,
                            crls=[c.read_bytes() for c in self.crls],
                            allow_fetching=self.allow_fetching)


def verify_file(path: Path, *, trust: TrustSettings) -> VerifyResult:
    return VerifyResult(str(path), trust.validate(path.read_bytes()))


def _object_hash(store: ObjectStore, bucket: str | None, key: str | None) -> tuple[str | None,
                                                                                   bytes | None]:
    if bucket is None or key is None:
        return None, None
    try:
        data = store.get(bucket, key)
    except ObjectMissingError:
        return None, None
    return hashlib.sha256(data).hexdigest(), data


def verify_stored(index: DocumentIndex, store: ObjectStore, doc_id: str, *,
                  trust: TrustSettings) -> VerifyResult:
    """Signature of the stored signed copy, plus every stored object against the index hashes."""
    row = get_row(index, doc_id)
    original_hash, _ = _object_hash(store, row.original_bucket, row.original_key)
    signed_hash, signed = _object_hash(store, row.signed_bucket, row.signed_key)
    checks = [HashCheck("original", row.original_sha256, original_hash),
              HashCheck("signed copy", row.signed_sha256, signed_hash)]
    record_hash, record = _object_hash(store, row.record_bucket, row.record_key)
    if record is not None:
        recorded = json.loads(record).get("signed", {}).get("sha256")
        checks.append(HashCheck("record → signed copy", recorded, signed_hash))
        if row.record_sha256 is not None:  # the record object is the one the index holds
            checks.append(HashCheck("record", row.record_sha256, record_hash))
    else:
        checks.append(HashCheck("record", "present", None))
    from signing.validate import ValidationReport

    report = (trust.validate(signed) if signed is not None
              else ValidationReport([], document_error="the signed copy is missing"))
    return VerifyResult(f"{row.id} ({row.original_name})", report, checks)
