"""Tone marks of OCR'd lines restored with the lexicon (pipeline.ocrtext), and where not."""

from __future__ import annotations

from ocr.types import WORD_SPACE
from pipeline.ocrtext import repair_line


def _fixed(line: str) -> str:
    out = repair_line(line.split(" "))
    assert len(out) == len(line.split(" "))
    return " ".join(out)


def test_a_mark_lost_over_a_circumflex_is_restored_by_a_word_pair() -> None:
    assert _fixed("Kết quả giải quyêt hồ sơ được công bô trên cổng") == (
        "Kết quả giải quyết hồ sơ được công bố trên cổng")


def test_capitals_read_without_marks_are_restored_where_one_word_fits() -> None:
    assert _fixed("THÔNG BAO KÊT QUẢ") == "THÔNG BÁO KẾT QUẢ"


def test_valid_syllables_no_pair_decides_are_kept() -> None:
    line = "Trường học mở cửa vào sáng thứ hai"
    assert _fixed(line) == line


def test_abbreviations_names_and_garbled_lines_are_left_as_read() -> None:
    assert _fixed("SÀI GÒN XANH CO., LTD") == "SÀI GÒN XANH CO., LTD"  # not "CỎ."
    assert _fixed("Tiên Đông nộp hồ sơ") == "Tiên Đông nộp hồ sơ"  # a name at the line start
    garbled = "PHSỞÒ NTGÀ CĐHĂÍ KTÝỈ sô NHK"
    assert _fixed(garbled) == garbled


def test_a_valid_syllable_changes_only_into_a_common_word() -> None:
    # "HAI PHÒNG" (two rooms) is right as read; "Hải Phòng" is only a city's name.
    line = "GỒM HAI PHÒNG HỌP"
    assert _fixed(line) == line
    assert _fixed("ỦY BAN NHÂN DÂN") == "ỦY BAN NHÂN DÂN"
    assert _fixed("CHU TỊCH NƯỚC") == "CHỦ TỊCH NƯỚC"  # "chủ tịch" is a common word


def test_a_repaired_syllable_decides_its_neighbour() -> None:
    assert _fixed("PHO CHU TỊCH NƯỚC") == "PHÓ CHỦ TỊCH NƯỚC"


def test_capitals_a_valid_syllable_with_the_wrong_mark_is_read_as_the_common_word() -> None:
    # Each misread form is a valid syllable ("bạn", "tải", "đọng"), which the word pairs of
    # body text never swap; on capitals the whole run decides.
    assert _fixed("BIÊN BẠN HỌP") == "BIÊN BẢN HỌP"
    assert _fixed("BÁO CÁO TẢI CHÍNH") == "BÁO CÁO TÀI CHÍNH"
    assert _fixed("HỢP ĐỒNG LAO ĐỌNG") == "HỢP ĐỒNG LAO ĐỘNG"


def test_a_run_of_capitals_inside_a_line_is_repaired_alone() -> None:
    # two columns read as one line: the heading's run, not the motto beside it
    assert _fixed("SỞ XẨY DỰNG Độc lập - Tự do - Hạnh phúc") == (
        "SỞ XÂY DỰNG Độc lập - Tự do - Hạnh phúc")
    assert _fixed("Kính gửi: SỞ XẨY DỰNG") == "Kính gửi: SỞ XÂY DỰNG"
    assert _fixed("Biên bạn họp") == "Biên bạn họp"  # not capitals: left to the word pairs


def test_capitals_names_and_places_are_not_read_as_words() -> None:
    # "nguyên văn" and "xà bông" are common words; a name and a commune are not judged by them
    assert _fixed("NGUYỄN VĂN BÌNH") == "NGUYỄN VĂN BÌNH"
    assert _fixed("UBND XÃ BÔNG TRANG") == "UBND XÃ BÔNG TRANG"
    assert _fixed("HÀ NỘI, VIỆT NAM") == "HÀ NỘI, VIỆT NAM"


def test_a_heading_numeral_read_with_an_h_is_a_roman_numeral() -> None:
    # bold serif capitals: two I's whose serifs touch are read as an H
    assert _fixed("IH. KẾT LUẬN VÀ KIẾN NGHỊ") == "III. KẾT LUẬN VÀ KIẾN NGHỊ"
    assert _fixed("VH. TỔ CHỨC THỰC HIỆN") == "VII. TỔ CHỨC THỰC HIỆN"
    # not a heading in capitals, a lone initial, no numeral: as read
    assert _fixed("IH. Kết luận") == "IH. Kết luận"
    assert _fixed("H. TỒN ĐỌNG") == "H. TỒN ĐỌNG"
    assert _fixed("HH. KẾT LUẬN") == "HH. KẾT LUẬN"
    assert _fixed("IV. KẾT LUẬN") == "IV. KẾT LUẬN"


