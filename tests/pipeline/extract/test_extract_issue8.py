"""Issue 8: lexicon repair and its refusal, the subject only from its position, parties with
their ids, dates only from the place-date line."""

from __future__ import annotations

import pytest

from ocr.types import Word
from pipeline.extract import PageInput, lexicon
from pipeline.extract.lexicon import check_person_name, check_place, repair_syllable, repair_text
from tests.pipeline.extract.test_extract_fields import LETTER, boxes_from_grid, run

# ---------------------------------------------------------------- lexicons


def test_lexicons_come_from_the_packages() -> None:
    assert len(lexicon.provinces()) >= 63  # old and new provinces
    assert len(lexicon.admin_names()) > 5000  # districts and communes, old and new
    assert "bố" in lexicon.syllables() and "Nguyễn" in lexicon.surnames()


def test_words_in_context_come_from_the_package() -> None:
    key = lexicon.syllable_key
    # old and new tone placement, and i or y after a consonant, are one syllable
    assert key("hòa") == key("hoà") and key("QUÝ") == key("quí") and key("kỹ") == key("kĩ")
    assert key("huy") != key("hui") and key("bản") != key("bạn")
    words = lexicon.common_words()[("bien", "ban")]
    assert (key("biên"), key("bản")) in words
    counts = lexicon.word_counts()  # a word-segmented text: single and compound words
    assert counts[(key("của"),)] > 100 and counts[(key("quy"), key("định"))] > 10
    assert lexicon.respell("BAN", key("bản")) == "BẢN"
    assert lexicon.respell("QUY", key("quí")) == "QUÝ"  # letters as read, never "QÚY"
    assert lexicon.respell("BAN", key("bún")) is None  # other letters: never


def test_common_words_take_the_counted_text_and_either_spelling() -> None:
    # no common-word list holds "đầu tư"; the package's VLSP text uses it thirty times
    assert lexicon.common_pair("đầu", "tư") and not lexicon.common_pair("đâu", "tư")
    # the list writes "kì thi", a decree "kỳ thi": one word pair
    assert repair_syllable("thi", prev="kỳ", nxt="học", tone_swaps=True).text == "thi"
    assert lexicon.common_pair("kỳ", "thi") and lexicon.common_pair("kì", "thi")


def test_a_lost_tone_mark_is_restored_by_a_word_pair() -> None:
    assert repair_text("công bô danh mục thuộc thâm quyền giải quyêt")[0] == \
        "công bố danh mục thuộc thẩm quyền giải quyết"
    assert repair_syllable("bô", prev="công").text == "bố"


def test_repair_refuses_without_evidence() -> None:
    # a valid syllable with a tone is not swapped for another tone ("nước thuốc" is a word)
    assert repair_text("ngân sách nhà nước thuộc lĩnh vực")[0] == \
        "ngân sách nhà nước thuộc lĩnh vực"
    # a valid syllable with nothing around it stays as read
    assert repair_syllable("bô") == lexicon.Repair("bô", False, False)
    # an unknown form with several candidates and no pair to decide is left and flagged
    unsure = repair_syllable("câp")
    assert unsure.text == "câp" and unsure.unsure and not unsure.changed
    # proper names inside a sentence are not "corrected" into common words
    assert repair_text("đối với ông Lê Đức Văn Phúc")[0] == "đối với ông Lê Đức Văn Phúc"


def test_names_and_places_against_the_lexicons() -> None:
    # a surname no list holds, with exactly one surname spelled so: restored
    fixed = check_person_name("Hổ Đình Tùng")
    assert fixed.text == "Hồ Đình Tùng" and fixed.repaired
    # a valid middle name is never turned into a surname ("Đình" ≠ "Đinh")
    assert check_person_name("Nguyễn Đình An").text == "Nguyễn Đình An"
    assert check_place("Tra Vinh").text == "Trà Vinh" and check_place("Tra Vinh").restored
    assert check_place("Hải Dương").known
    # several units are spelled "Tan Thanh" without marks: nothing is restored
    ambiguous = check_place("Tan Thanh")
    assert ambiguous.text == "Tan Thanh" and ambiguous.ambiguous


# ---------------------------------------------------------------- documents

