"""The per-document pipeline: triage → OCR → extract → sign → store → index.

Reads like a table of contents over the stage functions below. Every failure ends in one outcome
(`DocumentOutcome`) here and nowhere else: rejected input goes to quarantine with its reason, an
unexpected failure is reported and the original is left where it was, the batch goes on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocr.document import ocr_file
from ocr.errors import OcrError
from ocr.types import OcrOptions, OcrResult, PageOcr
from pipeline import __version__
from pipeline.errors import FileMissing, InputRejected, ProcessingFailed, SohoaError
from pipeline.extract import Extraction, ExtractOptions, PageInput, extract_metadata
from pipeline.identifiers import make_digitized_id, make_result_code
from pipeline.record import (
    Provenance,
    StoredObjects,
    apply_fields_to_row,
    build_manifest,
    build_record,
    document_id,
    mean_confidence,
)
from pipeline.report import (
    DUPLICATE,
    FAILED,
    NEEDS_REVIEW,
    QUARANTINED,
    STORED,
    DocumentOutcome,
)
from pipeline.services import Services
from pipeline.triage import TriagedFile, triage
from signing.errors import SigningError
from signing.pades import sign_pdf
from signing.stamp import CopyStamp
from storage.errors import StorageError
from storage.index import DocumentRow, DuplicateDocument
from storage.objects import content_key, sha256_hex

log = logging.getLogger("sohoa")

PageCallback = Callable[[PageOcr], None]


@dataclass(frozen=True)
class BatchContext:
    """What every document of a batch shares."""

    batch_id: str
    agency_code: str | None
    procedure_code: str | None


def digitize_file(
    path: Path, *, services: Services, batch: BatchContext, on_page: PageCallback | None = None,
) -> DocumentOutcome:
    """Digitize one file; never raises for a problem with this file, so the batch goes on."""
    started = time.monotonic()
    try:
        return _digitize_checked(path, services=services, batch=batch, on_page=on_page,
                                 started=started)
    except OSError as e:  # the file vanished or became unreadable while we worked
        log.error("%s: %s", path, e)
        return DocumentOutcome(str(path), FAILED, "READ_FAILED",
                               f"{path}: cannot be read ({e.strerror or e}); check that the "
                               "file is still there and readable, then run again.",
                               seconds=time.monotonic() - started)
    except Exception as e:  # noqa: BLE001 - a bug must not lose the rest of the batch
        log.exception("unexpected failure on %s", path)
        return DocumentOutcome(str(path), FAILED, "INTERNAL_ERROR",
                               f"{path}: unexpected error ({type(e).__name__}: {e}); the file "
                               "was left in place. Please report this with the log.",
                               seconds=time.monotonic() - started)


def _digitize_checked(
    path: Path, *, services: Services, batch: BatchContext, on_page: PageCallback | None,
    started: float,
) -> DocumentOutcome:
    try:
        triaged = triage(path)
    except FileMissing as missing:  # nothing to quarantine
        return DocumentOutcome(str(path), FAILED, missing.code, missing.message)
    except InputRejected as rejection:
        return quarantine(path, rejection, services=services, batch=batch)
    existing = services.index.by_sha256(triaged.sha256)
    if existing is not None:
        return _already_known(path, existing, triaged)
    try:
        return _digitize(triaged, services=services, batch=batch, on_page=on_page,
                         started=started)
    except DuplicateDocument:
        row = services.index.by_sha256(triaged.sha256)
        assert row is not None
        return _already_known(path, row, triaged)
    except (SohoaError, OcrError, SigningError, StorageError) as e:
        code = getattr(e, "code", "PROCESSING_FAILED")
        message = getattr(e, "message", str(e))
        log.error("%s: %s (%s)", path, message, code)
        return DocumentOutcome(str(path), FAILED, code, f"{path}: {message}",
                               pages=triaged.pages, seconds=time.monotonic() - started,
                               sha256=triaged.sha256)


def _digitize(
    triaged: TriagedFile, *, services: Services, batch: BatchContext,
    on_page: PageCallback | None, started: float,
) -> DocumentOutcome:
    settings = services.settings
    provenance = Provenance(batch.batch_id, settings.clerk, batch.agency_code,
                            settings.agency_name, batch.procedure_code, datetime.now(UTC),
                            __version__)
    timings: dict[str, float] = {}
    with _timed(timings, "ocr"):
        ocr = run_ocr(triaged, services=services, on_page=on_page)
    with _timed(timings, "extract"):
        extraction = extract(ocr, services=services, pages=triaged.pages)
    doc_id = document_id(triaged.sha256)
    identifiers = make_identifiers(extraction, services=services, batch=batch)
    review_reasons = [*ocr.needs_review, *extraction.review_reasons]
    status = NEEDS_REVIEW if review_reasons else STORED
    manifest = build_manifest(triaged, ocr, extraction, provenance, identifiers)
    with _timed(timings, "sign"):
        signed = sign(ocr.pdf, manifest=manifest, services=services)
    existing_signatures = inspect_input_signatures(triaged, services=services)
    with _timed(timings, "store"):
        objects = store_objects(triaged, signed, services=services)
        record = build_record(
            doc_id=doc_id, status=status, review_reasons=review_reasons, triaged=triaged,
            ocr=ocr, extraction=extraction, provenance=provenance, identifiers=identifiers,
            objects=objects, signature_level=services.signing.level,
            existing_signatures=existing_signatures, timings=timings,
        )
        services.store.put(objects.record_bucket, objects.record_key,
                           json.dumps(record, ensure_ascii=False, indent=1).encode(),
                           content_type="application/json",
                           metadata={"sha256-original": triaged.sha256})
        row = DocumentRow(
            id=doc_id, original_sha256=triaged.sha256, original_name=str(triaged.path),
            original_size=triaged.size, media_type=triaged.media_type, status=status,
            page_count=len(ocr.pages), mean_confidence=mean_confidence(ocr),
            agency_code=batch.agency_code, procedure_code=batch.procedure_code,
            result_code=identifiers.get("result_code"),
            digitized_id=identifiers.get("digitized_id"),
            original_bucket=objects.original_bucket, original_key=objects.original_key,
            signed_sha256=objects.signed_sha256, signed_bucket=objects.signed_bucket,
            signed_key=objects.signed_key, record_bucket=objects.record_bucket,
            record_key=objects.record_key, signature_level=services.signing.level,
            review_reasons=review_reasons, batch_id=batch.batch_id,
        )
        services.index.add(apply_fields_to_row(row, extraction.values()))
    return DocumentOutcome(str(triaged.path), status, record_id=doc_id, pages=len(ocr.pages),
                           seconds=time.monotonic() - started,
                           review_reasons=tuple(review_reasons), sha256=triaged.sha256)


class _timed:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.monotonic() - self.start


def ocr_options(services: Services) -> OcrOptions:
    s = services.settings
    return OcrOptions(languages=s.ocr_languages, tessdata_dir=s.ocr_tessdata_dir,
                      jobs=s.ocr_jobs, page_timeout_s=s.ocr_page_timeout_s,
                      min_confidence=s.ocr_min_confidence)


def run_ocr(triaged: TriagedFile, *, services: Services,
            on_page: PageCallback | None) -> OcrResult:
    """OCR a private copy: the clerk's original is never opened for writing."""
    services.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=services.work_dir) as tmp:
        copy = Path(tmp) / f"input{triaged.suffix}"
        shutil.copyfile(triaged.path, copy)
        try:
            return ocr_file(copy, kind=triaged.kind, options=ocr_options(services),
                            workdir=Path(tmp), on_page=on_page)
        except OcrError as e:
            raise ProcessingFailed(f"OCR failed: {e.message}", code=e.code) from e


