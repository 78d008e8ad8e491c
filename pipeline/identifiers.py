"""Identifier validators and builders (DOMAIN.md "Identifier formats" and "Record fields").

Validators return a reason string when the value is invalid and None when it is valid, so the
extractor can store the reason next to a null field. Builders are deterministic and take their
format as a parameter, because result-code structures differ per agency.
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from stdnum.exceptions import ValidationError
from stdnum.vn import mst as _mst


def cccd_provinces() -> dict[str, str]:
    """Province code → province of the first three digits of a CCCD.

    CCCDs keep the province of birth registration, so the codes are those of the 63 provinces
    before the 2025 merger (Circular 07/2016/TT-BCA, 59/2021/TT-BCA): the General Statistics
    Office's province codes with a leading 0 ("01" Hà Nội → "001"), as the `vietnamadminunits`
    package keeps them.
    """
    return _cccd_provinces()


@lru_cache(maxsize=1)
def _cccd_provinces() -> dict[str, str]:
    spec = importlib.util.find_spec("vietnamadminunits")
    assert spec is not None and spec.submodule_search_locations, "vietnamadminunits missing"
    data = Path(next(iter(spec.submodule_search_locations))) / "data" / "parser_legacy.json"
    provinces = json.loads(data.read_text("utf-8"))["DICT_PROVINCE"].values()
    return {"0" + p["provinceCode"]: p["provinceShort"] for p in provinces}

# Gender/century digit of a CCCD → first year of the century (even: male, odd: female).
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100,
                     6: 2200, 7: 2200, 8: 1800, 9: 1800}

_DOSSIER = re.compile(r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<ymd>\d{6})-(?P<n>\d{4,})$")
_UNIT = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_PROCEDURE = re.compile(r"^\d\.\d{6}(?:\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")


def cccd_birth_year_range(cccd: str) -> tuple[int, int]:
    """The birth years a structurally valid CCCD can encode (a single year)."""
    century = _CENTURY_BY_DIGIT[int(cccd[3])]
    year = century + int(cccd[4:6])
    return year, year


def validate_cccd(value: str, *, birth_date: date | None = None) -> str | None:
    """Check a 12-digit citizen id: digits, province code, century digit vs birth date."""
    if not re.fullmatch(r"\d{12}", value):
        return "CCCD must be 12 digits"
    if value[:3] not in cccd_provinces():
        return f"CCCD province code {value[:3]} does not exist"
    year, _ = cccd_birth_year_range(value)
    if birth_date is not None and birth_date.year != year:
        return (f"CCCD encodes birth year {year} but the date of birth is "
                f"{birth_date.isoformat()}")
    if not 1880 <= year <= 2100:
        return f"CCCD encodes an impossible birth year {year}"
    return None


def validate_cmnd(value: str) -> str | None:
    """Old 9-digit identity card number."""
    return None if re.fullmatch(r"\d{9}", value) else "CMND must be 9 digits"


def validate_owner_id(value: str, *, birth_date: date | None = None) -> str | None:
    """A CCCD (12 digits) or an old CMND (9 digits)."""
    if len(value) == 9:
        return validate_cmnd(value)
    if len(value) == 12:
        return validate_cccd(value, birth_date=birth_date)
    return "citizen id must have 12 (CCCD) or 9 (CMND) digits"


def validate_mst(value: str) -> str | None:
    """Tax / enterprise code `0100047516` or branch `0100047516-001`, check digit included."""
    if not re.fullmatch(r"\d{10}(-\d{3})?", value):
        return "tax code must be 10 digits, optionally followed by -NNN"
    try:
        _mst.validate(value)
    except ValidationError as e:
        return f"tax code {value} is invalid ({e})"
    return None


def validate_unit_code(value: str) -> str | None:
    """Unit code `000.17.22.H56` (13 characters)."""
    return None if _UNIT.fullmatch(value) else "unit code must look like 000.17.22.H56"


def validate_dossier_code(value: str) -> str | None:
    """Dossier code `000.17.22.H56-210531-0001`: unit code, yyMMdd, daily counter."""
    m = _DOSSIER.fullmatch(value)
    if m is None:
        return "dossier code must look like 000.17.22.H56-210531-0001"
    ymd = m["ymd"]
    try:
        date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:6]))
    except ValueError:
        return f"dossier code date {ymd} is not a valid yyMMdd date"
    return None


def validate_procedure_code(value: str) -> str | None:
    """Procedure code `1.010708`, optionally followed by a unit code."""
    return None if _PROCEDURE.fullmatch(value) else "procedure code must look like 1.010708"


@dataclass(frozen=True)
class IdFormats:
    """Per-agency identifier formats (str.format templates)."""

    result_code: str = "KQ.{unit}.{seq:06d}"
    digitized_id: str = "{owner_id}.{result_code}.{doc_number}.{seq:02d}"


def make_result_code(unit: str, seq: int, *, fmt: str = IdFormats.result_code) -> str:
    """Result code such as `KQ.G15.000031` from a unit short code and a running number."""
    if seq < 0:
        raise ValueError("sequence number must not be negative")
    if not unit or any(c in unit for c in " ./\\"):
        raise ValueError(f"unit code {unit!r} must be non-empty, without spaces, dots or slashes")
    return fmt.format(unit=unit, seq=seq)


def doc_number_token(number_symbol: str) -> str:
    """Number-and-symbol as one id token: "15/QĐ-UBND" → "15-QĐ-UBND" (no dots or slashes)."""
    token = re.sub(r"[\s/\\.]+", "-", number_symbol.strip()).strip("-")
    return token


def make_digitized_id(owner_id: str, result_code: str, doc_number: str, seq: int, *,
                      fmt: str = IdFormats.digitized_id) -> str:
    """Digitized-document id `{owner id}.{result code}.{doc number}.{NN}` (DOMAIN.md)."""
    if not owner_id or any(c.isspace() for c in owner_id):
        raise ValueError("owner id must be non-empty and contain no spaces")
    if not 0 <= seq <= 99 and "{seq:02d}" in fmt:
        raise ValueError("sequence number must be between 0 and 99")
    return fmt.format(owner_id=owner_id, result_code=result_code,
                      doc_number=doc_number_token(doc_number), seq=seq)