CERTIFICATE = """
ỦY BAN NHÂN DÂN                            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ GIO LINH                                      Độc lập - Tự do - Hạnh phúc
Số: 21/GXN-UBND                              Quảng Trị, ngày 05 tháng 3 năm 2025

                                 GIẤY XÁC NHẬN
                              TÌNH TRẠNG HÔN NHÂN
                         (Dùng cho việc đăng ký kết hôn)
Ủy ban nhân dân xã Gio Linh xác nhận:
Họ và tên: TRẦN THỊ BÍCH
Số định danh cá nhân: 045190012345
                                                         CHỦ TỊCH
                                                      Lê Văn Nam
"""


def test_subject_is_not_taken_from_a_subtitle_or_form_line() -> None:
    ex = run(boxes_from_grid(CERTIFICATE))
    assert ex.values()["doc_type"] == "GIẤY XÁC NHẬN"
    assert ex.values()["subject"] is None


DECISION_ABOUT = """
ỦY BAN NHÂN DÂN                            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH QUẢNG TRỊ                                   Độc lập - Tự do - Hạnh phúc
Số: 15/QĐ-UBND                              Quảng Trị, ngày 05 tháng 3 năm 2024

                                   QUYẾT ĐỊNH
               Về việc khen thưởng đối với ông Nguyễn Văn An

                    CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;
                                   QUYẾT ĐỊNH:
Điều 1. Tặng Bằng khen cho ông Nguyễn Văn An, Số CCCD: 045090012345, đã có thành tích.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Nơi nhận:                                                   CHỦ TỊCH
- Như Điều 2;
- Lưu: VT.                                                Lê Văn Nam
"""


def test_a_party_is_found_by_its_id() -> None:
    ex = run(boxes_from_grid(DECISION_ABOUT))
    about = [p for p in ex.parties if p.role == "decision_subject"]
    assert [(p.name, p.id, p.id_kind) for p in about] == [
        ("Nguyễn Văn An", "045090012345", "cccd")]
    # the person the decision is about owns it; the id printed next to the name confirms it
    assert ex.values()["owner_id"] == "045090012345"
    assert ex.values()["owner_name"] == "Nguyễn Văn An"
    parties = ex.to_dict()["parties"]
    assert {"role": "decision_subject", "name": "Nguyễn Văn An", "id": "045090012345",
            "id_kind": "cccd"}.items() <= parties[-1].items()


ENTERPRISE_REP = """
SỞ TÀI CHÍNH TỈNH NGHỆ AN                  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
PHÒNG ĐĂNG KÝ KINH DOANH                         Độc lập - Tự do - Hạnh phúc
                                              Nghệ An, ngày 20 tháng 8 năm 2025
                 GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP
                           CÔNG TY CỔ PHẦN
Mã số doanh nghiệp: 2900325558
1. Tên công ty viết bằng tiếng Việt: CÔNG TY CỔ PHẦN DU LỊCH AN KHANG
2. Người đại diện theo pháp luật của công ty
Họ và tên: PHẠM THU HÀ Giới tính: Nữ
Số định danh cá nhân: 040190054321
                                                       TRƯỞNG PHÒNG
                                                    Trương Thị Hằng
"""


def test_enterprise_owner_and_legal_representative() -> None:
    ex = run(boxes_from_grid(ENTERPRISE_REP))
    roles = {p.role: p for p in ex.parties}
    assert (roles["owner"].id, roles["owner"].id_kind) == ("2900325558", "mst")
    rep = roles["legal_representative"]
    assert (rep.name, rep.id, rep.id_kind) == ("Phạm Thu Hà", "040190054321", "cccd")


DAMAGED_DATE = """
ỦY BAN NHÂN DÂN                            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH QUẢNG TRỊ                                   Độc lập - Tự do - Hạnh phúc
Số: 15/QĐ-UBND                              Quảng Trị, ngày    tháng O2 năm 2O25

                                   QUYẾT ĐỊNH
               Về việc công bố danh mục thủ tục hành chính

                    CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
                                   QUYẾT ĐỊNH:
Điều 1. Quyết định này có hiệu lực kể từ ngày 10 tháng 02 năm 2025.
                                                       CHỦ TỊCH
                                                      Lê Văn Nam
"""


def test_a_damaged_place_date_line_gives_null_and_a_reason_not_a_body_date() -> None:
    ex = run(boxes_from_grid(DAMAGED_DATE))
    assert ex.values()["issue_date"] is None
    assert any(r.startswith("issue_date:") and "unreadable" in r for r in ex.review_reasons)


