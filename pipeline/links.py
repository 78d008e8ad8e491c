"""Links between digitized results and the dossiers they resolved.

Three ways, strongest first:
- explicit: the clerk names the dossier when digitizing (`sohoa digitize --dossier-code`, or
  `sohoa link --dossier-code CODE ID…` afterwards);
- manifest: a backlog batch comes with a CSV `file,dossier_code`; each file is found in the index
  by its SHA-256, so the manifest can be applied before or after the batch is digitized;
- inferred: no code at all, but exactly one resolved paper-result dossier of the same owner and
  procedure whose receipt-to-resolution window holds the result's issue date. Inferred links are
  derived when a report is computed, never stored, and reports show them apart.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from pipeline.dossiers import DOSSIER_CODE
from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.queries import REUSABLE_STATUSES, get_row
from storage.index import DocumentIndex, DocumentRow
from storage.links import ResultLink

METHOD_EXPLICIT = "explicit"
METHOD_MANIFEST = "manifest"
# A paper result is often dated the day it is handed over, a few days after the one-stop shop
# closes the dossier; a wider window would start matching the owner's next dossier.
INFERENCE_SLACK_DAYS = 3


class LinkError(SohoaError):
    code = "LINK_INVALID"


def check_dossier_code(code: str) -> str:
    code = code.strip()
    if not DOSSIER_CODE.match(code):
        raise LinkError(_("{code!r} is not a dossier code (such as 000.17.22.H56-210531-0001)")
                        .format(code=code))
    return code


def link_result(index: DocumentIndex, *, dossier_code: str, document_id: str, linked_by: str,
                method: str = METHOD_EXPLICIT) -> tuple[ResultLink, bool]:
    """Link a stored document to a dossier; linking it again changes nothing (created=False).

    This is the one call `pipeline.process` needs after storing a document digitized with
    `--dossier-code`.
    """
    code = check_dossier_code(dossier_code)
    row = get_row(index, document_id)
    existing = _find_link(index, code, row.id)
    if existing is not None:
        return existing, False
    link = ResultLink(dossier_code=code, document_id=row.id, method=method, linked_by=linked_by)
    try:
        with index.session() as s:
            s.add(link)
            s.commit()
            s.refresh(link)
    except IntegrityError:  # the same link written concurrently: the other one stands
        found = _find_link(index, code, row.id)
        assert found is not None
        return found, False
    return link, True


def link_for_batch(index: DocumentIndex, dossier_code: str | None, document_id: str, *,
                   linked_by: str) -> None:
    """The hook of `sohoa digitize --dossier-code`: after a document is stored (or found to be
    stored already), link it to the batch's dossier; without a code, nothing to do. The code is
    checked with `check_dossier_code` before the batch starts, so this cannot fail on it."""
    if dossier_code:
        link_result(index, dossier_code=dossier_code, document_id=document_id,
                    linked_by=linked_by, method=METHOD_EXPLICIT)


def _find_link(index: DocumentIndex, dossier_code: str, document_id: str) -> ResultLink | None:
    with index.session() as s:
        return s.exec(select(ResultLink).where(ResultLink.dossier_code == dossier_code,
                                               ResultLink.document_id == document_id)).first()


def links_of(index: DocumentIndex, *, dossier_code: str | None = None,
             document_id: str | None = None) -> list[ResultLink]:
    query = select(ResultLink)
    if dossier_code is not None:
        query = query.where(ResultLink.dossier_code == dossier_code)
    if document_id is not None:
        query = query.where(ResultLink.document_id == document_id)
    with index.session() as s:
        return list(s.exec(query.order_by(ResultLink.id)).all())  # type: ignore[arg-type]


# --- batch manifest --------------------------------------------------------------------------

@dataclass(frozen=True)
class ManifestRow:
    line: int  # line number in the CSV file (the header is line 1)
    file: Path
    dossier_code: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message: str


@dataclass
class ManifestOutcome:
    linked: list[tuple[ManifestRow, str]] = field(default_factory=list)  # row, document id
    already: list[tuple[ManifestRow, str]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def parse_manifest(text: str, *, base_dir: Path) -> tuple[list[ManifestRow], list[RowProblem]]:
    """CSV with the columns `file,dossier_code`; relative files are relative to the manifest."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"file", "dossier_code"} - set(reader.fieldnames or ())
    if missing:
        return [], [RowProblem(1, ", ".join(sorted(missing)),
                               _("the header must name the columns file and dossier_code"))]
    rows: list[ManifestRow] = []
    problems: list[RowProblem] = []
    for offset, raw in enumerate(reader):
        line = offset + 2
        name, code = (raw.get("file") or "").strip(), (raw.get("dossier_code") or "").strip()
        if not name:
            problems.append(RowProblem(line, "file", _("empty: name the scanned file")))
            continue
        if not DOSSIER_CODE.match(code):
            problems.append(RowProblem(line, "dossier_code", _(
                "{code!r} is not a dossier code (such as 000.17.22.H56-210531-0001)")
                .format(code=code)))
            continue
        path = Path(name)
        rows.append(ManifestRow(line, path if path.is_absolute() else base_dir / path, code))
    return rows, problems


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def apply_manifest(index: DocumentIndex, manifest: Path, *, linked_by: str) -> ManifestOutcome:
    """Link every file of the manifest that is digitized; report the others by line."""
    rows, problems = parse_manifest(manifest.read_text(encoding="utf-8"),
                                    base_dir=manifest.parent)
    outcome = ManifestOutcome(problems=problems)
    for row in rows:
        if not row.file.is_file():
            outcome.problems.append(RowProblem(row.line, "file", _(
                "{file} not found").format(file=row.file)))
            continue
        document = index.by_sha256(_sha256_of(row.file))
        if document is None or document.signed_key is None:
            outcome.problems.append(RowProblem(row.line, "file", _(
                "{file} is not digitized yet: run sohoa digitize on it, then apply the manifest "
                "again").format(file=row.file)))
            continue
        created = link_result(index, dossier_code=row.dossier_code, document_id=document.id,
                                 linked_by=linked_by, method=METHOD_MANIFEST)[1]
        (outcome.linked if created else outcome.already).append((row, document.id))
    return outcome


