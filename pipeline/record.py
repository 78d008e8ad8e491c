"""The record of a digitized result: what goes into the JSON record object, the manifest embedded
in the signed PDF, and the index row. Pure functions over the stage results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any

from ocr.types import OcrResult
from pipeline.extract import Extraction
from pipeline.triage import TriagedFile
from storage.index import DocumentParty, DocumentRow

RECORD_SCHEMA = "sohoa.record/1"
MANIFEST_SCHEMA = "sohoa.manifest/1"


@dataclass(frozen=True)
class Provenance:
    batch_id: str
    clerk: str
    agency_code: str | None
    agency_name: str
    procedure_code: str | None
    started_at: datetime
    sohoa_version: str


@dataclass(frozen=True)
class StoredObjects:
    original_bucket: str
    original_key: str
    signed_bucket: str
    signed_key: str
    signed_sha256: str
    signed_size: int
    record_bucket: str
    record_key: str


def document_id(sha256: str) -> str:
    """Short, stable id derived from the original's content (unique with the SHA-256)."""
    return sha256[:16]


def page_summaries(ocr: OcrResult) -> list[dict[str, Any]]:
    return [{
        "index": p.index, "source": p.source, "confidence": round(p.confidence, 2),
        "quality": round(p.quality, 3), "rotation": p.rotation,
        "skew_angle": round(p.skew_angle, 2), "flags": list(p.flags), "dpi": p.dpi,
        "width": p.width, "height": p.height,
    } for p in ocr.pages]


def mean_confidence(ocr: OcrResult) -> float | None:
    pages = [p.confidence for p in ocr.pages if p.source != "failed"]
    return round(sum(pages) / len(pages), 2) if pages else None


def build_manifest(
    triaged: TriagedFile, ocr: OcrResult, extraction: Extraction, provenance: Provenance,
    identifiers: dict[str, str | None],
) -> dict[str, Any]:
    """Embedded in the PDF before signing, so the signature covers how the copy was made."""
    return {
        "schema": MANIFEST_SCHEMA,
        "original": {"sha256": triaged.sha256, "size": triaged.size,
                     "media_type": triaged.media_type, "pages": triaged.pages},
        "ocr": {"engine": dict(ocr.engine), "pages": page_summaries(ocr)},
        "metadata": extraction.values(),
        "identifiers": identifiers,
        "digitized_by": {"clerk": provenance.clerk, "agency_code": provenance.agency_code,
                         "agency_name": provenance.agency_name,
                         "procedure_code": provenance.procedure_code,
                         "batch_id": provenance.batch_id,
                         "at": provenance.started_at.isoformat(),
                         "software": f"sohoa {provenance.sohoa_version}"},
    }


def build_record(
    *, doc_id: str, status: str, review_reasons: list[str], triaged: TriagedFile,
    ocr: OcrResult, extraction: Extraction, provenance: Provenance,
    identifiers: dict[str, str | None], objects: StoredObjects, signature_level: str,
    existing_signatures: list[dict[str, Any]], timings: dict[str, float],
) -> dict[str, Any]:
    return {
        "schema": RECORD_SCHEMA,
        "id": doc_id,
        "status": status,
        "review_reasons": review_reasons,
        "original": {"name": PurePosixPath(triaged.original_name).name,
                     "path": triaged.original_name,
                     "sha256": triaged.sha256, "size": triaged.size,
                     "media_type": triaged.media_type, "pages": triaged.pages,
                     "bucket": objects.original_bucket, "key": objects.original_key,
                     "existing_signatures": existing_signatures},
        "signed": {"sha256": objects.signed_sha256, "size": objects.signed_size,
                   "bucket": objects.signed_bucket, "key": objects.signed_key,
                   "level": signature_level},
        "metadata": extraction.to_dict(),
        "identifiers": identifiers,
        "pages": [{**summary, "text": page.text}
                  for summary, page in zip(page_summaries(ocr), ocr.pages, strict=True)],
        "ocr": {"engine": dict(ocr.engine), "mean_confidence": mean_confidence(ocr)},
        "provenance": {"clerk": provenance.clerk, "agency_code": provenance.agency_code,
                       "agency_name": provenance.agency_name,
                       "procedure_code": provenance.procedure_code,
                       "batch_id": provenance.batch_id,
                       "started_at": provenance.started_at.isoformat(),
                       "finished_at": datetime.now(UTC).isoformat(),
                       "sohoa_version": provenance.sohoa_version,
                       "timings_s": {k: round(v, 3) for k, v in timings.items()}},
        "history": [],
    }


def _iso_date(value: object) -> date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def apply_fields_to_row(row: DocumentRow, values: dict[str, Any]) -> DocumentRow:
    """Copy extracted values into the index row's searchable columns."""
    row.doc_type = _text(values.get("doc_type"), 200)
    row.type_abbr = _text(values.get("type_abbr"), 20)
    row.number_symbol = _text(values.get("number_symbol"), 100)
    row.issue_date = _iso_date(values.get("issue_date"))
    row.issuing_agency = _text(values.get("issuing_agency"), 300)
    row.subject = _text(values.get("subject"), 500)
    row.signer_name = _text(values.get("signer_name"), 100)
    # The owner is a person (CCCD/CMND) or, for an enterprise, its tax code.
    row.owner_id = _text(values.get("owner_id") or values.get("tax_code"), 20)
    row.owner_name = _text(values.get("owner_name"), 200)
    valid_until = values.get("valid_until")
    row.permanent = valid_until == "permanent"
    row.valid_until = _iso_date(valid_until)
    row.fields = values
    return row


def parties_of(extraction: Extraction, values: dict[str, Any]) -> list[DocumentParty]:
    """The extraction's parties (when it names them) and always the owner."""
    parties: list[DocumentParty] = []
    for party in getattr(extraction, "parties", ()) or ():
        role = getattr(party, "role", None)
        if not role:
            continue
        parties.append(DocumentParty(
            document_id="", role=str(role)[:40], name=_short(getattr(party, "name", None), 200),
            id_value=_short(getattr(party, "id", None), 40),
            id_kind=_short(getattr(party, "id_kind", None), 20),
            confidence=getattr(party, "confidence", None)))
    owner_id = values.get("owner_id") or values.get("tax_code")
    owner_kind = "cccd" if values.get("owner_id") else ("mst" if values.get("tax_code") else None)
    has_owner = any(p.role == "owner" and p.id_value == owner_id for p in parties)
    if isinstance(owner_id, str) and not has_owner:
        parties.insert(0, DocumentParty(document_id="", role="owner",
                                        name=_short(values.get("owner_name"), 200),
                                        id_value=owner_id[:40], id_kind=owner_kind))
    return parties


def _short(value: object, limit: int) -> str | None:
    return str(value)[:limit] if value not in (None, "") else None