def test_copy_stamp_and_e_signature_box_are_skipped() -> None:
    stamped = ("SAO Y; VĂN PHÒNG, ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ; 20/02/2025; 10:47:25 +07:00\n"
               "Người ký: Văn phòng Ủy ban nhân dân\nThời gian ký: 20.02.2025 10:47:25 +07:00\n"
               + DECISION_ABOUT)
    ex = run(boxes_from_grid(stamped))
    assert ex.values()["issuing_agency"] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"
    assert ex.values()["issue_date"] == "2024-03-05"


BIRTH_PARENT_ADDRESS = """
ỦY BAN NHÂN DÂN                            CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ GIO LINH                                      Độc lập - Tự do - Hạnh phúc
Số: 31/TLKS-UBND                             Quảng Trị, ngày 05 tháng 3 năm 2025

                              TRÍCH LỤC KHAI SINH
Họ, chữ đệm, tên: Trần Minh Khoa
Số định danh cá nhân: 045225012345
Họ, chữ đệm, tên người mẹ: NGUYỄN THỊ LAN
Nơi cư trú: Thôn Một, xã Gio Linh, tỉnh Quảng Trị
                                                         CHỦ TỊCH
                                                      Lê Văn Nam
"""


def test_an_address_under_a_parent_is_not_stored_as_the_owners() -> None:
    ex = run(boxes_from_grid(BIRTH_PARENT_ADDRESS))
    assert ex.values()["owner_name"] == "Trần Minh Khoa"
    address = ex.fields["owner_address"]
    assert address.value is None and "another person" in (address.reason or "")
    roles = {p.role: p.name for p in ex.parties}
    assert roles["child"] == "Trần Minh Khoa" and roles["mother"] == "Nguyễn Thị Lan"


def test_an_agency_name_missing_a_word_is_unsure() -> None:
    lost = DECISION_ABOUT.replace("ỦY BAN NHÂN DÂN        ", "SỞ VĂN HÓA, THAO VÀ DU LỊCH", 1)
    ex = run(boxes_from_grid(lost))
    agency = ex.fields["issuing_agency"]
    assert agency.confidence < 0.8, agency
    assert any(r.startswith("issuing_agency:") for r in ex.review_reasons)


def test_number_with_a_stray_dot_and_a_mixed_case_symbol() -> None:
    from pipeline.extract.fields import parse_number_symbol

    assert parse_number_symbol("383. /QĐ-UBND") == ("383/QĐ-UBND", True)
    assert parse_number_symbol("970/QĐ-TTg") == ("970/QĐ-TTg", False)
    assert parse_number_symbol("15/QĐ-UBNDQuảng Trị") == ("15/QĐ-UBND", True)


def _signed(block: str) -> str:
    head = DECISION_ABOUT.split("Nơi nhận:")[0]
    return head + "Nơi nhận:\n- Như Điều 2;\n- Lưu: VT.\n" + block


def test_signer_title_keeps_its_deputy_line_and_is_never_a_place() -> None:
    deputy = run(boxes_from_grid(_signed("""
                                                      KT. GIÁM ĐỐC
                                                      PHÓ GIÁM ĐỐC
                                                      Lê Văn Nam
""")))
    assert (deputy.values()["authority_prefix"], deputy.values()["signer_title"]) == \
        ("KT.", "PHÓ GIÁM ĐỐC")
    lost = run(boxes_from_grid(_signed("""
                                                      KT. GIÁM ĐỐC
                                                      GIÁM ĐỐC
                                                      Lê Văn Nam
""")))
    assert lost.fields["signer_title"].confidence < 0.8  # KT. signs for a deputy: a line lost
    place = run(boxes_from_grid(_signed("""
                                                TM. ỦY BAN NHÂN DÂN
                                                      QUẢNG TRỊ
                                                      CHỦ TỊCH
                                                      Lê Văn Nam
""")))
    assert place.values()["signer_title"] == "CHỦ TỊCH"
    assert place.values()["authority_prefix"] == "TM."


def test_a_subject_ending_mid_phrase_is_unsure() -> None:
    cut = DECISION_ABOUT.replace("               Về việc khen thưởng đối với ông Nguyễn Văn An",
                                 "                  Về việc tổ chức tiếp công dân định kỳ của")
    ex = run(boxes_from_grid(cut))
    assert ex.values()["subject"] == "Về việc tổ chức tiếp công dân định kỳ của"
    assert ex.fields["subject"].confidence < 0.8


