"""`sohoa dossiers import`: the one-stop-shop system's export (CSV or JSON) into the register.

Each row is parsed and validated on its own; bad rows are reported by row and column and the
good ones are registered through `pipeline.dossiers.register_dossiers` (the same core function as
the API's `POST /v1/dossiers`), so a bad row never costs a good one and a re-import of the same
file changes nothing. Columns (README "Auditors"): dossier_code, procedure_code, agency_code,
level, received_at, resolved_at, result_kind, status, owner_id, and optionally
components_digitized (the portal's DuocSoHoa for the dossier's component files).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from pipeline.dossiers import FIELDS, DossierEntry, register_dossiers, validate_entry
from pipeline.errors import SohoaError
from pipeline.i18n import _
from storage.index import DocumentIndex, utcnow
from storage.links import DossierComponents

REQUIRED = ("dossier_code", "procedure_code", "agency_code", "level", "received_at",
            "result_kind", "status")
COMPONENTS = "components_digitized"
# Exports written by Vietnamese software often use the Vietnamese words.
LEVEL_WORDS = {"bộ": "ministry", "tỉnh": "province", "huyện": "district", "xã": "commune",
               "cấp bộ": "ministry", "cấp tỉnh": "province", "cấp huyện": "district",
               "cấp xã": "commune"}
RESULT_WORDS = {"giấy": "paper", "bản giấy": "paper", "điện tử": "electronic",
                "bản điện tử": "electronic"}
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong"}
# Rows per transaction: keeps each statement's parameter list well under SQLite's limit.
REGISTER_CHUNK = 1000
DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


class UnreadableExport(SohoaError):
    code = "DOSSIER_FILE_UNREADABLE"


@dataclass(frozen=True)
class RawRow:
    row: int  # CSV: line number in the file (header = 1); JSON: position of the entry (1-based)
    values: Mapping[str, object]


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ParsedRow:
    row: int
    entry: DossierEntry
    components_digitized: bool | None


@dataclass
class ImportOutcome:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})


# --- reading ---------------------------------------------------------------------------------

def read_export(path: Path) -> list[RawRow]:
    """Rows of a CSV (UTF-8, with or without BOM, ',' or ';') or JSON (a list of objects, or
    {"dossiers": [...]}) export."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UnreadableExport(_("{file}: cannot be read as UTF-8 text ({error}); export it "
                                 "again as CSV or JSON in UTF-8").format(file=path, error=e)
                               ) from e
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        return _json_rows(text, path)
    return _csv_rows(text)


def _json_rows(text: str, path: Path) -> list[RawRow]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableExport(_("{file}: not valid JSON (line {line}): {error}").format(
            file=path, line=e.lineno, error=e.msg)) from e
    if isinstance(data, dict):
        data = data.get("dossiers")
    if not isinstance(data, list):
        raise UnreadableExport(_("{file}: expected a JSON list of dossiers or "
                                 "{{\"dossiers\": [...]}}").format(file=path))
    return [RawRow(i + 1, item if isinstance(item, dict) else {"": item})
            for i, item in enumerate(data)]


def _csv_rows(text: str) -> list[RawRow]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for raw in reader:
        values = {(k or "").strip().lower(): v for k, v in raw.items() if k is not None}
        if any((v or "").strip() for v in values.values() if isinstance(v, str)):
            rows.append(RawRow(reader.line_num, values))
    return rows


# --- parsing ---------------------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_time(text: str) -> datetime:
    """ISO 8601 (2024-07-03T08:15:00+07:00, 2024-07-03 08:15, 2024-07-03) or 03/07/2024 08:15.
    A time without a zone is Vietnam's local time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _word(text: str, words: Mapping[str, str]) -> str:
    lowered = text.lower()
    return words.get(lowered, lowered)


def parse_row(raw: RawRow) -> tuple[ParsedRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    values = {name: _text(raw.values.get(name)) for name in (*FIELDS, COMPONENTS)}
    for name in REQUIRED:
        if not values[name]:
            problems.append(RowProblem(raw.row, name, _("empty; this column is required")))
    times: dict[str, datetime | None] = {"received_at": None, "resolved_at": None}
    for name in times:
        if values[name]:
            try:
                times[name] = parse_time(values[name])
            except ValueError:
                problems.append(RowProblem(raw.row, name, _(
                    "{value!r} is not a date and time: write 2024-07-03T08:15:00+07:00 or "
                    "03/07/2024 08:15").format(value=values[name])))
    components = _flag(values[COMPONENTS], raw.row, problems)
    if problems or times["received_at"] is None:
        return None, problems
    entry = DossierEntry(
        dossier_code=values["dossier_code"], procedure_code=values["procedure_code"],
        agency_code=values["agency_code"], level=_word(values["level"], LEVEL_WORDS),
        received_at=times["received_at"], result_kind=_word(values["result_kind"], RESULT_WORDS),
        status=values["status"].lower(), resolved_at=times["resolved_at"],
        owner_id="".join(values["owner_id"].split()) or None)
    return ParsedRow(raw.row, entry, components), []


def _flag(text: str, row: int, problems: list[RowProblem]) -> bool | None:
    lowered = text.lower()
    if not lowered:
        return None
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    problems.append(RowProblem(row, COMPONENTS, _("{value!r}: write true or false").format(
        value=text)))
    return None


def check_rows(raws: Sequence[RawRow], *, now: datetime) -> tuple[list[ParsedRow],
                                                                   list[RowProblem]]:
    """Every row parsed and validated on its own; the good ones and every problem."""
    good: list[ParsedRow] = []
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for raw in raws:
        parsed, row_problems = parse_row(raw)
        if parsed is not None:
            row_problems = [RowProblem(raw.row, e.field, e.message)
                            for e in validate_entry(parsed.entry, 0, now=now)]
        if parsed is not None and not row_problems:
            code = parsed.entry.dossier_code
            if code in first_row:
                row_problems = [RowProblem(raw.row, "dossier_code", _(
                    "listed twice: row {row} already has this dossier; the first is kept")
                    .format(row=first_row[code]))]
            else:
                first_row[code] = raw.row
                good.append(parsed)
        problems.extend(row_problems)
    return good, problems


# --- import ----------------------------------------------------------------------------------

def import_dossiers(index: DocumentIndex, path: Path, *,
                    now: datetime | None = None) -> ImportOutcome:
    """Register the good rows of an export; the outcome lists every rejected row and column."""
    now = now or datetime.now(UTC)
    raws = read_export(path)
    good, problems = check_rows(raws, now=now)
    outcome = ImportOutcome(len(raws), problems=problems)
    for start in range(0, len(good), REGISTER_CHUNK):
        chunk = good[start:start + REGISTER_CHUNK]
        result = register_dossiers(index, [p.entry for p in chunk], source=path.name, now=now)
        outcome.created += result.created
        outcome.updated += result.updated
        outcome.unchanged += result.unchanged
        _record_components(index, chunk)
    return outcome


def _record_components(index: DocumentIndex, rows: Sequence[ParsedRow]) -> None:
    flags = {r.entry.dossier_code: r.components_digitized for r in rows
             if r.components_digitized is not None}
    if not flags:
        return
    with index.session() as s:
        existing = {c.dossier_code: c for c in s.exec(select(DossierComponents).where(
            DossierComponents.dossier_code.in_(list(flags)))).all()}  # type: ignore[attr-defined]
        for code, value in flags.items():
            row = existing.get(code)
            if row is None:
                s.add(DossierComponents(dossier_code=code, components_digitized=value))
            elif row.components_digitized != value:
                row.components_digitized, row.updated_at = value, utcnow()
                s.add(row)
        s.commit()
