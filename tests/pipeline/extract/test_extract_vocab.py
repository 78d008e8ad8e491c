"""Vocabulary restoration, cross-checks and layout repairs measured on real Tesseract errors."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from ocr.types import Word
from pipeline.extract import ExtractOptions, PageInput, extract_metadata
from pipeline.extract.fields import recipient_formula
from pipeline.extract.layout import layout_from_words
from pipeline.extract.vocab import check_address, normalise_agency, snap_province
from pipeline.vntext import snap

OPTIONS = ExtractOptions(today=date(2026, 11, 22))


W = functools.partial(Word, block=0, line=0)  # an OCR word on line 0 of block 0


@pytest.mark.parametrize(("words", "expected", "trusted"), [
    (["ỦY", "BAN", "NHÂN", "DÂN", "TÍNH", "HÀ", "NAM"], "ỦY BAN NHÂN DÂN TỈNH HÀ NAM", True),
    (["PHONG", "ĐANG", "KY", "KINH", "DOANH"], "PHÒNG ĐĂNG KÝ KINH DOANH", True),
    (["UBND", "TỈNH", "ĐẮKLẮK"], "UBND TỈNH ĐẮK LẮK", True),
    (["SỞ", "THÔNG", "TIN", "VÀ", "TRUYỀN", "T", "HÔNG"], "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", True),
    # a commune the gazetteer package knows: trusted
    (["ỦY", "BAN", "NHÂN", "DÂN", "ˆ", "XÃ", "EA", "KAR"], "ỦY BAN NHÂN DÂN XÃ EA KAR", True),
    # the end of the phrase lost where the motto overprints it
    (["ỦY", "BAN", "NHÂN"], "ỦY BAN NHÂN DÂN", False),
])
def test_normalise_agency(words: list[str], expected: str, trusted: bool) -> None:
    norm = normalise_agency([(w, 0.95) for w in words])
    assert norm.text == expected
    assert norm.trusted_all is trusted


def test_collective_agency_without_unit_is_unsure() -> None:
    assert normalise_agency([(w, 0.97) for w in ["ỦY", "BAN", "NHÂN", "DÂN"]]).conf <= 0.5


def test_provinces_and_addresses() -> None:
    assert snap_province("Trà Vĩnh") == "Trà Vinh"
    assert snap_province("Thành phố Hồ Chí Minh") == "Thành phố Hồ Chí Minh"
    assert snap_province("Gio Linh") is None
    assert check_address("Thôn An Hòa, xã Gio Linh, tỉnh Quảng Tri") == (
        "Thôn An Hòa, xã Gio Linh, tỉnh Quảng Trị", True)
    assert check_address("Bản Nà Sản, phường Long Hưng, tỉnh Đồng ap")[1] is False
    assert check_address("Khu phố 3, phường Đông Hà")[1] is None


@pytest.mark.parametrize(("raw", "fixed"), [
    ("Lưu: VI, QLXD", "Lưu: VT, QLXD"),
    ("Lưu: VỊ, TH (04D)", "Lưu: VT, TH (04b)"),
    ("Lưu: VT.", "Lưu: VT"),
    ("ư Điều 3", "Như Điều 3"),
    ("Như Điêu 3", "Như Điều 3"),
    ("Sở Tư pháp", "Sở Tư pháp"),
])
def test_recipient_formulas(raw: str, fixed: str) -> None:
    assert recipient_formula(raw) == fixed


def test_snap_titles() -> None:
    from pipeline.extract.patterns import DOC_TITLES, SIGNER_TITLES

    assert snap("PHO CHỦ TỊCH", SIGNER_TITLES) == "PHÓ CHỦ TỊCH"
    assert snap("CHANH VĂN PHONG", SIGNER_TITLES) == "CHÁNH VĂN PHÒNG"
    assert snap('"HÔNG BÁO', DOC_TITLES) is None
    assert snap('"HÔNG BÁO', DOC_TITLES, max_edits=1) == "THÔNG BÁO"


def test_overprinted_header_columns_are_cut_inside_the_word() -> None:
    # "ỦY BAN NHÂN DÂN" runs into "CỘNG HÒA …" without a space, as OCR reads overprinted text
    texts = ["ỦY", "BAN", "NHÂN", "DÂNCỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", "VIỆT", "NAM"]
    words, x = [], 300
    for t in texts:
        words.append(W(t, x, 200, 30 * len(t), 40, 96.0))
        x += 30 * len(t) + 20
    from pipeline.extract.doc import build_doc

    doc = build_doc([layout_from_words(words, 0, 2480, 3508)])
    assert [line.text for line in doc.lines] == [
        "ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]


PLACE_DOC = """
UBND TỈNH TRÀ VINH                 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ TƯ PHÁP                              Độc lập - Tự do - Hạnh phúc
Số: 12/QĐ-STP                    Trà Vĩnh, ngày 03 tháng 02 năm 2025
QUYẾT ĐỊNH
Về việc công nhận hòa giải viên
"""


def test_place_is_restored_from_the_gazetteer_and_agrees_with_the_agency() -> None:
    ex = extract_metadata([PageInput(PLACE_DOC)], options=OPTIONS)
    assert ex.fields["issue_place"].value == "Trà Vinh"
    assert ex.fields["parent_agency"].value == "UBND TỈNH TRÀ VINH"
    assert ex.fields["issue_place"].confidence >= 0.95


def _commune_doc(agency_name: str, place: str) -> str:
    return PLACE_DOC.replace("UBND TỈNH TRÀ VINH", "ỦY BAN NHÂN DÂN").replace(
        "SỞ TƯ PHÁP  ", agency_name + "  ").replace("Trà Vĩnh, ngày", f"{place}, ngày")


def test_capitals_that_lost_marks_are_restored_from_the_date_line() -> None:
    ex = extract_metadata([PageInput(_commune_doc("XÃ HÔNG NGỰ", "Hồng Ngự"))], options=OPTIONS)
    assert ex.fields["issuing_agency"].value == "ỦY BAN NHÂN DÂN XÃ HỒNG NGỰ"
    assert ex.fields["issue_place"].value == "Hồng Ngự"


def test_place_disagreeing_with_the_agency_is_unsure() -> None:
    ex = extract_metadata([PageInput(_commune_doc("PHƯỜNG THẠCH HÁN", "Thạch Hãn"))],
                          options=OPTIONS)
    assert ex.fields["issue_place"].confidence < 0.8
    assert ex.fields["issuing_agency"].confidence < 0.8
    assert any(r.startswith("issuing_agency: confidence") for r in ex.review_reasons)


def test_owner_name_spelled_differently_elsewhere_is_unsure() -> None:
    base = (PLACE_DOC + "Điều 1. Công nhận bà Trần Thị Lan\nHọ và tên: {name}\n"
            "Ngày sinh: 12/05/1990\n")
    same = extract_metadata([PageInput(base.format(name="TRẦN THỊ LAN"))], options=OPTIONS)
    assert same.fields["owner_name"].value == "Trần Thị Lan"
    assert same.fields["owner_name"].confidence >= 0.95
    differ = extract_metadata([PageInput(base.format(name="TRÂN THỊ LAN"))], options=OPTIONS)
    assert differ.fields["owner_name"].confidence < 0.8


def test_merged_parent_and_agency_lines_are_split() -> None:
    from pipeline.extract.vocab import split_agencies

    def names(text: str) -> list[str]:
        return [" ".join(w for w, _ in g) for g in split_agencies([(w, 0.9) for w in text.split()])]

    assert names("SỞ TÀI CHÍNH TỈNH CÀ MAU PHÒNG ĐĂNG KÝ KINH DOANH") == [
        "SỞ TÀI CHÍNH TỈNH CÀ MAU", "PHÒNG ĐĂNG KÝ KINH DOANH"]
    assert names("VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ") == [
        "VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"]
    assert names("CHI CỤC THUẾ KHU VỰC II") == ["CHI CỤC THUẾ KHU VỰC II"]


def test_common_recipients_and_glued_number_date_line() -> None:
    text = PLACE_DOC.replace(
        "Số: 12/QĐ-STP                    Trà Vĩnh, ngày",
        "Số: 12/QĐ-STP ... Trà Vĩnh, ngày") + (
        "Nơi nhận:\n- Thường trực Tĩnh ủy;\n- Chủ đầu tư; -_\n- Lưu: VI, NG (09D).\n")
    v = extract_metadata([PageInput(text)], options=OPTIONS).values()
    assert v["number_symbol"] == "12/QĐ-STP" and v["issue_date"] == "2025-02-03"
    assert v["recipients"] == ["Thường trực Tỉnh ủy", "Chủ đầu tư", "Lưu: VT, NG (09b)"]


def test_stray_quote_inside_a_name() -> None:
    text = PLACE_DOC + "Họ, chữ đệm, tên: Đặng 'Thị Giang\n"
    assert extract_metadata([PageInput(text)], options=OPTIONS).values()["owner_name"] == (
        "Đặng Thị Giang")


def test_address_unit_words_and_missing_province() -> None:
    assert check_address("Bản Nà Sản, phường Hòa Bình, thành phổ Hồ Chí Minh") == (
        "Bản Nà Sản, phường Hòa Bình, thành phố Hồ Chí Minh", True)
    assert check_address("Bản Nà Sản, phường Yên Thế, huyện Hạ Long, tỉnh")[1] is False


def test_recipient_list_without_the_archive_item_is_unsure() -> None:
    text = PLACE_DOC + "Nơi nhận:\n- Như trên;\n- Sở Tư pháp;\n"
    ex = extract_metadata([PageInput(text)], options=OPTIONS)
    assert ex.fields["recipients"].value == ["Như trên", "Sở Tư pháp"]
    assert ex.fields["recipients"].confidence < 0.8


def test_enterprise_names_are_never_confident_alone() -> None:
    text = PLACE_DOC.replace("QUYẾT ĐỊNH", "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP") + (
        "Mã số doanh nghiệp: 0100047516\n"
        "Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH SẢN XUAT NAM PHONG\n")
    ex = extract_metadata([PageInput(text)], options=OPTIONS)
    # the common words get their marks back (a word pair decides), the brand stays unsure
    assert ex.fields["owner_name"].value == "CÔNG TY TNHH SẢN XUẤT NAM PHONG"
    assert ex.fields["owner_name"].confidence < 0.8
    assert ex.fields["tax_code"].value == "0100047516"