UNREAD_DASHES = """
UBND TỈNH HÀ NAM                              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ XÂY DỰNG                                         Độc lập - Tự do - Hạnh phúc
Số: 112/TB-SXD                                  Hà Nam, ngày 14 tháng 8 năm 2025
                                 THÔNG BÁO
                   Về việc lịch tiếp nhận hồ sơ cấp phép
Sở Xây dựng thông báo lịch tiếp nhận hồ sơ cấp phép xây dựng như sau.
Nơi nhận:                                                 KT. GIÁM ĐỐC
Văn phòng Sở;                                           PHÓ GIÁM ĐỐC
Trung tâm Phục vụ hành chính công
tỉnh;
Lưu: VT, QLXD.
                                                       Hoàng Minh Tâm
"""


def test_recipients_are_read_when_their_dashes_are_not() -> None:
    """Tesseract often drops the thin "-" before each "Nơi nhận" item: items still start at
    the label's indent and end with ";", and a wrapped item continues on the next line."""
    ex = run(boxes_from_grid(UNREAD_DASHES))
    assert ex.values()["recipients"] == ["Văn phòng Sở", "Trung tâm Phục vụ hành chính công tỉnh",
                                         "Lưu: VT, QLXD"]
    assert ex.values()["signer_title"] == "PHÓ GIÁM ĐỐC"


MISREAD_PREFIX = """
UBND TỈNH HÀ NAM                              CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ XÂY DỰNG                                         Độc lập - Tự do - Hạnh phúc
Số: 112/TB-SXD                                  Hà Nam, ngày 14 tháng 8 năm 2025
                                 THÔNG BÁO
                   Về việc lịch tiếp nhận hồ sơ cấp phép
Sở Xây dựng thông báo lịch tiếp nhận hồ sơ cấp phép xây dựng như sau.
Nơi nhận:                                                  TI.. GIÁM ĐỐC
- Văn phòng Sở;                                         CHÁNH VĂN PHÒNG
- Lưu: VT, QLXD.
                                                       Văn Quốc Hưng
"""


def test_a_misread_prefix_is_restored_unsure_and_a_surname_like_an_agency_word_is_a_name() -> None:
    """"TL." read "TI..": the only prefix its glyphs can be, kept below the review threshold.
    A signer whose surname is also an agency's first word ("Văn", as in "VĂN PHÒNG") is still
    the signer: names are title case, agency lines capitals."""
    ex = run(boxes_from_grid(MISREAD_PREFIX))
    assert ex.values()["authority_prefix"] == "TL."
    assert ex.fields["authority_prefix"].confidence < 0.8
    assert ex.values()["signer_title"] == "CHÁNH VĂN PHÒNG"
    assert ex.values()["signer_name"] == "Văn Quốc Hưng"
    assert run(boxes_from_grid(MISREAD_PREFIX.replace("TI..", "XY."))).values()[
        "authority_prefix"] is None


def test_a_prefix_whose_dot_was_lost_is_restored_unsure() -> None:
    """"KT. GIÁM ĐỐC" read "KT GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC": the prefix is "KT.", below the
    review threshold (it was stored as no prefix at 0.95), and no part of the title."""
    text = MISREAD_PREFIX.replace("TI.. GIÁM ĐỐC", "KT GIÁM ĐỐC").replace(
        "CHÁNH VĂN PHÒNG", "PHÓ GIÁM ĐỐC")
    ex = run(boxes_from_grid(text))
    assert ex.values()["authority_prefix"] == "KT."
    assert ex.fields["authority_prefix"].confidence < 0.8
    assert ex.values()["signer_title"] == "PHÓ GIÁM ĐỐC"
    # a word that is no prefix stays the title's
    other = run(boxes_from_grid(text.replace("KT GIÁM ĐỐC", "KY GIÁM ĐỐC")))
    assert other.values()["authority_prefix"] is None


def test_a_title_whose_first_letter_was_lost_is_not_stored_unflagged() -> None:
    """"CHỦ TỊCH" read "HỦ TỊCH" on a photocopy: no known title, the end of one."""
    text = MISREAD_PREFIX.replace("TI.. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN").replace(
        "CHÁNH VĂN PHÒNG", "HỦ TỊCH")
    ex = run(boxes_from_grid(text))
    assert ex.values()["signer_title"] == "HỦ TỊCH"
    assert ex.fields["signer_title"].confidence < 0.8
    whole = run(boxes_from_grid(text.replace("HỦ TỊCH", "CHỦ TỊCH")))
    assert whole.values()["signer_title"] == "CHỦ TỊCH"
    assert whole.fields["signer_title"].confidence >= 0.8


