"""Document-level tests of `extract_metadata`: hand-written Vietnamese documents, OCR-noise
variants and near-misses, as flat text and as positioned word boxes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import pytest

from pipeline.extract import (
    FIELDS,
    Extraction,
    ExtractOptions,
    PageInput,
    apply_corrections,
    extract_metadata,
)

TODAY = date(2026, 11, 22)
OPTIONS = ExtractOptions(today=TODAY)


@dataclass(frozen=True)
class Box:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float


def boxes_from_grid(page: str, *, conf: float = 95.0, char_w: int = 20, line_h: int = 70,
                    low: dict[str, float] | None = None) -> PageInput:
    """Word boxes for a page typed on a character grid (column = position in the line).

    `low` lowers the confidence of given words, as Tesseract reports for unsure words.
    """
    words: list[Box] = []
    lines = page.strip("\n").split("\n")
    for row, line in enumerate(lines):
        for m in re.finditer(r"\S+", line):
            c = (low or {}).get(m.group(0), conf)
            words.append(Box(m.group(0), 270 + m.start() * char_w, 150 + row * line_h,
                             len(m.group(0)) * char_w, 40, c))
    width = 2000  # column 40 sits on the text axis, like a centred title on A4
    text = "\n".join(" ".join(line.split()) for line in lines)
    return PageInput(text=text, words=words, width=width, height=3508, confidence=conf)


def run(*pages: PageInput | str, options: ExtractOptions = OPTIONS) -> Extraction:
    return extract_metadata([p if isinstance(p, PageInput) else PageInput(p) for p in pages],
                            options=options)


DECISION = """
ỦY BAN NHÂN DÂN                            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH QUẢNG TRỊ                                   Độc lập - Tự do - Hạnh phúc
Số: 15/QĐ-UBND                              Quảng Trị, ngày 05 tháng 3 năm 2024

                                   QUYẾT ĐỊNH
                 Về việc cho phép chuyển mục đích sử dụng đất cho
                              hộ ông Nguyễn Văn An

                  ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Căn cứ Quyết định số 12/QĐ-UBND ngày 10 tháng 01 năm 2020 của UBND tỉnh;
                                   QUYẾT ĐỊNH:
Điều 1. Cho phép chuyển mục đích sử dụng đất cho hộ ông Nguyễn Văn An, cụ thể như sau:
- Họ và tên: NGUYỄN VĂN AN
- Ngày sinh: 12/05/1990
- Số định danh cá nhân: 045090012345
- Điện thoại: 0912 345 678
- Địa chỉ thường trú: Thôn An Hòa, xã Gio Linh, tỉnh Quảng Trị
Điều 2. Quyết định này có hiệu lực kể từ ngày ký và có giá trị đến ngày 31 tháng 12 năm 2029.
Nơi nhận:                                           TM. ỦY BAN NHÂN DÂN
- Như Điều 3;                                            KT. CHỦ TỊCH
- Sở Tư pháp;                                           PHÓ CHỦ TỊCH
- Lưu: VT, NC.

                                                       Trần Thị Bình
