"""Unit tests for the text helpers and the low-level parsers of metadata extraction."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract.doc import place_start
from pipeline.extract.fields import parse_number_symbol, parse_numeric_date, parse_vn_date
from pipeline.vntext import fix_digit_token, fold, nfc, same_folded, squeeze_symbol, to_digits


def test_fold_is_length_preserving_and_accent_insensitive() -> None:
    text = nfc("Quảng Trị, ngày 05 tháng 3 năm 2024 — Đội")
    assert len(fold(text)) == len(text)
    assert fold("ĐỘC LẬP") == "doc lap"
    # hỏi read as sắc, the most common Tesseract error on Vietnamese
    assert same_folded("Sổ", "Số") and same_folded("ngảy", "ngày") and same_folded("nắm", "năm")


def test_nfc_unifies_decomposed_text_dashes_and_eth() -> None:
    decomposed = "Quye\u0302\u0301t đi\u0323nh"
    assert nfc(decomposed) == "Quyết định"
    assert nfc("15/Q\u00d0\u2013UBND") == "15/QĐ-UBND"


@pytest.mark.parametrize(("token", "fixed"), [
    ("2O24", "2024"), ("l5", "15"), ("0I", "01"), ("UBND", "UBND"), ("OO", "OO"), ("Số", "Số"),
])
def test_fix_digit_token(token: str, fixed: str) -> None:
    assert fix_digit_token(token) == fixed


def test_to_digits_and_squeeze() -> None:
    assert to_digits("001 090 O12345") == "001090012345"
    assert to_digits("0912.345.678") == "0912345678"
    assert to_digits("Nam") == ""
    assert squeeze_symbol("15 / QĐ - UBND") == "15/QĐ-UBND"


@pytest.mark.parametrize(("raw", "expected", "repaired"), [
    ("15/QĐ-UBND", "15/QĐ-UBND", False),
    ("15 / QĐ - UBND", "15/QĐ-UBND", True),
    ("l5/QD-UBND", "15/QĐ-UBND", True),
    ("01/2O23/TT-VPCP", "01/2023/TT-VPCP", True),
    ("12/UBND-VX", "12/UBND-VX", False),
    ("07/QyĐ-SNV", "07/QyĐ-SNV", False),
    # the number runs into the next words: the symbol stops at the word boundary
    ("15/QĐ-UBND ngày 05 tháng 3", "15/QĐ-UBND", False),
    ("15/QĐ-UBNDQuảng Trị, ngày 05", "15/QĐ-UBND", True),
])
def test_parse_number_symbol(raw: str, expected: str, repaired: bool) -> None:
    assert parse_number_symbol(raw) == (expected, repaired)


def test_parse_number_symbol_rejects_non_numbers() -> None:
    assert parse_number_symbol("định danh cá nhân") is None
    assert parse_number_symbol("QĐ-UBND") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("ngày 05 tháng 3 năm 2024", date(2024, 3, 5)),
    ("ngảy 05 thảng 03 nắm 2O24", date(2024, 3, 5)),
    ("ngày 5 tháng 12 năm 20 24", date(2024, 12, 5)),
    ("ngày 31 tháng 02 năm 2024", None),  # not a calendar date
])
def test_parse_vn_date(text: str, expected: date | None) -> None:
    value, match = parse_vn_date(fold(nfc(text)))
    assert match is not None and value == expected


def test_parse_numeric_date() -> None:
    assert parse_numeric_date("12/05/1990")[0] == date(1990, 5, 12)
    assert parse_numeric_date("2/5/1956")[0] == date(1956, 5, 2)
    assert parse_numeric_date("l2/O5/1990")[0] == date(1990, 5, 12)
    assert parse_numeric_date("0912345678")[1] is None


@pytest.mark.parametrize(("line", "place"), [
    ("Quảng Trị, ngày 05 tháng 3 năm 2024", "Quảng Trị"),
    ("Thành phố Hồ Chí Minh, ngày 05 tháng 3 năm 2024", "Thành phố Hồ Chí Minh"),
    ("TP. Hồ Chí Minh, ngày 05 tháng 3 năm 2024", "TP. Hồ Chí Minh"),
    ("ngày 05 tháng 3 năm 2024", ""),
])
def test_place_start_on_a_date_line(line: str, place: str) -> None:
    pos = fold(line).index("ngay")
    start = place_start(line, pos)
    assert start is not None and line[start:pos].strip(" ,") == place


@pytest.mark.parametrize("line", [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Hôm nay, vào lúc 08 giờ 00 phút, ngày 05 tháng 3 năm 2024, tại trụ sở",
    "của Ủy ban nhân dân tỉnh Quảng Trị ngày 05 tháng 3 năm 2024",
])
def test_place_start_rejects_dates_inside_sentences(line: str) -> None:
    pos = fold(line).index("ngay 0") if "ngay 0" in fold(line) else fold(line).index("ngay 1")
    start = place_start(line, pos)
    assert start is None or line[:start].strip() != ""