def test_a_symbol_with_its_types_last_letter_read_twice_is_not_stored_unflagged() -> None:
    """"33/QĐ-UBND" read "33/QĐĐ-UBND": the type's fixed abbreviation and one letter more."""
    ex = run(boxes_from_grid(MISREAD_PREFIX.replace("112/TB-SXD", "112/TBB-SXD")))
    assert ex.values()["number_symbol"] == "112/TBB-SXD"
    assert ex.fields["number_symbol"].confidence < 0.8
    assert run(boxes_from_grid(MISREAD_PREFIX)).fields["number_symbol"].confidence >= 0.8


def test_a_misread_prefix_on_the_titles_own_line_is_no_part_of_the_title() -> None:
    """"Q. CHỦ TỊCH" read "Q: CHỦ TỊCH": the title is "CHỦ TỊCH", the prefix restored unsure."""
    text = MISREAD_PREFIX.replace("TI.. GIÁM ĐỐC", "Q: GIÁM ĐỐC").replace(
        "- Văn phòng Sở;                                         CHÁNH VĂN PHÒNG",
        "- Văn phòng Sở;")
    ex = run(boxes_from_grid(text))
    assert ex.values()["signer_title"] == "GIÁM ĐỐC"
    assert ex.values()["authority_prefix"] == "Q."
    assert ex.fields["authority_prefix"].confidence < 0.8
    # a token no prefix can be is the title's own: "P." for the deputy ("Phó")
    deputy = run(boxes_from_grid(text.replace("Q: GIÁM ĐỐC", "P. GIÁM ĐỐC")))
    assert deputy.values()["signer_title"] == "P. GIÁM ĐỐC"


LAND_DECISION = """
UBND TỈNH NINH BÌNH                           CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG                       Độc lập - Tự do - Hạnh phúc
Số: 208/QĐ-SNNMT                               Ninh Bình, ngày 03 tháng 10 năm 2025
                                 QUYẾT ĐỊNH
              Về việc cho thuê đất nông nghiệp không qua đấu giá
                   GIÁM ĐỐC SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG
Căn cứ Luật Đất đai năm 2024;
                                 QUYẾT ĐỊNH:
Điều 1. Cho thuê đất nông nghiệp đối với ông Lê Hữu Phước, sinh ngày 09/04/1971, CCCD:
037071004512, nơi thường trú: thôn Đông Hạ, xã Gia Viễn, tỉnh Ninh Bình, diện tích
350 m², thửa đất số 88, tờ bản đồ số 4.
Điều 2. Quyết định này có hiệu lực kể từ ngày ký.
Nơi nhận:                                                          GIÁM ĐỐC
- Như Điều 2;
- Lưu: VT, ĐĐ.
                                                             Phan Thị Mai
"""


def test_an_id_after_a_label_ending_the_line_and_an_address_inside_a_sentence() -> None:
    """"…, CCCD:" at the end of a line puts the number on the next; an address in a running
    sentence ends at its province, not at the next comma ("…, tỉnh X, diện tích …")."""
    ex = run(boxes_from_grid(LAND_DECISION))
    v = ex.values()
    assert v["owner_name"] == "Lê Hữu Phước"
    assert v["owner_id"] == "037071004512"
    assert v["owner_address"] == "thôn Đông Hạ, xã Gia Viễn, tỉnh Ninh Bình"
    assert any(p.role == "decision_subject" or p.id == "037071004512" for p in ex.parties)


WRAPPED_SUBJECT = """
BẢN SAO
ỦY BAN NHÂN DÂN                               CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH TUYÊN QUANG                                    Độc lập - Tự do - Hạnh phúc
Số: 41/TB-UBND                                 Tuyên Quang, ngày 02 tháng 4 năm 2026
                                 THÔNG BÁO
               Về việc lịch làm việc với doanh nghiệp của
                  Giám đốc Sở Tài chính trong tháng 4
Ủy ban nhân dân tỉnh thông báo lịch làm việc như sau.
Nơi nhận:                                                       CHỦ TỊCH
- Các sở, ban, ngành;
- Lưu: VT, TH.
                                                          Nông Văn Tuấn
"""