"""

EXPECTED_DECISION = {
    "doc_type": "QUYẾT ĐỊNH", "type_abbr": "QĐ", "number_symbol": "15/QĐ-UBND",
    "issue_place": "Quảng Trị", "issue_date": "2024-03-05",
    "issuing_agency": "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ", "parent_agency": None,
    "subject": "Về việc cho phép chuyển mục đích sử dụng đất cho hộ ông Nguyễn Văn An",
    "signer_name": "Trần Thị Bình", "signer_title": "PHÓ CHỦ TỊCH", "authority_prefix": "KT.",
    "recipients": ["Như Điều 3", "Sở Tư pháp", "Lưu: VT, NC"],
    "owner_name": "Nguyễn Văn An", "owner_id": "045090012345",
    "owner_birth_date": "1990-05-12",
    "owner_address": "Thôn An Hòa, xã Gio Linh, tỉnh Quảng Trị", "tax_code": None,
    "valid_until": "2029-12-31", "page_count": 1,
}


@pytest.mark.parametrize("mode", ["flat", "boxes"])
def test_decision_all_fields(mode: str) -> None:
    page = boxes_from_grid(DECISION) if mode == "boxes" else PageInput(DECISION)
    ex = run(page)
    assert ex.values() == EXPECTED_DECISION
    assert not ex.needs_review, ex.review_reasons
    assert set(ex.fields) == set(FIELDS)


def test_boxes_give_word_confidence_to_fields() -> None:
    page = boxes_from_grid(DECISION, low={"045090012345": 40.0})
    ex = run(page)
    assert ex.fields["owner_id"].value == "045090012345"
    assert ex.fields["owner_id"].confidence < 0.8
    assert ex.fields["number_symbol"].confidence > 0.95
    assert any(r.startswith("owner_id: confidence") for r in ex.review_reasons)


def test_ocr_noise_variant_reads_the_same() -> None:
    noisy = (DECISION.replace("Số: 15/QĐ-UBND", "Sổ: l5 / QD - UBND")
             .replace("ngày 05 tháng 3 năm 2024", "ngảy O5 thảng 3 nắm 2O24")
             .replace("045090012345", "O45 090 012345"))
    ex = run(noisy)
    assert ex.fields["number_symbol"].value == "15/QĐ-UBND"
    assert ex.fields["issue_date"].value == "2024-03-05"
    assert ex.fields["owner_id"].value == "045090012345"
    # repaired values are slightly less certain than clean ones
    assert ex.fields["number_symbol"].confidence < 1.0


def test_body_dates_are_not_the_issue_date() -> None:
    without_date_line = DECISION.replace("Quảng Trị, ngày 05 tháng 3 năm 2024", "")
    ex = run(without_date_line)
    assert ex.fields["issue_date"].value is None
    assert "issue_date: missing" in ex.review_reasons
    assert ex.needs_review


def test_number_running_into_the_date_does_not_make_a_date() -> None:
    merged = DECISION.replace("Số: 15/QĐ-UBND                              Quảng Trị, ngày",
                              "Số: 1505/QĐ-UBND Quảng Trị, ngày")
    ex = run(merged)
    assert ex.fields["number_symbol"].value == "1505/QĐ-UBND"
    assert ex.fields["issue_date"].value == "2024-03-05"
    assert ex.fields["issue_place"].value == "Quảng Trị"


def test_future_and_too_old_dates_are_rejected_with_reason() -> None:
    future = run(DECISION.replace("năm 2024", "năm 2027"))
    assert future.fields["issue_date"].value is None
    assert "future" in (future.fields["issue_date"].reason or "")
    old = run(DECISION.replace("năm 2024", "năm 1930"))
    assert old.fields["issue_date"].value is None
    assert "1945" in (old.fields["issue_date"].reason or "")


def test_without_today_the_future_is_not_checked() -> None:
    ex = run(DECISION.replace("năm 2024", "năm 2027"), options=ExtractOptions())
    assert ex.fields["issue_date"].value == "2027-03-05"


def test_phone_or_account_number_is_not_an_owner_id() -> None:
    text = DECISION.replace("- Số định danh cá nhân: 045090012345\n", "").replace(
        "- Điện thoại: 0912 345 678", "- Số tài khoản: 045090012345\n- Điện thoại: 091234567890")
    ex = run(text)
    assert ex.fields["owner_id"].value is None


def test_id_label_followed_by_phone_takes_the_id() -> None:
    text = DECISION.replace("- Số định danh cá nhân: 045090012345",
                            "- Số CCCD: 045090012345; Điện thoại: 091234567890")
    assert run(text).fields["owner_id"].value == "045090012345"


def test_cccd_inconsistent_with_birth_date_is_not_stored() -> None:
    ex = run(DECISION.replace("12/05/1990", "12/05/1991"))
    assert ex.fields["owner_id"].value is None
    assert "birth" in (ex.fields["owner_id"].reason or "")
    assert ex.fields["owner_birth_date"].confidence < 0.8
    assert any(r.startswith("owner_id:") for r in ex.review_reasons)


def test_cccd_with_unknown_province_is_rejected() -> None:
    ex = run(DECISION.replace("045090012345", "099090012345"))
    assert ex.fields["owner_id"].value is None
    assert "province" in (ex.fields["owner_id"].reason or "")


def test_old_cmnd_is_accepted() -> None:
    ex = run(DECISION.replace("Số định danh cá nhân: 045090012345", "Số CMND: 197234567"))
    assert ex.fields["owner_id"].value == "197234567"


def test_expiry_before_issue_is_rejected() -> None:
    ex = run(DECISION.replace("31 tháng 12 năm 2029", "31 tháng 12 năm 2023"))
    assert ex.fields["valid_until"].value is None
    assert "after the issue date" in (ex.fields["valid_until"].reason or "")


def test_effective_from_signing_is_not_an_expiry() -> None:
    text = DECISION.replace(" và có giá trị đến ngày 31 tháng 12 năm 2029", "")
    assert run(text).fields["valid_until"].value is None


LETTER = """
UBND TỈNH NGHỆ AN                 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ TƯ PHÁP                              Độc lập - Tự do - Hạnh phúc
Số: 12/STP-HCTP
V/v triển khai số hóa kết quả giải           Nghệ An, ngày 03 tháng 02 năm 2025
quyết thủ tục hành chính

                  Kính gửi: Ủy ban nhân dân các xã, phường.