def test_a_unit_name_after_its_type_takes_the_gazetteer_marks() -> None:
    assert _fixed("UBND THÀNH PHỐ ĐÀ NÂNG") == "UBND THÀNH PHỐ ĐÀ NẴNG"
    assert _fixed("UBND PHƯỜNG BÊN NGHÉ") == "UBND PHƯỜNG BẾN NGHÉ"
    # two units are spelled so ignoring marks (Tiên Hải, Tiền Hải): left as read
    assert _fixed("tại xã Tiền Hai nộp") == "tại xã Tiền Hai nộp"
    # "XÃ" of "XÃ HỘI" is no commune: nothing after it is a unit's name
    assert _fixed("CỘNG HÒA XÃ HỘI CHỦ NGHĨA") == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA"


def test_a_unit_type_the_repair_restores_names_its_unit() -> None:
    # "PHÔ" is no unit type until the word pair makes it "PHỐ"; then the name takes its marks
    assert _fixed("ỦY BAN NHÂN DÂN THÀNH PHÔ ĐA NĂNG") == "ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG"


def test_a_unit_type_in_capitals_read_with_other_marks_before_a_known_unit() -> None:
    assert _fixed("UBND TĨNH AN GIANG") == "UBND TỈNH AN GIANG"
    assert _fixed("CÔNG AN XÀ TIÊN HẢI") == "CÔNG AN XÃ TIÊN HẢI"
    assert _fixed("XÀ KÉP") == "XÃ KÉP"  # the type opens the line: a name of one syllable
    # a type before its unit's name is read as a type: "XÃ KÉP" is no "xà kép"
    assert _fixed("XÃ KÉP Độc lập - Tự do - Hạnh phúc") == "XÃ KÉP Độc lập - Tự do - Hạnh phúc"
    # not in running text, not before a name the gazetteer does not know, and not before a
    # one-syllable name inside a line ("xà kép" is gymnastics)
    assert _fixed("giữ yên tĩnh An Giang") == "giữ yên tĩnh An Giang"
    assert _fixed("TĨNH LẶNG") == "TĨNH LẶNG"
    assert _fixed("TẬP XÀ KÉP") == "TẬP XÀ KÉP"


def test_a_capital_i_read_as_l_opens_a_unit_name_again() -> None:
    # In a serif font "I" and "l" are one stroke: the Highlands' "Ia …" communes come out "la".
    assert _fixed("Nơi cư trú: xã la Grai, tỉnh Gia Lai") == "Nơi cư trú: xã Ia Grai, tỉnh Gia Lai"
    assert _fixed("la Pa, ngày 03 tháng 4 năm 2026") == "Ia Pa, ngày 03 tháng 4 năm 2026"
    # the place-date read on one line with the number beside it
    assert _fixed("Số: 15/QĐ-UBND la Pa, ngày 03 tháng 4 năm 2026") == (
        "Số: 15/QĐ-UBND Ia Pa, ngày 03 tháng 4 năm 2026")
    assert _fixed("Họ la Pa, ngày 03") == "Họ la Pa, ngày 03"  # after a word: no place-date
    # not where no type or place-date line makes it a name, nor before what no unit is named
    assert _fixed("kêu la Hà Nội") == "kêu la Hà Nội"
    assert _fixed("xã la Văn Nam") == "xã la Văn Nam"


def test_a_place_date_lines_place_is_spelled_as_the_gazetteer_spells_it() -> None:
    # "Ba Trị" is no unit; "Ba Tri" is the one unit spelled so ignoring marks
    assert _fixed("Ba Trị, ngày 20 tháng 8 năm 2026") == "Ba Tri, ngày 20 tháng 8 năm 2026"
    assert _fixed("Số: 12/UBND Ba Trị, ngày 20 tháng 8") == "Số: 12/UBND Ba Tri, ngày 20 tháng 8"
    assert _fixed("Hà Nôi, ngày 2 tháng 3") == "Hà Nội, ngày 2 tháng 3"
    # a unit as read stays; so does what no unit or several units could be
    assert _fixed("Châu Thành, ngày 28 tháng 02") == "Châu Thành, ngày 28 tháng 02"
    assert _fixed("Xóm Mới, ngày 2 tháng 3") == "Xóm Mới, ngày 2 tháng 3"


def test_a_surname_read_with_other_marks_before_a_name() -> None:
    assert _fixed("2 Lề Văn Tâm 12/03/1990") == "2 Lê Văn Tâm 12/03/1990"
    assert _fixed("ÔNG HỒ THỊ LAN") == "ÔNG HỒ THỊ LAN"  # a surname as read stays
    assert _fixed("Đồ Thị Hoa") == "Đỗ Thị Hoa"
    # a common word after it makes no name ("VỤ VĂN HÓA" is a department), nor one syllable
    assert _fixed("VỤ VĂN HÓA") == "VỤ VĂN HÓA"
    assert _fixed("Đồ Văn") == "Đồ Văn"
    # two syllables that make a word ("trung thành") are a name after a label or "ông"
    assert _fixed("tên: ĐỒ TRUNG THÀNH") == "tên: ĐỖ TRUNG THÀNH"
    assert _fixed("cho ông Lề Trung Thành") == "cho ông Lê Trung Thành"
    # a given name where a label puts the surname takes the surname's marks; unannounced,
    # a name syllable stays
    assert _fixed("tên người cha: NGUYÊN HỮU TÍN") == "tên người cha: NGUYỄN HỮU TÍN"
    assert _fixed("Nguyên Văn Hùng") == "Nguyên Văn Hùng"