# --- inference -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CandidateDossier:
    """A resolved dossier whose result is on paper, as the inference sees it."""

    dossier_code: str
    owner_id: str
    procedure_code: str
    received_on: date  # local dates
    resolved_on: date


@dataclass(frozen=True)
class CandidateResult:
    """A stored signed result with no explicit link."""

    document_id: str
    owner_id: str
    procedure_code: str
    issue_date: date


@dataclass(frozen=True)
class Inference:
    links: dict[str, list[str]]  # dossier code → document ids, sorted
    ambiguous: dict[str, list[str]]  # document id → the dossier codes it could belong to


def infer_links(dossiers: Iterable[CandidateDossier], results: Iterable[CandidateResult], *,
                slack_days: int = INFERENCE_SLACK_DAYS) -> Inference:
    """Link a result to the one dossier of its owner and procedure that it can belong to.

    A result that fits two dossiers is linked to neither and listed as ambiguous: a wrong link
    would inflate 4.1, a missing one only understates it.
    """
    by_owner: dict[tuple[str, str], list[CandidateDossier]] = defaultdict(list)
    for d in dossiers:
        by_owner[(d.owner_id, d.procedure_code)].append(d)
    links: dict[str, list[str]] = defaultdict(list)
    ambiguous: dict[str, list[str]] = {}
    slack = timedelta(days=slack_days)
    for result in sorted(results, key=lambda r: r.document_id):
        fits = sorted(d.dossier_code for d in by_owner[(result.owner_id, result.procedure_code)]
                      if d.received_on <= result.issue_date <= d.resolved_on + slack)
        if len(fits) == 1:
            links[fits[0]].append(result.document_id)
        elif len(fits) > 1:
            ambiguous[result.document_id] = fits
    return Inference(dict(links), ambiguous)


def candidate_result(row: DocumentRow) -> CandidateResult | None:
    """The stored signed document as a candidate for inference, if it has what it needs."""
    if (row.status not in REUSABLE_STATUSES or row.signed_key is None or row.owner_id is None
            or row.procedure_code is None or row.issue_date is None):
        return None
    return CandidateResult(row.id, row.owner_id, row.procedure_code, row.issue_date)


def linked_document_ids(links: Sequence[ResultLink]) -> set[str]:
    return {link.document_id for link in links}