Thực hiện Công văn số 1234/VPCP-KSTT ngày 20 tháng 01 năm 2025 của Văn phòng
Chính phủ, Sở Tư pháp đề nghị các đơn vị thực hiện một số nội dung sau:
Đầu mối liên hệ: Văn phòng, điện thoại 0238 3844 555.
Nơi nhận:                                              KT. GIÁM ĐỐC
- Như trên;                                           PHÓ GIÁM ĐỐC
- Lưu: VT, HCTP.

                                                     Lê Quang Việt
"""


@pytest.mark.parametrize("mode", ["flat", "boxes"])
def test_official_letter(mode: str) -> None:
    ex = run(boxes_from_grid(LETTER) if mode == "boxes" else PageInput(LETTER))
    v = ex.values()
    assert v["doc_type"] == "CÔNG VĂN" and v["type_abbr"] is None
    assert v["number_symbol"] == "12/STP-HCTP"
    assert v["issue_date"] == "2025-02-03" and v["issue_place"] == "Nghệ An"
    assert v["issuing_agency"] == "SỞ TƯ PHÁP" and v["parent_agency"] == "UBND TỈNH NGHỆ AN"
    assert v["subject"] == "V/v triển khai số hóa kết quả giải quyết thủ tục hành chính"
    assert (v["signer_name"], v["signer_title"], v["authority_prefix"]) == (
        "Lê Quang Việt", "PHÓ GIÁM ĐỐC", "KT.")
    assert v["recipients"] == ["Như trên", "Lưu: VT, HCTP"]
    assert v["owner_id"] is None and v["owner_name"] is None
    assert not ex.needs_review, ex.review_reasons


ENTERPRISE = """
SỞ TÀI CHÍNH TỈNH NGHỆ AN              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG ĐĂNG KÝ KINH DOANH                   Độc lập - Tự do - Hạnh phúc
                                     Nghệ An, ngày 20 tháng 8 năm 2025

                GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP
                           CÔNG TY CỔ PHẦN