def test_a_subject_line_starting_with_a_title_word_and_a_copy_mark_above_the_agency() -> None:
    """A subject wrapped after "của" goes on with "Giám đốc …" in sentence case: part of the
    subject, not the capitals authority line. "BẢN SAO" over the agency is no parent agency."""
    v = run(boxes_from_grid(WRAPPED_SUBJECT)).values()
    assert v["subject"] == ("Về việc lịch làm việc với doanh nghiệp của Giám đốc Sở Tài chính "
                            "trong tháng 4")
    assert (v["issuing_agency"], v["parent_agency"]) == ("ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
                                                         None)


def test_a_signer_page_read_sideways_is_never_trusted() -> None:
    """When OCR reads a turned signer page as it lies, its words come out tall and narrow and
    in the wrong order: whatever the signer block seems to say stays below the threshold."""
    body = boxes_from_grid(UNREAD_DASHES.split("Nơi nhận:")[0])
    words = []
    lines = ["Nơi nhận: GIÁM ĐỐC", "- Văn phòng Sở; PHÓ", "- Lưu: VT, QLXD.", "Hoàng Minh Tâm"]
    for k, line in enumerate(lines):  # each line a column of tall words, right to left
        for j, word in enumerate(line.split()):  # as Tesseract groups them: one engine line
            words.append(Word(word, 1800 - 120 * k, 300 + 260 * j, 40, 240, 93.0, 1, k))
    sideways = PageInput(text="\n".join(lines), words=words, width=2000, height=3508,
                         confidence=93.0)
    ex = run(body, sideways)
    for name in ("signer_name", "signer_title", "recipients"):
        assert ex.fields[name].value is None or ex.fields[name].confidence < 0.8, name
    assert any(ex.fields[name].value is not None for name in ("signer_name", "recipients"))


NUMBER_ROW = """
BỘ TÀI CHÍNH                                  CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
                                                    Độc lập - Tự do - Hạnh phúc
Số: 312/QĐ- BT                                   Hà Nội, ngày 16 tháng 5 năm 2025
                                 QUYẾT ĐỊNH
                 Về việc phân bổ kinh phí bảo đảm trật tự an toàn
                              BỘ TRƯỞNG BỘ TÀI CHÍNH
Căn cứ Luật Ngân sách nhà nước năm 2025;
Nơi nhận:                                                        BỘ TRƯỞNG
- Lưu: VT, HCSN.
                                                           Hồ Đức Phớc
"""


def test_a_symbol_read_in_two_words_is_as_sure_as_its_weakest_word() -> None:
    """"312/QĐ- BT" where the second word came at confidence 0 (a letter of it lost): the
    agreement of "QĐ" with the title and of "BT" with the agency lifts nothing."""
    ex = run(boxes_from_grid(NUMBER_ROW, low={"BT": 0.0}))
    assert ex.fields["number_symbol"].confidence < 0.8


def test_a_number_beside_an_unreadable_day_is_not_lifted_by_its_symbol() -> None:
    """The number and the day are written in by hand together: when the day is unreadable the
    number, however well its symbol agrees with the agency, stays unsure."""
    page = NUMBER_ROW.replace("312/QĐ- BT", "440/QĐ-BTC").replace("ngày 16", "ngày 4®")
    ex = run(boxes_from_grid(page, low={"440/QĐ-BTC": 72.0}))
    assert ex.values()["number_symbol"] == "440/QĐ-BTC"
    assert ex.fields["number_symbol"].confidence < 0.8
    sure = run(boxes_from_grid(page.replace("ngày 4®", "ngày 16"), low={"440/QĐ-BTC": 72.0}))
    assert sure.fields["number_symbol"].confidence >= 0.8  # a read day: the symbol confirms


def test_a_parent_whose_surname_is_an_agency_word_is_still_a_party() -> None:
    """After "tên người cha:" a capitals name starting "VĂN" is the father, not "VĂN PHÒNG"."""
    page = BIRTH_PARENT_ADDRESS.replace(
        "Nơi cư trú:", "Họ, chữ đệm, tên người cha: VĂN ĐỨC LỢI\nNơi cư trú:")
    roles = {p.role: p.name for p in run(boxes_from_grid(page)).parties}
    assert roles["father"] == "Văn Đức Lợi" and roles["mother"] == "Nguyễn Thị Lan"
    office = page.replace("VĂN ĐỨC LỢI", "VĂN PHÒNG ỦY BAN")
    assert "father" not in {p.role for p in run(boxes_from_grid(office)).parties}


