"""The API's request and response bodies (field names are API names: never translated)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from pipeline.dossiers import LEVELS, RESULT_KINDS, STATUSES


def _iso_text(value: object) -> object:
    """A date-time must be ISO 8601 text, as the schema says (not a Unix timestamp)."""
    if not isinstance(value, str | datetime):
        raise ValueError("an ISO 8601 date-time string, e.g. 2026-11-02T08:30:00+07:00")
    return value


def _iso_date_text(value: object) -> object:
    """A date must be YYYY-MM-DD, as the schema says (not a number read as a Unix time)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date as YYYY-MM-DD, e.g. 2026-11-30")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.\-_/]{2,59}$"
UNIT_PATTERN = r"^[0-9A-Za-z.\-_]{1,40}$"
# Free text: no control characters (PostgreSQL refuses NUL in text; none belongs in a purpose).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class DocumentMetadata(BaseModel):
    doc_type: str | None
    type_abbr: str | None
    number_symbol: str | None
    issue_date: date | None
    issuing_agency: str | None
    subject: str | None
    signer_name: str | None
    owner_id: str | None
    owner_name: str | None
    valid_until: date | None
    permanent: bool
    page_count: int
    agency_code: str | None
    procedure_code: str | None
    result_code: str | None


class SignatureSummary(BaseModel):
    format: Literal["PAdES"] = "PAdES"
    level: str | None = Field(description="B-B, B-T, B-LT or B-LTA")
    signed_sha256: str
    signed_at: datetime = Field(description="when the signed copy was made and stored")
    last_verified_at: datetime | None = Field(description="last live check through the API")
    last_verification_ok: bool | None


class Download(BaseModel):
    url: str = Field(description="presigned GET of the signed PDF, valid until expires_at")
    expires_at: datetime
    media_type: Literal["application/pdf"] = "application/pdf"
    sha256: str


class DocumentItem(BaseModel):
    id: str
    digitized_id: str | None = Field(description="mã giấy tờ số hóa")
    status: str
    role: str = Field(description="the owner id's role in the document, e.g. owner")
    reusable: bool = Field(description="reusable today (signed, stored or approved, intact, "
                                       "valid)")
    metadata: DocumentMetadata
    signature: SignatureSummary
    download: Download


class DocumentPage(BaseModel):
    owner_id: str
    valid_on: date
    page: int
    page_size: int
    total: int
    items: list[DocumentItem]


class HashOut(BaseModel):
    object: str
    ok: bool
    expected: str | None
    actual: str | None


class Verdict(BaseModel):
    vi: str
    en: str


class VerificationOut(BaseModel):
    document_id: str
    ok: bool
    checked_at: datetime
    verdict: Verdict
    report: Verdict = Field(description="the full report as text, in Vietnamese and English")
    hashes: list[HashOut]
    signature: dict[str, Any]


class ReuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dossier_code: str = Field(pattern=CODE_PATTERN, description="mã hồ sơ")
    document_id: str = Field(pattern=r"^[0-9a-zA-Z]{6,32}$")
    purpose: str = Field(min_length=1, max_length=500, pattern=TEXT_PATTERN)
    procedure_code: str | None = Field(default=None, pattern=UNIT_PATTERN, description="mã TTHC")
    component_code: str | None = Field(default=None, max_length=60, pattern=TEXT_PATTERN,
                                       description="the dossier component it stands for")
    digitized: StrictBool = Field(default=True, description="DuocSoHoa")
    reused: StrictBool = Field(default=True, description="DuocTaiSuDung")
    from_national_warehouse: StrictBool = Field(default=False, description="DuocLayTuKhoDMQG")
    replacement_result_code: str | None = Field(default=None, max_length=60,
                                                pattern=TEXT_PATTERN,
                                                description="MaKetQuaThayThe")


class PortalFlags(BaseModel):
    """The flags as the national portal names them, per dossier component."""

    DuocSoHoa: bool
    DuocTaiSuDung: bool
    DuocLayTuKhoDMQG: bool
    MaKetQuaThayThe: str | None


class ReuseOut(BaseModel):
    id: int
    created: bool = Field(description="false when this (dossier, document) was already recorded")
    dossier_code: str
    document_id: str
    procedure_code: str | None
    component_code: str | None
    purpose: str
    recorded_at: datetime
    portal: PortalFlags


class DossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dossier_code: str = Field(pattern=CODE_PATTERN, description="mã hồ sơ, e.g. "
                                                               "000.17.22.H56-210531-0001")
    procedure_code: str = Field(pattern=UNIT_PATTERN, description="mã TTHC, e.g. 1.010708")
    agency_code: str = Field(pattern=UNIT_PATTERN, description="e.g. 000.17.22.H56")
    level: Literal[LEVELS] = Field(description="ministry, province, district or commune")  # type: ignore[valid-type]
    received_at: IsoDateTime = Field(description="without a zone: Vietnam time (+07:00)")
    resolved_at: IsoDateTime | None = None
    result_kind: Literal[RESULT_KINDS]  # type: ignore[valid-type]
    status: Literal[STATUSES]  # type: ignore[valid-type]
    owner_id: str | None = Field(default=None, pattern=r"^[0-9A-Za-z\-]{6,20}$")


class DossiersOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str]