Mã số doanh nghiệp: 2900325558
Đăng ký lần đầu: ngày 03 tháng 10 năm 2018
1. Tên công ty
Tên công ty viết bằng tiếng Việt: CÔNG TY CỔ PHẦN DU LỊCH AN KHANG
2. Địa chỉ trụ sở chính
Số 12 đường Lê Lợi, phường Vinh, tỉnh Nghệ An
Điện thoại: 0238 3844 555
4. Người đại diện theo pháp luật của công ty
Họ và tên: HOÀNG BẢO THƯ    Giới tính: Nữ
Sinh ngày: 22/12/1961
Số định danh cá nhân: 040161814731
Số tài khoản: 040161814732
                                                   KT. TRƯỞNG PHÒNG
                                                   PHÓ TRƯỞNG PHÒNG

                                                    Trương Thị Hằng
"""


def test_enterprise_certificate_owner_is_the_enterprise() -> None:
    ex = run(boxes_from_grid(ENTERPRISE))
    v = ex.values()
    assert v["doc_type"] == "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP" and v["type_abbr"] == "GCN"
    assert v["number_symbol"] is None
    assert v["tax_code"] == "2900325558"
    assert v["owner_name"] == "CÔNG TY CỔ PHẦN DU LỊCH AN KHANG"
    assert v["owner_address"] == "Số 12 đường Lê Lợi, phường Vinh, tỉnh Nghệ An"
    assert v["owner_id"] is None and v["owner_birth_date"] is None
    assert v["issue_date"] == "2025-08-20"
    assert v["signer_name"] == "Trương Thị Hằng"
    assert v["subject"] is None  # the legal form under the title is no trích yếu (issue 8)
    # registration certificates carry the enterprise code instead of a document number
    assert not ex.needs_review, ex.review_reasons


def test_tax_code_with_bad_check_digit_is_not_stored() -> None:
    ex = run(ENTERPRISE.replace("2900325558", "2900325557"))
    assert ex.fields["tax_code"].value is None
    assert "invalid" in (ex.fields["tax_code"].reason or "")
    assert any(r.startswith("tax_code:") for r in ex.review_reasons)


BIRTH_EXTRACT = """
ỦY BAN NHÂN DÂN                         CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHƯỜNG ĐÔNG HÀ                               Độc lập - Tự do - Hạnh phúc
Số: 245/TLKS-BS                          Đông Hà, ngày 09 tháng 01 năm 2024

                          TRÍCH LỤC KHAI SINH
                               (Bản sao)
Họ, chữ đệm, tên: LÊ MINH KHANG
Ngày, tháng, năm sinh: 05/01/2024
Giới tính: Nam    Dân tộc: Kinh    Quốc tịch: Việt Nam
Số định danh cá nhân: 045224000123
Họ, chữ đệm, tên người mẹ: TRẦN THỊ LAN
Năm sinh: 1995    Dân tộc: Kinh    Quốc tịch: Việt Nam
Nơi cư trú: Khu phố 3, phường Đông Hà, tỉnh Quảng Trị
                                                     KT. CHỦ TỊCH
                                                     PHÓ CHỦ TỊCH

                                                    Nguyễn Thị Mai