HOUSEHOLD = """
CÔNG AN TỈNH NGHỆ AN                          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
CÔNG AN XÃ NAM ĐÀN                                  Độc lập - Tự do - Hạnh phúc
Số: 77/XN-CAX                                   Nam Đàn, ngày 12 tháng 6 năm 2026
                          GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ
Họ, chữ đệm và tên: PHAN VĂN HẢI
Số định danh cá nhân: 040086001234
Nơi thường trú: xóm 3, xã Nam Đàn, tỉnh Nghệ An
Thông tin các thành viên trong hộ gia đình:
STT        Họ, chữ đệm và tên  Ngày sinh        Quan hệ với chủ hộ        Số định danh cá nhân
1          Phan Văn Hải       02/02/1986       Chủ hộ                    040086001234
2          Lê Thị Hoa         15/07/1989       Vợ                        040189004321
3          Phan Gia Bảo       20/10/2015       Con                       040215007788
Giấy xác nhận có giá trị 06 tháng kể từ ngày cấp.
                                                       TRƯỞNG CÔNG AN
                                                      Nguyễn Đức Trung
"""


def test_household_members_in_a_table_are_parties_with_their_ids() -> None:
    """Each row of a household table with a name and a valid id is a party; the head, already
    the owner, is not repeated."""
    ex = run(boxes_from_grid(HOUSEHOLD))
    members = {(p.role, p.name, p.id) for p in ex.parties if p.role != "owner"}
    assert members == {("household_member", "Lê Thị Hoa", "040189004321"),
                       ("household_member", "Phan Gia Bảo", "040215007788")}
    assert [p.id for p in ex.parties if p.role == "owner"] == ["040086001234"]
    flat = run(HOUSEHOLD)  # a text layer without boxes: one line per row
    assert {p.id for p in flat.parties} == {"040086001234", "040189004321", "040215007788"}


def test_a_label_wrapped_at_the_end_of_a_line_takes_its_value_from_the_next() -> None:
    """"… sinh ngày" / "09/04/1971, số định danh cá" / "nhân 037071004512, …": the sample
    generator wraps body sentences anywhere, so do real documents."""
    page = LAND_DECISION.replace(
        "sinh ngày 09/04/1971, CCCD:\n037071004512, nơi thường trú:",
        "sinh ngày\n09/04/1971, số định danh cá\nnhân 037071004512, nơi thường trú:")
    v = run(boxes_from_grid(page)).values()
    assert (v["owner_birth_date"], v["owner_id"]) == ("1971-04-09", "037071004512")


def test_a_subject_whose_first_line_was_lost_is_unsure() -> None:
    """Only the wrapped end of the trích yếu was read ("trật tự an toàn"): a subject opens with
    a capital, so this one starts mid-phrase."""
    page = NUMBER_ROW.replace("                 Về việc phân bổ kinh phí bảo đảm trật tự an toàn",
                              " " * 31 + "trật tự an toàn")
    ex = run(boxes_from_grid(page))
    assert ex.fields["subject"].value == "trật tự an toàn"
    assert ex.fields["subject"].confidence < 0.8


def test_a_title_without_a_readable_name_is_kept_unsure() -> None:
    """The signature and seal hide the name: the title above them is still the signer's
    title, kept below the review threshold since no name confirms the block."""
    page = NUMBER_ROW.replace("Hồ Đức Phớc", "")
    ex = run(boxes_from_grid(page))
    assert ex.values()["signer_name"] is None
    assert ex.values()["signer_title"] == "BỘ TRƯỞNG"
    assert ex.fields["signer_title"].confidence < 0.8


def test_the_place_is_read_when_handwritten_day_and_month_run_into_the_words() -> None:
    """"ngày‹%/4 thángJO": the handwritten digits touch "ngày" and "tháng", so no word boundary
    follows them; the place is still the place, the date still null with a reason."""
    page = NUMBER_ROW.replace("Hà Nội, ngày 16 tháng 5 năm 2025",
                              "Hà Nội, ngày‹%/4 thángJO năm 2025")
    ex = run(boxes_from_grid(page))
    assert ex.values()["issue_place"] == "Hà Nội"
    assert ex.values()["issue_date"] is None and ex.fields["issue_date"].reason