def test_a_tone_before_a_number_is_the_one_the_text_puts_there() -> None:
    assert _fixed("theo quy định tại khoan 2 Điêu 7 Nghị định") == (
        "theo quy định tại khoản 2 Điều 7 Nghị định")
    # a word of its own stays ("nằm 2 ngày" is no "năm 2 ngày"), and so does a right one
    assert _fixed("bệnh nhân nằm 2 ngày") == "bệnh nhân nằm 2 ngày"
    assert _fixed("nộp ngay 3 bản") == "nộp ngay 3 bản"


def test_a_stray_or_lost_tone_changes_where_a_common_word_decides() -> None:
    assert _fixed("giao cho đơn vị thì hành") == "giao cho đơn vị thi hành"
    assert _fixed("Giám đốc được uy nhiệm ký") == "Giám đốc được ủy nhiệm ký"
    assert _fixed("Uy nhiệm cho cấp phó") == "Ủy nhiệm cho cấp phó"  # a line's first word
    # a name's syllables decide nothing ("ba lê" is a word; "bà Lê" a woman)
    assert _fixed("bà Lê Thì Hoa nộp") == "bà Lê Thì Hoa nộp"
    # "kỳ thi" is a word, whether the list spells it "kì" or "kỳ"; "kỳ thị" is another
    assert _fixed("tổ chức kỳ thi học kỳ") == "tổ chức kỳ thi học kỳ"
    # the first reading of a capitalised word stays unless a lower-case word decides
    assert _fixed("Thì Hoa nộp") == "Thì Hoa nộp"


def test_a_tone_for_another_where_the_word_is_used_more_than_the_syllable() -> None:
    assert _fixed("lập kể hoạch năm nay") == "lập kế hoạch năm nay"
    assert _fixed("hồ sơ thấm định xong") == "hồ sơ thẩm định xong"
    # "thì" is a word by itself, used far more than "thí chủ"
    assert _fixed("khởi công thì chủ đầu tư phải") == "khởi công thì chủ đầu tư phải"
    # at the line's end the word may go on on the next line ("sử | dụng")
    assert _fixed("dịch vụ sự nghiệp công sử") == "dịch vụ sự nghiệp công sử"


def test_a_space_tesseract_lost_is_given_back_inside_the_word() -> None:
    def spaced(line: str) -> str:
        return _fixed(line).replace(WORD_SPACE, " ")

    assert spaced("Chiều15/10/2026 tại trụ sở") == "Chiều 15/10/2026 tại trụ sở"
    assert spaced("Nghề nghiệp:Giáo viên") == "Nghề nghiệp: Giáo viên"
    assert spaced("ngành kinhdoanh vận tải") == "ngành kinh doanh vận tải"
    # the word keeps one token in the line (the steps after pair tokens with words)
    assert len(_fixed("ngành kinhdoanh vận tải").split(" ")) == 4
    # in capitals, a unit's name the gazetteer spells in two syllables
    assert spaced("SỞ NỘI VỤ TỈNH HÀTĨNH") == "SỞ NỘI VỤ TỈNH HÀ TĨNH"
    # a list item's dash and its first word, at the line's start only
    assert spaced("-Thanh tra tỉnh;") == "- Thanh tra tỉnh;"
    assert spaced("số -5 độ") == "số -5 độ"
    # codes, an article's letter, a piece no syllable spells, capitals no unit is named: as read
    for line in ("QĐ123 của UBND2", "Điều 12a. Sửa đổi", "lhai thực hiện", "CÔNG TY TNHH",
                 "BAN CHỈ ĐẠO KINHDOANH"):
        assert spaced(line) == line


def test_a_stray_underscore_at_a_word_edge_is_dropped() -> None:
    # Tesseract writes "_" where a word meets a table's cell edge or a rule
    assert _fixed("2_ Quách Gia Kiên 07/04/2013 Con") == "2 Quách Gia Kiên 07/04/2013 Con"
    assert _fixed("_SỞ TÀI CHÍNH") == "SỞ TÀI CHÍNH"
    # a blank to fill in, a lone mark and a name joined by one are kept
    for line in ("Họ và tên: ____", "ghi chú _ hết", "tài khoản nguyen_van"):
        assert _fixed(line) == line
