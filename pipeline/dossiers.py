"""The dossier register: dossiers received and resolved by a one-stop shop.

The denominator of the Decision 766 indicators (DOMAIN.md). The API's `POST /v1/dossiers` and
the `sohoa dossiers import` command share `register_dossiers`: every entry is validated first
(all errors reported at once, with the entry's position), then written in one transaction,
idempotent on `dossier_code` (a resent dossier updates its row, e.g. once it is resolved).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlmodel import col, select

from pipeline.errors import SohoaError
from pipeline.i18n import _
from storage.index import DocumentIndex
from storage.registry import Dossier

LEVELS = ("ministry", "province", "district", "commune")
RESULT_KINDS = ("paper", "electronic")
STATUSES = ("received", "processing", "resolved", "returned", "withdrawn", "rejected")
# Since 1 July 2025 Vietnam has no district level (DOMAIN.md, identifier formats).
NO_DISTRICTS_FROM = date(2025, 7, 1)
DOSSIER_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_/]{2,59}$")
UNIT_CODE = re.compile(r"^[0-9A-Za-z.\-_]{1,40}$")
FIELDS = ("dossier_code", "procedure_code", "agency_code", "level", "received_at",
          "resolved_at", "result_kind", "status", "owner_id")


class InvalidDossiers(SohoaError):
    code = "INVALID_DOSSIERS"

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class FieldError:
    index: int  # position of the entry in the batch (0-based)
    field: str
    message: str


@dataclass(frozen=True)
class DossierEntry:
    dossier_code: str
    procedure_code: str
    agency_code: str
    level: str
    received_at: datetime
    result_kind: str
    status: str
    resolved_at: datetime | None = None
    owner_id: str | None = None


@dataclass
class RegisterResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _aware(value: datetime) -> datetime:
    """Times without a zone are Vietnam's local time (+07:00), as one-stop shops export them."""
    from datetime import timedelta, timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone(timedelta(hours=7)))


def validate_entry(entry: DossierEntry, index: int, *, now: datetime) -> list[FieldError]:
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(index, name, message))

    if not DOSSIER_CODE.match(entry.dossier_code):
        bad("dossier_code", _("a dossier code such as 000.17.22.H56-210531-0001 (3-60 letters, "
                              "digits, '.', '-', '_' or '/')"))
    for name in ("procedure_code", "agency_code"):
        value = getattr(entry, name)
        if not UNIT_CODE.match(value):
            bad(name, _("a code of 1-40 letters, digits, '.', '-' or '_', e.g. 1.010708"))
    if entry.level not in LEVELS:
        bad("level", _("one of {values}").format(values=", ".join(LEVELS)))
    if entry.result_kind not in RESULT_KINDS:
        bad("result_kind", _("one of {values}").format(values=", ".join(RESULT_KINDS)))
    if entry.status not in STATUSES:
        bad("status", _("one of {values}").format(values=", ".join(STATUSES)))
    received = _aware(entry.received_at)
    if received > now:
        bad("received_at", _("in the future"))
    if entry.level == "district" and received.date() >= NO_DISTRICTS_FROM:
        bad("level", _("there is no district level for dossiers received from 1 July 2025"))
    if entry.resolved_at is not None and _aware(entry.resolved_at) < received:
        bad("resolved_at", _("before received_at"))
    if entry.status == "resolved" and entry.resolved_at is None:
        bad("resolved_at", _("required when the status is resolved"))
    if entry.owner_id is not None and not re.fullmatch(r"[0-9A-Za-z\-]{6,20}", entry.owner_id):
        bad("owner_id", _("a citizen id (CCCD/CMND), passport number or tax code"))
    return errors


def _apply(row: Dossier, entry: DossierEntry) -> bool:
    changed = False
    for name in FIELDS[1:]:
        value = getattr(entry, name)
        if isinstance(value, datetime):
            value = _aware(value)
        current = getattr(row, name)
        if isinstance(current, datetime) and current.tzinfo is None:
            current = current.replace(tzinfo=UTC)  # SQLite drops the zone; stored as UTC
        if current != value:
            setattr(row, name, value)
            changed = True
    return changed


def register_dossiers(index: DocumentIndex, entries: Sequence[DossierEntry], *,
                      source: str | None = None, now: datetime | None = None) -> RegisterResult:
    """Validate every entry, then create or update them all in one transaction."""
    now = now or datetime.now(UTC)
    errors = [e for i, entry in enumerate(entries) for e in validate_entry(entry, i, now=now)]
    codes = [e.dossier_code for e in entries]
    errors += [FieldError(i, "dossier_code", _("listed twice in this batch"))
               for i, code in enumerate(codes) if code in codes[:i]]
    if errors:
        raise InvalidDossiers(_("{n} invalid field(s) in the dossiers sent; nothing was "
                                "registered").format(n=len(errors)), errors)
    result = RegisterResult()
    with index.session() as s:
        existing = {d.dossier_code: d for d in s.exec(
            select(Dossier).where(col(Dossier.dossier_code).in_(codes))).all()}
        for entry in entries:
            row = existing.get(entry.dossier_code)
            if row is None:
                row = Dossier(dossier_code=entry.dossier_code, source=source,
                              **{n: getattr(entry, n) for n in FIELDS[1:]})
                _apply(row, entry)
                result.created.append(entry.dossier_code)
            elif _apply(row, entry):
                row.updated_at = now
                result.updated.append(entry.dossier_code)
            else:
                result.unchanged.append(entry.dossier_code)
                continue
            s.add(row)
        s.commit()
    return result


def get_dossier(index: DocumentIndex, dossier_code: str) -> Dossier | None:
    with index.session() as s:
        return s.get(Dossier, dossier_code)
