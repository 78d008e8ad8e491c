"""The per-document pipeline: triage → OCR → extract → sign → store → index.

Reads like a table of contents over the stage functions below. Every failure ends in one outcome
(`DocumentOutcome`) here and nowhere else: rejected input goes to quarantine with its reason, an
unexpected failure is reported and the original is left where it was, the batch goes on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ocr.document import ocr_file
from ocr.errors import OcrError
from ocr.types import OcrOptions, OcrResult, PageOcr
from pipeline import __version__, metrics
from pipeline.batch import Interrupted, current_stop
from pipeline.errors import FileMissing, InputRejected, ProcessingFailed, SohoaError
from pipeline.extract import Extraction, ExtractOptions, PageInput, extract_metadata
from pipeline.i18n import _
from pipeline.identifiers import make_digitized_id, make_result_code
from pipeline.limits import OCR, SIGN, stage_limit
from pipeline.links import link_for_batch
from pipeline.logs import add_log_context, log_context
from pipeline.ocrtext import repair_line
from pipeline.record import (
    Provenance,
    StoredObjects,
    apply_fields_to_row,
    build_manifest,
    build_record,
    document_id,
    mean_confidence,
    parties_of,
)
from pipeline.report import (
    DUPLICATE,
    FAILED,
    NEEDS_REVIEW,
    QUARANTINED,
    RETRYABLE,
    STORED,
    DocumentOutcome,
)
from pipeline.retry import (
    backoff_for,
    check_storage_answers,
    halt_for,
    is_transient,
    with_tsa_retries,
)
from pipeline.search import fold, indexed_text
from pipeline.services import (
    Services,
    ServicesUnusable,
    raise_if_storage_unusable,
    work_dir_unusable,
)
from pipeline.settings import Settings
from pipeline.triage import TriagedFile, triage
from signing.errors import SigningError
from signing.pades import sign_pdf
from signing.stamp import CopyStamp
from storage.errors import (
    IndexUnavailable,
    ObjectLockedError,
    ObjectStoreUnavailable,
    StorageError,
)
from storage.fulltext import tokens
from storage.index import (
    STATUS_APPROVED,
    STATUS_FAILED,
    STATUS_PROCESSING,
    Claim,
    ClaimLost,
    Completion,
    DocumentFile,
    DocumentIndex,
    DocumentRow,
    DuplicateDocument,
    record_bytes,
    record_sha256,
)
from storage.objects import (
    Lock,
    original_object_key,
    record_object_key,
    sha256_hex,
    signed_object_key,
)

log = logging.getLogger("sohoa")
LINKABLE = (STORED, NEEDS_REVIEW, DUPLICATE)  # outcomes whose document is (being) stored

PageCallback = Callable[[PageOcr], None]


@dataclass(frozen=True)
class BatchContext:
    """What every document of a batch shares."""

    batch_id: str
    agency_code: str | None
    procedure_code: str | None
    dossier_code: str | None = None  # `digitize --dossier-code`: the dossier the results belong to


def digitize_file(
    path: Path, *, services: Services, batch: BatchContext, on_page: PageCallback | None = None,
    name: str | None = None,
) -> DocumentOutcome:
    """Digitize one file; never raises for a problem with this file, so the batch goes on.
    Its log records carry the batch id and the file; its outcome is counted in the metrics.
    `name` is how the clerk names the file when `path` is a working copy (the index, the
    record and the web pages show it); by default the path itself."""
    with log_context(batch_id=batch.batch_id, document=str(path)):
        outcome = _digitize_file(path, services=services, batch=batch, on_page=on_page,
                                 name=name)
        log.info("%s: %s %s(%d page(s), %.1f s)", path, outcome.status,
                 f"{outcome.reason_code} " if outcome.reason_code else "", outcome.pages,
                 outcome.seconds)
    metrics.document_done(agency=batch.agency_code, outcome=outcome.status,
                          reason=outcome.reason_code, pages=outcome.pages)
    return outcome


def _digitize_file(
    path: Path, *, services: Services, batch: BatchContext, on_page: PageCallback | None = None,
    name: str | None = None,
) -> DocumentOutcome:
    """Digitize one file; never raises for a problem with this file, so the batch goes on.

    When the storage is found unusable (full disk, S3 refusing writes) the batch is halted:
    this and every later file is reported as not processed, with the cause.
    """
    started = time.monotonic()
    if services.halt.stopped and services.halt.error is not None:
        return _not_processed(path, services.halt.error)
    try:
        check_storage_answers(services)  # no OCR or signing for what cannot be stored
        outcome = _digitize_checked(path, services=services, batch=batch, on_page=on_page,
                                    started=started, name=name)
        return _link_to_dossier(outcome, services=services, batch=batch)
    except Interrupted as stopped:  # while waiting for a service; the flow reports it
        return DocumentOutcome(str(path), FAILED, stopped.code, f"{path}: {stopped.message}",
                               seconds=time.monotonic() - started)
    except ServicesUnusable as unusable:
        log.error("%s: %s", path, unusable.message)
        return _not_processed(path, unusable)
    except (ObjectStoreUnavailable, IndexUnavailable) as away:  # retried for the whole budget
        return _not_processed(path, halt_for(services, away))
    except OSError as e:  # the file vanished or became unreadable while we worked
        log.error("%s: %s", path, e)
        if (ours := work_dir_unusable(services, e)) is not None:  # or our disk did
            return _not_processed(path, ours)
        return DocumentOutcome(str(path), FAILED, "READ_FAILED",
                               _("{path}: cannot be read ({error}); check that the file is "
                                 "still there and readable, then run again.").format(
                                     path=path, error=e.strerror or e),
                               seconds=time.monotonic() - started)
    except Exception as e:  # noqa: BLE001 - a bug must not lose the rest of the batch
        log.exception("unexpected failure on %s", path)
        return DocumentOutcome(str(path), FAILED, "INTERNAL_ERROR",
                               _("{path}: unexpected error ({error}); the file was left in "
                                 "place. Please report this with the log.").format(
                                     path=path, error=f"{type(e).__name__}: {e}"),
                               seconds=time.monotonic() - started)


def _link_to_dossier(outcome: DocumentOutcome, *, services: Services,
                     batch: BatchContext) -> DocumentOutcome:
    """A result digitized for a dossier (or found already stored) is linked to it, so the
    Decision 766 indicators count it; without a dossier code there is nothing to do."""
    if batch.dossier_code and outcome.record_id and outcome.status in LINKABLE:
        link_for_batch(services.index, batch.dossier_code, outcome.record_id,
                       linked_by=services.settings.clerk or "sohoa")
    return outcome


def _not_processed(path: Path, error: ServicesUnusable) -> DocumentOutcome:
    """Nothing of the file was stored: a rerun once the services are back processes it."""
    return DocumentOutcome(str(path), RETRYABLE, error.code,
                           _("{path}: not processed, the batch stopped: {cause}").format(
                               path=path, cause=error.message))


def _digitize_checked(
    path: Path, *, services: Services, batch: BatchContext, on_page: PageCallback | None,
    started: float, name: str | None = None,
) -> DocumentOutcome:
    try:
        with metrics.stage("triage", agency=batch.agency_code):
            triaged = replace(triage(path), name=name or "")
        add_log_context(sha256=triaged.sha256)
    except FileMissing as missing:  # nothing to quarantine
        return DocumentOutcome(str(path), FAILED, missing.code, missing.message)
    except InputRejected as rejection:
        return quarantine(path, rejection, services=services, batch=batch, name=name)
    known = _known_document(services.index, triaged.sha256)
    if known is not None and known.status not in (STATUS_FAILED, STATUS_PROCESSING):
        return _already_known(path, known, triaged)  # a failed or abandoned claim is retried
    # Claim the content hash in the index before the expensive work: a second process (or
    # worker) on the same file sees the claim and skips it instead of storing it again.
    claimed = services.index.claim(
        triaged.sha256, doc_id=document_id(triaged.sha256), owner=_attempt_id(),
        lease=_lease(services), template=DocumentRow(
            id="", original_sha256="", original_name=triaged.original_name,
            original_size=triaged.size, media_type=triaged.media_type, status="",
            agency_code=batch.agency_code, procedure_code=batch.procedure_code,
            batch_id=batch.batch_id))
    if not isinstance(claimed, Claim):
        return _already_known(path, claimed, triaged)
    try:
        with _Heartbeat(services, claimed):
            return _digitize(triaged, claimed, services=services, batch=batch, on_page=on_page,
                             started=started)
    except DuplicateDocument:  # stored meanwhile as another document's scan
        services.index.release(claimed, reason_code="DUPLICATE", reason_message="")
        row = _known_document(services.index, triaged.sha256)
        assert row is not None
        return _already_known(path, row, triaged)
    except ClaimLost as lost:
        log.warning("%s: %s", path, lost.message)
        return DocumentOutcome(str(path), DUPLICATE, lost.code, f"{path}: {lost.message}",
                               sha256=triaged.sha256, seconds=time.monotonic() - started)
    except (SohoaError, OcrError, SigningError, StorageError) as e:
        code = getattr(e, "code", "PROCESSING_FAILED")
        message = getattr(e, "message", str(e))
        if not isinstance(e, IndexUnavailable):  # else the claim's lease lapses by itself
            services.index.release(claimed, reason_code=code, reason_message=message)
        if isinstance(e, StorageError) and not isinstance(e, ObjectLockedError):
            raise_if_storage_unusable(services, e)
        log.error("%s: %s (%s)", path, message, code)
        status = RETRYABLE if is_transient(e) else FAILED  # e.g. the TSA did not answer
        return DocumentOutcome(str(path), status, code, f"{path}: {message}",
                               pages=triaged.pages, seconds=time.monotonic() - started,
                               sha256=triaged.sha256)
    except BaseException as e:
        services.index.release(claimed, reason_code="INTERNAL_ERROR",
                               reason_message=f"{type(e).__name__}: {e}")
        raise


def _known_document(index: DocumentIndex, sha256: str) -> DocumentRow | None:
    """The document holding this exact file (as its first scan or as a rescan), else the row of
    the file itself (quarantined, claimed, or failed)."""
    file = index.file_by_sha256(sha256)
    row = index.get(file.document_id) if file is not None else None
    return row or index.by_sha256(sha256)


def _attempt_id() -> str:
    """Unique per attempt: names the claim's owner and the attempt's record key. It starts with
    the host and process, so `sohoa batches status` can say who is working on a document."""
    return f"{socket.gethostname()[:15]}-{os.getpid()}-{secrets.token_hex(6)}"


def _lease(services: Services) -> timedelta:
    return timedelta(seconds=services.settings.claim_lease_s)


class _Heartbeat:
    """Renews the claim's lease while the document is being worked on."""

    def __init__(self, services: Services, claim: Claim) -> None:
        self.index, self.claim, self.lease = services.index, claim, _lease(services)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"claim-{claim.document_id}")

    def _run(self) -> None:
        interval = max(0.2, self.lease.total_seconds() / 3)
        while not self._stop.wait(interval):
            try:
                if not self.index.renew(self.claim, self.lease):
                    return  # lost: complete() will refuse, and say so
            except StorageError as e:  # the database is busy or away: try again next beat
                log.warning("cannot renew the claim on %s: %s", self.claim.document_id, e)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _digitize(
    triaged: TriagedFile, claim: Claim, *, services: Services, batch: BatchContext,
    on_page: PageCallback | None, started: float,
) -> DocumentOutcome:
    settings = services.settings
    provenance = Provenance(batch.batch_id, settings.clerk, batch.agency_code,
                            settings.agency_name, batch.procedure_code, datetime.now(UTC),
                            __version__)
    timings: dict[str, float] = {}
    with _timed(timings, "ocr", batch.agency_code):
        ocr = run_ocr(triaged, services=services, on_page=on_page)
    with _timed(timings, "extract", batch.agency_code):
        extraction = extract(ocr, services=services, pages=triaged.pages)
    values = extraction.values()
    earlier = find_rescan_target(services.index, values, exclude=claim.document_id,
                                 page_texts=[page.text for page in ocr.pages])
    review_reasons = [*ocr.needs_review, *extraction.review_reasons]
    status = NEEDS_REVIEW if review_reasons else STORED
    if earlier is not None:  # the same paper again: same legal identifiers
        identifiers = {"agency_code": earlier.agency_code,
                       "procedure_code": earlier.procedure_code,
                       "result_code": earlier.result_code, "digitized_id": earlier.digitized_id}
    else:
        identifiers = make_identifiers(extraction, services=services, batch=batch, claim=claim)
    manifest = build_manifest(triaged, ocr, extraction, provenance, identifiers)
    with _timed(timings, "sign", batch.agency_code):
        signed = sign(ocr.pdf, manifest=manifest, services=services)
    existing_signatures = inspect_input_signatures(triaged, services=services)
    lock = lock_for(settings, values)
    with _timed(timings, "store", batch.agency_code):
        objects = store_objects(triaged, signed, services=services, batch=batch,
                                attempt=claim.owner, lock=lock)
        record = build_record(
            doc_id=earlier.id if earlier else claim.document_id, status=status,
            review_reasons=review_reasons, triaged=triaged, ocr=ocr, extraction=extraction,
            provenance=provenance, identifiers=identifiers, objects=objects,
            signature_level=services.signing.level,
            existing_signatures=existing_signatures, timings=timings,
        )
        file = DocumentFile(
            document_id=claim.document_id, original_sha256=triaged.sha256,
            original_name=triaged.original_name, original_size=triaged.size,
            media_type=triaged.media_type, original_bucket=objects.original_bucket,
            original_key=objects.original_key, signed_sha256=objects.signed_sha256,
            signed_bucket=objects.signed_bucket, signed_key=objects.signed_key,
            batch_id=batch.batch_id)
        if earlier is not None:
            return _store_rescan(triaged, claim, earlier, record, file, services=services,
                                 started=started, pages=len(ocr.pages))
        services.store.put(objects.record_bucket, objects.record_key, record_bytes(record),
                           content_type="application/json",
                           metadata={"sha256-original": triaged.sha256})
    with _timed(timings, "index", batch.agency_code):
        row = DocumentRow(
            id=claim.document_id, original_sha256=triaged.sha256,
            original_name=triaged.original_name, original_size=triaged.size,
            media_type=triaged.media_type, status=status,
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
        row = apply_fields_to_row(row, values)
        services.index.complete(claim, Completion(
            row, file, record, record_sha256(record), parties=parties_of(extraction, values),
            search=indexed_text(values, [page.text for page in ocr.pages])))
    return DocumentOutcome(str(triaged.path), status, record_id=claim.document_id,
                           pages=len(ocr.pages), seconds=time.monotonic() - started,
                           review_reasons=tuple(review_reasons), sha256=triaged.sha256)


NEAR_IDENTICAL = 0.9  # share of word triples two readings of one paper have in common


def find_rescan_target(index: DocumentIndex, values: dict[str, Any], *, exclude: str,
                       page_texts: list[str] | None = None) -> DocumentRow | None:
    """The stored document this scan is a rescan of: the same number, issuing agency, issue
    date and owner (all read, none guessed); or, when some of those could not be read, a
    document of the same owner and type whose text is near-identical and whose number and date
    do not contradict this one's. Forms are templated: text alone, without the owner and type,
    would merge different people's certificates."""
    owner = values.get("owner_id") or values.get("tax_code")
    owner = owner[:20] if isinstance(owner, str) else None
    number, agency = values.get("number_symbol"), values.get("issuing_agency")
    issue_date = _iso(values.get("issue_date"))
    if isinstance(number, str) and isinstance(agency, str) and issue_date is not None:
        same = index.find_rescan_of(number_symbol=number[:100], issuing_agency=agency[:300],
                                    issue_date=issue_date, owner_id=owner, exclude=exclude)
        if same is not None:
            return same
    doc_type = values.get("doc_type")
    if owner is None or not isinstance(doc_type, str) or not page_texts:
        return None
    shingles = text_shingles("\n".join(page_texts))
    for row in index.find(owner_id=owner, doc_type=doc_type,
                          status=[STORED, NEEDS_REVIEW, STATUS_APPROVED], limit=50):
        if row.id == exclude or _contradicts(row, number, issue_date):
            continue
        copy = index.record_of(row.id)
        if copy is None:
            continue
        earlier_text = "\n".join(str(p.get("text", "")) for p in copy.record.get("pages", []))
        if similarity(shingles, text_shingles(earlier_text)) >= NEAR_IDENTICAL:
            return row
    return None


def _iso(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _contradicts(row: DocumentRow, number: object, issue_date: date | None) -> bool:
    """Both readings have a number (or a date) and they differ."""
    return bool((isinstance(number, str) and row.number_symbol and row.number_symbol != number)
                or (issue_date and row.issue_date and row.issue_date != issue_date))


def text_shingles(text: str) -> set[str]:
    """Word triples of the accent-folded text (OCR diacritic slips do not count)."""
    words = tokens(fold(text))
    return {" ".join(words[i:i + 3]) for i in range(max(0, len(words) - 2))}


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two shingle sets (0 when either is empty)."""
    return len(a & b) / len(a | b) if a and b else 0.0


def _store_rescan(triaged: TriagedFile, claim: Claim, earlier: DocumentRow,
                  scan_record: dict[str, Any], file: DocumentFile, *, services: Services,
                  started: float, pages: int) -> DocumentOutcome:
    """A new version of the earlier record: the new scan's original, signed copy and reading are
    added to it; the record keeps pointing at the earlier copy until a reviewer decides."""
    current = services.index.record_of(earlier.id)
    record: dict[str, Any] = dict(current.record) if current is not None else {"id": earlier.id}
    versions = list(record.get("versions", []))
    versions.append({"version": earlier.version + 1, "original": scan_record["original"],
                     "signed": scan_record["signed"], "metadata": scan_record["metadata"],
                     "provenance": scan_record["provenance"], "supersedes": None})
    record["versions"] = versions
    record.setdefault("history", []).append({
        "field": "rescan", "old": None, "new": triaged.sha256, "by": scan_record[
            "provenance"]["clerk"], "at": datetime.now(UTC).isoformat()})
    if earlier.record_bucket and earlier.record_key:
        services.store.put(earlier.record_bucket, earlier.record_key, record_bytes(record),
                           content_type="application/json",
                           metadata={"sha256-original": earlier.original_sha256})
    services.index.complete_rescan(claim, earlier.id, Completion(
        earlier, file, record, record_sha256(record)))
    return DocumentOutcome(str(triaged.path), DUPLICATE, "RESCAN",
                           _("{path}: a rescan of document {id}; kept as its version "
                             "{version} (a reviewer decides whether it supersedes the earlier "
                             "scan).").format(path=triaged.path, id=earlier.id,
                                              version=earlier.version + 1),
                           record_id=earlier.id, pages=pages,
                           seconds=time.monotonic() - started, sha256=triaged.sha256)


def lock_for(settings: Settings, values: dict[str, Any]) -> Lock | None:
    """Object lock of the original and the signed copy: kept for good when the result is
    permanent, else for its type's retention (settings)."""
    if not settings.object_lock:
        return None
    if values.get("valid_until") == "permanent":
        return Lock(settings.retention_mode, None, legal_hold=True)
    doc_type = str(values.get("doc_type") or "").upper()
    days = settings.retention_days_by_type.get(doc_type, settings.retention_days_default)
    return Lock(settings.retention_mode, datetime.now(UTC) + timedelta(days=days))


class _timed:
    """Times a stage into the record's timings and the stage-duration metric."""

    def __init__(self, timings: dict[str, float], name: str, agency: str | None = None) -> None:
        self.timings, self.name, self.agency = timings, name, agency

    def __enter__(self) -> None:
        self.start = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.monotonic() - self.start
        metrics.observe_stage(self.name, self.timings[self.name], agency=self.agency)


def ocr_options(services: Services) -> OcrOptions:
    s = services.settings
    return OcrOptions(languages=s.ocr_languages, tessdata_dir=s.ocr_tessdata_dir,
                      jobs=s.ocr_jobs, page_timeout_s=s.ocr_page_timeout_s,
                      min_confidence=s.ocr_min_confidence, text_repair=repair_line)


def run_ocr(triaged: TriagedFile, *, services: Services,
            on_page: PageCallback | None) -> OcrResult:
    """OCR a private copy: the clerk's original is never opened for writing."""
    services.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=services.work_dir) as tmp:
        copy = Path(tmp) / f"input{triaged.suffix}"
        shutil.copyfile(triaged.path, copy)
        try:
            with stage_limit(OCR):  # Tesseract slots shared by every worker (flows/inbox.py)
                return ocr_file(copy, kind=triaged.kind, options=ocr_options(services),
                                workdir=Path(tmp), on_page=on_page)
        except OcrError as e:
            raise ProcessingFailed(_("OCR failed: {message}").format(message=e.message),
                                   code=e.code) from e


def extract(ocr: OcrResult, *, services: Services, pages: int) -> Extraction:
    inputs = [PageInput(text=p.text, words=p.words, width=p.width, height=p.height,
                        confidence=p.confidence, flags=p.flags) for p in ocr.pages]
    options = ExtractOptions(review_threshold=services.settings.review_threshold,
                             today=datetime.now(UTC).date())
    return extract_metadata(inputs, options=options)


def make_identifiers(extraction: Extraction, *, services: Services, batch: BatchContext,
                     claim: Claim) -> dict[str, str | None]:
    """Result code (running number per agency) and digitized-document id (DOMAIN.md).

    The result code is a legal identifier: it is allocated in the transaction that writes it
    into the claimed row, and a retry of the same file reuses it, so no number is skipped.
    """
    settings = services.settings
    unit = (batch.agency_code or "LOCAL").replace(".", "")
    result_code = services.index.assign_result_code(
        claim, f"result:{unit}",
        lambda seq: make_result_code(unit, seq, fmt=settings.result_code_format))
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
        with stage_limit(SIGN):  # one signing token is shared by every worker
            return with_tsa_retries(lambda: sign_pdf(
                pdf, setup.signer, level=setup.level, timestamper=setup.timestamper,
                validation_context=setup.validation_context, stamp=stamp, manifest=manifest,
                reason="Sao y bản chính (số hóa)", location=services.settings.agency_name),
                budget=backoff_for(services.settings.retry_budget_s, stop=current_stop()),
                health=services.tsa)
    except SigningError as e:
        raise ProcessingFailed(_("signing failed: {message}").format(message=e.message),
                               code=e.code) from e


def inspect_input_signatures(triaged: TriagedFile, *, services: Services) -> list[dict[str, Any]]:
    """Signatures already on an input PDF: validated and recorded, the file left byte-identical."""
    if not triaged.has_signatures:
        return []
    from signing.validate import inspect_existing_signatures

    verdicts = inspect_existing_signatures(triaged.path.read_bytes(),
                                           trust_roots=services.signing.trust_roots)
    return [asdict(v) for v in verdicts]


def store_objects(triaged: TriagedFile, signed: bytes, *, services: Services,
                  batch: BatchContext, attempt: str, lock: Lock | None) -> StoredObjects:
    """Objects first, index row after. Keys follow the archive scheme (agency / year / content
    hash); the original is content-addressed (a retry finds it), the signed copy is keyed by
    its own hash and the record by the attempt, so two attempts never write the same key."""
    s = services.settings
    year = datetime.now(UTC).year
    original_key = original_object_key(batch.agency_code, year, triaged.sha256, triaged.suffix)
    if services.store.stat(s.bucket_originals, original_key) is None:
        services.store.put(s.bucket_originals, original_key, triaged.path.read_bytes(),
                           content_type=triaged.media_type,
                           metadata={"sha256": triaged.sha256}, lock=lock)
    signed_sha = sha256_hex(signed)
    signed_key = signed_object_key(batch.agency_code, year, triaged.sha256, signed_sha)
    services.store.put(s.bucket_signed, signed_key, signed, content_type="application/pdf",
                       metadata={"sha256": signed_sha, "sha256-original": triaged.sha256},
                       lock=lock)
    return StoredObjects(s.bucket_originals, original_key, s.bucket_signed, signed_key,
                         signed_sha, len(signed), s.bucket_records,
                         record_object_key(batch.agency_code, year, triaged.sha256, attempt))


def _named(message: str, path: Path, name: str | None) -> str:
    """The message as the clerk reads it in the index: the working copy's path, named."""
    return message.replace(str(path), name) if name else message


def _already_known(path: Path, row: DocumentRow, triaged: TriagedFile) -> DocumentOutcome:
    if row.status == STATUS_PROCESSING:
        return DocumentOutcome(str(path), DUPLICATE, "IN_PROGRESS",
                               _("{path}: being digitized right now by another process "
                                 "(document {id}); nothing to do.").format(path=path, id=row.id),
                               record_id=row.id,
                               sha256=triaged.sha256)
    if row.status == QUARANTINED:
        return DocumentOutcome(str(path), QUARANTINED, row.reason_code,
                               row.reason_message, record_id=row.id, sha256=triaged.sha256)
    return DocumentOutcome(str(path), DUPLICATE, "DUPLICATE",
                           _("{path}: identical to document {id} ({name}), already stored; "
                             "nothing to do.").format(path=path, id=row.id,
                                                      name=row.original_name),
                           record_id=row.id,
                           pages=row.page_count, sha256=triaged.sha256)


def quarantine(path: Path, rejection: InputRejected, *, services: Services,
               batch: BatchContext, name: str | None = None) -> DocumentOutcome:
    """Keep a copy of the rejected file with its reason; the original stays where it was.
    The index row names it `name` (a working copy's clerk-given name), else its path."""
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
                    id=document_id(sha), original_sha256=sha, original_name=name or str(path),
                    original_size=path.stat().st_size, status=QUARANTINED,
                    reason_code=rejection.code,
                    reason_message=_named(rejection.message, path, name),
                    agency_code=batch.agency_code, procedure_code=batch.procedure_code,
                    batch_id=batch.batch_id))
    log.info("quarantined %s: %s", path, rejection.message)
    return DocumentOutcome(str(path), QUARANTINED, rejection.code, rejection.message,
                           record_id=document_id(sha) if sha else None, sha256=sha)
