from __future__ import annotations

from datetime import date

import pytest

from pipeline.identifiers import (
    IdFormats,
    doc_number_token,
    make_digitized_id,
    make_result_code,
    validate_cccd,
    validate_cmnd,
    validate_dossier_code,
    validate_mst,
    validate_owner_id,
    validate_procedure_code,
    validate_unit_code,
)


def test_cccd_valid_and_consistent_with_birth_date() -> None:
    # 001 Hà Nội, 0 = male born in the 1900s, 90 = 1990
    assert validate_cccd("001090012345") is None
    assert validate_cccd("001090012345", birth_date=date(1990, 5, 12)) is None
    # 3 = female born in the 2000s
    assert validate_cccd("079305000123", birth_date=date(2005, 1, 2)) is None


@pytest.mark.parametrize(("value", "fragment"), [
    ("003090012345", "province code 003"),  # 003 is not a province code
    ("00109001234", "12 digits"),
    ("00109001234X", "12 digits"),
])
def test_cccd_structure_errors(value: str, fragment: str) -> None:
    reason = validate_cccd(value)
    assert reason is not None and fragment in reason


def test_cccd_birth_year_mismatch() -> None:
    reason = validate_cccd("001090012345", birth_date=date(1991, 5, 12))
    assert reason is not None and "1990" in reason
    # century digit: 2 = male born in the 2000s, so 1990 is wrong even with the same YY
    reason = validate_cccd("001290012345", birth_date=date(1990, 1, 1))
    assert reason is not None and "2090" in reason


def test_cmnd_and_owner_id_dispatch() -> None:
    assert validate_cmnd("123456789") is None
    assert validate_cmnd("12345678") is not None
    assert validate_owner_id("123456789") is None
    assert validate_owner_id("0010900123") is not None


def test_mst_check_digit() -> None:
    assert validate_mst("0100047516") is None
    assert validate_mst("0100047516-001") is None
    assert "invalid" in (validate_mst("0100047517") or "")
    assert validate_mst("010004751") is not None
    assert validate_mst("0100047516-01") is not None


def test_codes() -> None:
    assert validate_unit_code("000.17.22.H56") is None
    assert validate_unit_code("000.17.22.56") is not None
    assert validate_dossier_code("000.17.22.H56-210531-0001") is None
    assert "yyMMdd" in (validate_dossier_code("000.17.22.H56-211331-0001") or "")
    assert validate_procedure_code("1.010708") is None
    assert validate_procedure_code("1.010708.000.17.22.H56") is None
    assert validate_procedure_code("1.0107") is not None


def test_result_code_and_digitized_id_are_deterministic() -> None:
    code = make_result_code("G15", 31)
    assert code == "KQ.G15.000031"
    assert make_result_code("G15", 31) == code
    did = make_digitized_id("001090012345", code, "15/QĐ-UBND", 1)
    assert did == "001090012345.KQ.G15.000031.15-QĐ-UBND.01"
    assert doc_number_token("01/2023/TT-VPCP") == "01-2023-TT-VPCP"


def test_formats_are_configurable() -> None:
    fmts = IdFormats(result_code="{unit}-{seq:05d}", digitized_id="{owner_id}/{seq}")
    assert make_result_code("H56", 7, fmt=fmts.result_code) == "H56-00007"
    assert make_digitized_id("0100047516", "x", "1/GP", 3, fmt=fmts.digitized_id) == "0100047516/3"


@pytest.mark.parametrize("unit", ["", "G 15", "000.17"])
def test_result_code_rejects_bad_units(unit: str) -> None:
    with pytest.raises(ValueError):
        make_result_code(unit, 1)


def test_digitized_id_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        make_digitized_id("", "KQ.G15.000001", "1/QĐ-UBND", 1)
    with pytest.raises(ValueError):
        make_digitized_id("001090012345", "KQ.G15.000001", "1/QĐ-UBND", 100)


def test_cccd_province_codes_come_from_the_gazetteer_package() -> None:
    from pipeline.identifiers import cccd_provinces

    codes = cccd_provinces()
    assert len(codes) == 63  # the provinces before July 2025, which CCCDs keep
    assert codes["001"] == "Hà Nội" and codes["079"] == "Hồ Chí Minh" and "003" not in codes