def extract(ocr: OcrResult, *, services: Services, pages: int) -> Extraction:
    inputs = [PageInput(text=p.text, words=p.words, width=p.width, height=p.height,
                        confidence=p.confidence, flags=p.flags) for p in ocr.pages]
    options = ExtractOptions(review_threshold=services.settings.review_threshold,
                             today=datetime.now(UTC).date())
    return extract_metadata(inputs, options=options)


def make_identifiers(extraction: Extraction, *, services: Services,
                     batch: BatchContext) -> dict[str, str | None]:
    """Result code (running number per agency) and digitized-document id (DOMAIN.md)."""
    settings = services.settings
    unit = (batch.agency_code or "LOCAL").replace(".", "")
    result_code = make_result_code(unit, services.index.next_number(f"result:{unit}"),
                                   fmt=settings.result_code_format)
    values = extraction.values()
    owner_id = values.get("owner_id") or values.get("tax_code")
    number = values.get("number_symbol")
    digitized_id = None
    if isinstance(owner_id, str) and isinstance(number, str):
        digitized_id = make_digitized_id(owner_id, result_code, number, 1,
                                         fmt=settings.digitized_id_format)
    return {"agency_code": batch.agency_code, "procedure_code": batch.procedure_code,
            "result_code": result_code, "digitized_id": digitized_id}