"""


def test_birth_extract() -> None:
    v = run(boxes_from_grid(BIRTH_EXTRACT)).values()
    assert v["doc_type"] == "TRÍCH LỤC KHAI SINH" and v["type_abbr"] == "TLKS"
    assert v["owner_name"] == "Lê Minh Khang"  # not the mother
    assert v["owner_id"] == "045224000123" and v["owner_birth_date"] == "2024-01-05"
    assert v["valid_until"] == "permanent"
    assert v["issuing_agency"] == "ỦY BAN NHÂN DÂN PHƯỜNG ĐÔNG HÀ"
    assert v["subject"] is None  # a copy mark is no trích yếu (issue 8)


def test_two_pages_signer_on_the_last_page() -> None:
    head, tail = DECISION.split("Điều 2.")
    ex = run(head, "Điều 2." + tail)
    assert ex.fields["page_count"].value == 2
    assert ex.fields["signer_name"].value == "Trần Thị Bình"
    assert ex.fields["number_symbol"].value == "15/QĐ-UBND"
    assert ex.fields["owner_id"].value == "045090012345"


def test_empty_document_needs_review_for_every_required_field() -> None:
    ex = run("")
    assert ex.values()["page_count"] == 1
    assert set(ex.review_reasons) == {f"{f}: missing" for f in OPTIONS.required}


def test_to_dict_is_json_and_carries_confidences() -> None:
    d = run(DECISION).to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["fields"]["issue_date"] == {"value": "2024-03-05", "confidence": 1.0, "reason": None}
    assert all(0.0 <= f["confidence"] <= 1.0 for f in d["fields"].values())


def test_threshold_is_configurable() -> None:
    page = boxes_from_grid(DECISION, conf=80.0)
    strict = run(page, options=ExtractOptions(today=TODAY, review_threshold=0.95))
    lax = run(page, options=ExtractOptions(today=TODAY, review_threshold=0.5))
    assert strict.needs_review and not lax.needs_review


def test_apply_corrections_validates_and_clears_review() -> None:
    ex = run(DECISION.replace("Quảng Trị, ngày 05 tháng 3 năm 2024", ""))
    assert ex.needs_review
    fixed = apply_corrections(ex, {"issue_date": "05/03/2024"}, options=OPTIONS)
    assert fixed.fields["issue_date"].value == "2024-03-05"
    assert fixed.fields["issue_date"].confidence == 1.0
    assert not fixed.needs_review
    assert ex.fields["issue_date"].value is None  # the original is not modified


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("issue_date", "2030-01-01", "future"),
    ("issue_date", "31/02/2024", "not a date"),
    ("owner_id", "045090012346x", "12"),
    ("owner_id", "045091012345", "birth"),
    ("tax_code", "0100047517", "invalid"),
    ("valid_until", "2020-01-01", "after the issue date"),
    ("authority_prefix", "XY", "one of"),
    ("number_symbol", "15 QĐ UBND", "number and symbol"),
    ("nonsense", "x", "unknown field"),
])
def test_apply_corrections_rejects_invalid_values(field: str, value: str, fragment: str) -> None:
    ex = run(DECISION)
    with pytest.raises(ValueError, match=fragment):
        apply_corrections(ex, {field: value}, options=OPTIONS)


def test_apply_corrections_other_types() -> None:
    ex = run(DECISION)
    fixed = apply_corrections(ex, {"recipients": "Như Điều 3; Lưu: VT", "valid_until": "vĩnh viễn",
                                   "page_count": "2", "owner_address": ""}, options=OPTIONS)
    v = fixed.values()
    assert v["recipients"] == ["Như Điều 3", "Lưu: VT"]
    assert v["valid_until"] == "permanent" and v["page_count"] == 2
    assert v["owner_address"] is None
    assert not fixed.needs_review, fixed.review_reasons
    assert fixed.fields["owner_address"].reason == "corrected by reviewer"


BLOCK_ORDER = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG TRỊ
Số: 15/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Trị, ngày 05 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc công nhận hòa giải viên ở cơ sở
Căn cứ Luật Hòa giải ở cơ sở ngày 20 tháng 6 năm 2013;
Điều 1. Công nhận bà Lê Thị Hoa.
Nơi nhận:
- Như Điều 3;
- Lưu: VT, NC.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Võ Văn Hưng
"""