@pytest.mark.parametrize("mode", ["flat", "boxes"])
def test_a_letter_subject_whose_second_v_was_lost_is_read_unsure(mode: str) -> None:
    """"V/ triển khai …" right under the number is the letter's "V/v" subject, damaged."""
    page = LETTER.replace("V/v triển khai", "V/ triển khai")
    ex = run(boxes_from_grid(page) if mode == "boxes" else PageInput(page))
    assert ex.values()["subject"] == ("V/v triển khai số hóa kết quả giải quyết thủ tục hành "
                                      "chính")
    assert ex.fields["subject"].confidence < 0.8


def test_a_signer_name_with_a_lost_space_is_split_and_unsure() -> None:
    ex = run(boxes_from_grid(NUMBER_ROW.replace("Hồ Đức Phớc", "HồĐức Phớc")))
    assert ex.values()["signer_name"] == "Hồ Đức Phớc"
    assert ex.fields["signer_name"].confidence < 0.8


def test_a_misread_roman_numeral_makes_the_subject_unsure() -> None:
    """"quý IH" for "quý III": the numeral's letters read as look-alikes; nothing can say
    which numeral it was, so the subject goes to a reviewer."""
    line = "                 Về việc phân bổ kinh phí bảo đảm trật tự an toàn"
    centred = "              Về việc phân bổ kinh phí bảo đảm trật tự quý {}"
    ex = run(boxes_from_grid(NUMBER_ROW.replace(line, centred.format("IH"))))
    assert ex.values()["subject"].endswith("quý IH")
    assert ex.fields["subject"].confidence < 0.8
    sure = run(boxes_from_grid(NUMBER_ROW.replace(line, centred.format("III"))))
    assert sure.values()["subject"].endswith("quý III")
    assert sure.fields["subject"].confidence >= 0.8


def test_an_address_under_a_broken_parent_label_is_not_the_owners() -> None:
    """"tên ngư ời ch a:": the relative's label read with stray spaces is still a relative's."""
    page = BIRTH_PARENT_ADDRESS.replace("tên người mẹ:", "tên ngư ời m ẹ:")
    address = run(boxes_from_grid(page)).fields["owner_address"]
    assert address.value is None and "another person" in (address.reason or "")


def test_a_commune_misread_in_an_address_is_restored_or_unsure() -> None:
    """"xã Gio Lính": no commune is spelled so, one differs by a tone mark: restored, unsure."""
    page = BIRTH_PARENT_ADDRESS.replace("Họ, chữ đệm, tên người mẹ: NGUYỄN THỊ LAN\n", "")
    page = page.replace("Thôn Một, xã Gio Linh", "Thôn Một, xã Gio Lính")
    address = run(boxes_from_grid(page)).fields["owner_address"]
    assert address.value == "Thôn Một, xã Gio Linh, tỉnh Quảng Trị"
    assert address.confidence < 0.8


def test_a_stray_glyph_in_the_agency_is_not_lifted_by_the_place() -> None:
    """The date line's place confirms the agency's tail, not a glyph read inside its head."""
    page = NUMBER_ROW.replace("BỘ TÀI CHÍNH                                  CỘNG",
                              "ỦY BAN NHÂN DÂN Ẽ TỈNH HÀ NAM                  CỘNG")
    page = page.replace("Hà Nội, ngày 16", "Hà Nam, ngày 16")
    ex = run(boxes_from_grid(page))
    assert ex.values()["issuing_agency"] == "ỦY BAN NHÂN DÂN Ẽ TỈNH HÀ NAM"
    assert ex.fields["issuing_agency"].confidence < 0.8
    clean = run(boxes_from_grid(page.replace("DÂN Ẽ TỈNH", "DÂN TỈNH  ")))
    assert clean.fields["issuing_agency"].confidence >= 0.8


def test_a_known_title_cut_short_is_joined_with_its_next_line_or_unsure() -> None:
    """"GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH" is the start of a known title: its end is on the next
    line ("NGHIỆP"), or it was lost and the type is unsure."""
    title = "                                 QUYẾT ĐỊNH"
    wrapped = NUMBER_ROW.replace(title, "                     GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH\n"
                                        "                              NGHIỆP")
    ex = run(boxes_from_grid(wrapped))
    assert ex.values()["doc_type"] == "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP"
    lost = run(boxes_from_grid(NUMBER_ROW.replace(
        title, "                     GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH")))
    assert lost.fields["doc_type"].confidence < 0.8