def sign(pdf: bytes, *, manifest: dict[str, Any], services: Services) -> bytes:
    setup = services.signing
    stamp = (CopyStamp(agency=services.settings.agency_name)
             if services.settings.signing_visible_stamp else None)
    try:
        return sign_pdf(pdf, setup.signer, level=setup.level, timestamper=setup.timestamper,
                        validation_context=setup.validation_context, stamp=stamp,
                        manifest=manifest, reason="Sao y bản chính (số hóa)",
                        location=services.settings.agency_name)
    except SigningError as e:
        raise ProcessingFailed(f"signing failed: {e.message}", code=e.code) from e


def inspect_input_signatures(triaged: TriagedFile, *, services: Services) -> list[dict[str, Any]]:
    """Signatures already on an input PDF: validated and recorded, the file left byte-identical."""
    if not triaged.has_signatures:
        return []
    from signing.validate import inspect_existing_signatures

    verdicts = inspect_existing_signatures(triaged.path.read_bytes(),
                                           trust_roots=services.signing.trust_roots)
    return [asdict(v) for v in verdicts]


def store_objects(triaged: TriagedFile, signed: bytes, *, services: Services) -> StoredObjects:
    """Objects first (content-addressed, so a retry rewrites the same keys), index row after."""
    s = services.settings
    original_key = content_key(triaged.sha256, triaged.suffix)
    if services.store.stat(s.bucket_originals, original_key) is None:
        services.store.put(s.bucket_originals, original_key, triaged.path.read_bytes(),
                           content_type=triaged.media_type,
                           metadata={"sha256": triaged.sha256})
    signed_sha = sha256_hex(signed)
    signed_key = content_key(signed_sha, ".pdf")
    services.store.put(s.bucket_signed, signed_key, signed, content_type="application/pdf",
                       metadata={"sha256": signed_sha, "sha256-original": triaged.sha256})
    return StoredObjects(s.bucket_originals, original_key, s.bucket_signed, signed_key,
                         signed_sha, len(signed), s.bucket_records,
                         content_key(triaged.sha256, ".json"))


def _already_known(path: Path, row: DocumentRow, triaged: TriagedFile) -> DocumentOutcome:
    if row.status == QUARANTINED:
        return DocumentOutcome(str(path), QUARANTINED, row.reason_code,
                               row.reason_message, record_id=row.id, sha256=triaged.sha256)
    return DocumentOutcome(str(path), DUPLICATE, "DUPLICATE",
                           f"{path}: identical to document {row.id} ({row.original_name}), "
                           "already stored; nothing to do.", record_id=row.id,
                           pages=row.page_count, sha256=triaged.sha256)


def quarantine(path: Path, rejection: InputRejected, *, services: Services,
               batch: BatchContext) -> DocumentOutcome:
    """Keep a copy of the rejected file with its reason; the original stays where it was."""
    sha = None
    if path.is_file():
        from pipeline.triage import file_sha256

        sha = file_sha256(path)
        folder = services.quarantine_dir / sha[:16]
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, folder / path.name)
        (folder / "reason.json").write_text(json.dumps({
            "file": str(path), "sha256": sha, "code": rejection.code,
            "message": rejection.message, "batch_id": batch.batch_id,
            "at": datetime.now(UTC).isoformat()}, ensure_ascii=False, indent=2), "utf-8")
        existing = services.index.by_sha256(sha)
        if existing is None:
            with contextlib.suppress(DuplicateDocument):
                services.index.add(DocumentRow(
                    id=document_id(sha), original_sha256=sha, original_name=str(path),
                    original_size=path.stat().st_size, status=QUARANTINED,
                    reason_code=rejection.code, reason_message=rejection.message,
                    agency_code=batch.agency_code, procedure_code=batch.procedure_code,
                    batch_id=batch.batch_id))
    log.info("quarantined %s: %s", path, rejection.message)
    return DocumentOutcome(str(path), QUARANTINED, rejection.code, rejection.message,
                           record_id=document_id(sha) if sha else None, sha256=sha)