def test_flat_text_with_columns_as_separate_blocks() -> None:
    """Tesseract's plain text lists the left column, then the right one."""
    v = run(BLOCK_ORDER).values()
    assert v["issuing_agency"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"
    assert (v["number_symbol"], v["issue_date"]) == ("15/QĐ-UBND", "2024-03-05")
    assert v["subject"] == "Về việc công nhận hòa giải viên ở cơ sở"
    assert v["recipients"] == ["Như Điều 3", "Lưu: VT, NC"]
    assert (v["signer_name"], v["signer_title"], v["authority_prefix"]) == (
        "Võ Văn Hưng", "CHỦ TỊCH", "TM.")


def test_signature_scribbles_between_title_and_name_are_skipped() -> None:
    text = DECISION.replace("                                                       Trần Thị Bình",
                            "                                                       ~ff, JNJ\n"
                            "                                                       Trần Thị Bình")
    page = boxes_from_grid(text, low={"~ff,": 20.0, "JNJ": 15.0})
    v = run(page).values()
    assert (v["signer_name"], v["signer_title"]) == ("Trần Thị Bình", "PHÓ CHỦ TỊCH")


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Giấy phép này có giá trị đến ngày 31 tháng 12 năm 2027.", "2027-12-31"),
    ("Giấy xác nhận có giá trị sử dụng đến 31/12/2027.", "2027-12-31"),
    ("Giấy chứng nhận này có giá trị vĩnh viễn.", "permanent"),
    ("Thời hạn hoạt động: không thời hạn.", "permanent"),
    ("Quyết định này có hiệu lực kể từ ngày ký.", None),
    ("Hết hạn nộp hồ sơ vào ngày 05 tháng 3 năm 2024 theo thông báo.", None),
])
def test_validity_phrases(sentence: str, expected: str | None) -> None:
    text = DECISION.replace(
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký và có giá trị đến ngày 31 tháng 12 "
        "năm 2029.", "Điều 2. " + sentence)
    assert run(text).fields["valid_until"].value == expected


def test_garbled_place_still_gives_the_header_date_but_not_a_body_date() -> None:
    garbled = DECISION.replace("Quảng Trị, ngày 05", "ên Trị, ngày 05")
    ex = run(garbled)
    assert ex.fields["issue_date"].value == "2024-03-05"
    assert ex.fields["issue_place"].value is None
    # the same prefix inside a body sentence is no issue date
    body = DECISION.replace("Quảng Trị, ngày 05 tháng 3 năm 2024", "").replace(
        "Điều 2.", "kèm theo hồ sơ, ngày 05 tháng 3 năm 2024\nĐiều 2.")
    assert run(body).fields["issue_date"].value is None


def test_title_framed_by_specks_in_boxes() -> None:
    text = BIRTH_EXTRACT.replace("                          TRÍCH LỤC KHAI SINH",
                                 "                        - TRÍCH LỤC KHAI SINH :")
    v = run(boxes_from_grid(text)).values()
    assert v["doc_type"] == "TRÍCH LỤC KHAI SINH" and v["type_abbr"] == "TLKS"


def test_names_on_a_despeckled_page_are_unsure_but_kept() -> None:
    """Speck removal can take diacritics with the dust while Tesseract stays confident: free
    text and names from such a page are kept, capped below the review threshold."""
    from dataclasses import replace

    clean = run(boxes_from_grid(DECISION))
    dusty = run(replace(boxes_from_grid(DECISION), flags=("denoised", "border-cleaned")))
    assert dusty.values() == clean.values()
    for name in ("subject", "signer_name", "owner_name", "owner_address", "recipients"):
        # "Lưu: VT, NC": a unit code nothing confirms is never sure; "chuyển mục đích":
        # the word list knows "chuyên mục", so the subject is unsure even on a clean page
        if name not in ("recipients", "subject"):
            assert clean.fields[name].confidence >= 0.8
        assert dusty.fields[name].confidence < 0.8, name
    for name in ("signer_name", "owner_name", "owner_address"):
        assert "specks" in (dusty.fields[name].reason or "")
    assert dusty.fields["subject"].reason  # unsure, and says why
    for name in ("number_symbol", "issue_date", "owner_id", "issuing_agency"):
        assert dusty.fields[name].confidence == clean.fields[name].confidence
    assert not dusty.needs_review, dusty.review_reasons  # none of them blocks the document
