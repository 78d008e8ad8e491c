"""Vocabulary and patterns of administrative documents (Decree 30/2020 Annex I and III).

All keyword patterns are written against `vntext.fold` output (lower case, no diacritics, đ→d),
so they match whatever diacritics OCR put on the letters.
"""

from __future__ import annotations

import re

# Document types with their Annex III abbreviations; certificates and permits follow sector law.
# Longer names first so "GIẤY CHỨNG NHẬN ĐĂNG KÝ …" wins over "GIẤY CHỨNG NHẬN".
DOC_TYPES: dict[str, str | None] = {
    "NGHỊ QUYẾT": "NQ", "QUYẾT ĐỊNH": "QĐ", "CHỈ THỊ": "CT", "QUY CHẾ": "QC",
    "QUY ĐỊNH": "QyĐ", "THÔNG CÁO": "TC", "THÔNG BÁO": "TB", "HƯỚNG DẪN": "HD",
    "CHƯƠNG TRÌNH": "CTr", "KẾ HOẠCH": "KH", "PHƯƠNG ÁN": "PA", "ĐỀ ÁN": "ĐA", "DỰ ÁN": "DA",
    "BÁO CÁO": "BC", "BIÊN BẢN": "BB", "TỜ TRÌNH": "TTr", "HỢP ĐỒNG": "HĐ", "CÔNG ĐIỆN": "CĐ",
    "BẢN GHI NHỚ": "BGN", "BẢN THỎA THUẬN": "BTT", "GIẤY ỦY QUYỀN": "GUQ", "GIẤY MỜI": "GM",
    "GIẤY GIỚI THIỆU": "GGT", "GIẤY NGHỈ PHÉP": "GNP", "PHIẾU GỬI": "PG", "PHIẾU CHUYỂN": "PC",
    "PHIẾU BÁO": "PB", "BẢN SAO Y": "SY", "BẢN TRÍCH SAO": "TrS", "BẢN SAO LỤC": "SL",
    "GIẤY CHỨNG NHẬN": "GCN", "GIẤY PHÉP": "GP", "GIẤY XÁC NHẬN": None,
    "TRÍCH LỤC": None, "CHỨNG CHỈ": None, "BẰNG": None, "GIẤY KHAI SINH": None,
    "PHIẾU": None, "GIẤY": None, "CÔNG VĂN": None,
    # Legal normative documents (Law on the Promulgation of Legal Documents 2015, art. 4).
    "LUẬT": None, "PHÁP LỆNH": None, "NGHỊ ĐỊNH": None, "THÔNG TƯ": None,
    "THÔNG TƯ LIÊN TỊCH": None, "VĂN BẢN HỢP NHẤT": None,
}
LETTER_TYPE = "CÔNG VĂN"
# Civil-status records (Law on Civil Status 2014) have no expiry: valid permanently by law.
PERMANENT_BY_LAW = re.compile(r"^(trich\s*luc|giay|ban\s*sao)\s*(khai\s*sinh|ket\s*hon|khai\s*tu|"
                              r"chung\s*nhan\s*ket\s*hon)")

# Mixed-case abbreviations that must keep their lower-case letters inside a symbol.
MIXED_CASE_ABBRS = ("QyĐ", "CTr", "TTr", "TrS")

AUTHORITY_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")

_S = r"[\s.,:;'\"\-]*"  # OCR sprinkles dots, quotes and hyphens between the motto's words
MOTTO_NATION = re.compile(rf"c[o0]ng{_S}h[o0]a{_S}x[a4]{_S}h[o0]i{_S}ch[u]{_S}ngh[i1l]a{_S}"
                          rf"v[i1l]e[t7]{_S}nam")
# The same with a garbled first word, as OCR reads it where two columns overprint.
MOTTO_NATION_LOOSE = re.compile(rf"\S{{0,3}}ng{_S}h[o0]a{_S}x[a4]{_S}h[o0]i{_S}ch[u]{_S}"
                                rf"ngh[i1l]a{_S}v[i1l]e[t7]{_S}nam")
MOTTO_SLOGAN = re.compile(r"d[o0]c\s*l[a4]p\s*[-.,]?\s*t[u]\s*d[o0]\s*[-.,]?\s*h[a4]nh\s*ph[u]c")
RULE_LINE = re.compile(r"^[\s_\-=~*.·—–]{3,}$")

# "Số:" label (also read "Sổ", "S6", "So") at the start of a segment.
NUMBER_LABEL = re.compile(r"(?:^|\s)(?:so|s6|s0)\s*[:;.,]?\s*(?=[0-9oil|])")
NUMBER_SYMBOL = re.compile(
    r"(?P<num>[0-9OoIl|]{1,7}[A-Z]?)\s*[.,]?\s*/\s*(?:(?P<year>[0-9OoIl|]{4})\s*/\s*)?"
    r"(?P<sym>[A-Za-zĐđ][A-Za-zĐđ0-9]*(?:\s*-\s*[A-Za-zĐđ0-9]+)*)")

# "<Place>, ngày 05 tháng 3 năm 2024" on the folded text.
_D = r"[0-9oilz|]"
DATE_PHRASE = re.compile(
    rf"ngay\s*[.,:]?\s*(?P<d>{_D}\s?{_D}?)\s*[,.]?\s*thang\s*[.,:]?\s*(?P<m>{_D}\s?{_D}?)"
    rf"\s*[,.]?\s*nam\s*[.,:]?\s*(?P<y>{_D}\s?{_D}\s?{_D}\s?{_D})(?!\d)")
# A place-date line whose day or month could not be read (handwritten, blank, damaged).
DATE_PHRASE_DAMAGED = re.compile(r"\bngay.{0,12}?thang.{0,12}?\bnam\b")  # "thángJO": no \b
NUMERIC_DATE = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*"
                          r"(?P<y>\d{4})(?!\d)")
BODY_DATE_CUES = re.compile(r"(can\s*cu|theo|tai|cua|so|ban\s*hanh|ky|tu|den|het|hieu\s*luc|"
                            r"gia\s*tri|sinh|cap|ngay\s*cap)\s*$")

# Stamps over the document, not its content (Decree 30 copy signature, portal e-signature
# boxes): "SAO Y; VĂN PHÒNG, …; 20/02/2025; 10:47:25 +07:00", "Người ký: …", "Cơ quan: …",
# "Thời gian ký: …", "Email: …".
# A copy mark printed on its own line above the agency or under the title ("BẢN SAO",
# "(Bản sao)"; Decree 30 copy forms: sao y, trích sao, sao lục): no agency, no subject.
COPY_MARK = re.compile(r"^\s*[(\[]?\s*(ban\s*sao|ban\s*chinh|sao\s*y(\s*ban\s*chinh)?|"
                       r"trich\s*sao|sao\s*luc)\s*[)\]]?\s*[.:]?\s*$")
STAMP_LINE = re.compile(r"(^\s*sao\s*y\s*[;:,]|nguoi\s*ky\s*[:;]|co\s*quan\s*[:;]|"
                        r"thoi\s*gian\s*ky\s*[:;]|\d{1,2}:\d{2}:\d{2}\s*[+-]\d{2}:?\d{2}|"
                        r"^\s*email\s*[:;])")
RECIPIENTS_LABEL = re.compile(r"^\s*noi\s*nhan\s*[:;.]?")
LETTER_ADDRESSEE = re.compile(r"^\s*kinh\s*gui\s*[:;.]?")
SUBJECT_LETTER = re.compile(r"^\s*v\s*/\s*v\b\s*[:.]?\s*")
SUBJECT_START = re.compile(r"^\s*(ve\s*viec|v\s*/\s*v|ve)\b")
BODY_START = re.compile(r"^\s*(can\s*cu|xet\s*de\s*nghi|theo\s*de\s*nghi|dieu\s*\d|kinh\s*gui|"
                        r"thuc\s*hien|nay\s*|hom\s*nay\b|vao\s*(hoi|luc)\b)")
AUTHORITY_LINE = re.compile(r"^\s*(tm|kt|q|tl|tuq)\s*[.,]\s*(?=\S)")
SIGN_NOISE = re.compile(r"^\s*[(\[]?\s*(da\s*ky|ky\s*(ten|,|va)|ky\s*$|dong\s*dau|chu\s*ky|"
                        r"ghi\s*ro|\(|\))")

# Agency lines: a keyword that starts a new agency name (the next line may continue it).
AGENCY_START = re.compile(
    r"^\s*(ubnd|uy\s*ban|hdnd|hoi\s*dong|so\b|phong\b|bo\b|cuc\b|chi\s*cuc|tong\s*cuc|"
    r"van\s*phong|ban\b|trung\s*tam|toa\s*an|vien\b|cong\s*an|thanh\s*tra|kho\s*bac|"
    r"benh\s*vien|truong\b|dai\s*hoc|chi\s*nhanh|doi\b|tinh\s*uy|huyen\s*uy|dang\s*uy|"
    r"bhxh|bao\s*hiem|cong\s*ty|hoi\b|lien\s*doan|quan\s*doan|bo\s*chi\s*huy)")
ADMIN_UNIT_START = re.compile(r"^\s*(xa|phuong|thi\s*tran|thi\s*xa|huyen|quan|tinh|"
                              r"thanh\s*pho|tp\b|dac\s*khu)")

# Owner block labels (folded).
LABEL_NAME = re.compile(r"(ho\s*[,.]?\s*(chu\s*dem\s*)?[,.]?\s*(va\s*)?ten(\s*chu\s*ho)?|"
                        r"ten\s*chu\s*ho|chu\s*ho|ong\s*/\s*ba|cap\s*cho|chu\s*dau\s*tu)"
                        r"\s*[:;]")
LABEL_COMPANY = re.compile(r"(ten\s*(cong\s*ty|doanh\s*nghiep|hop\s*tac\s*xa)(\s*viet\s*bang"
                           r"\s*tieng\s*viet)?)\s*[:;]")
LABEL_COMPANY_ADDRESS = re.compile(r"dia\s*chi\s*tru\s*so(\s*chinh)?\s*[:;]?")
HONORIFIC = re.compile(r"^\s*(ong\s*/\s*ba|ong\s*\(\s*ba\s*\)|ong|ba|anh|chi|cu)\s+(?=\S)")
LABEL_ID = re.compile(r"(so\s*dinh\s*danh(\s*ca\s*nhan)?|so\s*cmnd\s*/\s*cccd|so\s*cccd|"
                      r"so\s*cmnd|cccd|cmnd|can\s*cuoc(\s*cong\s*dan)?|chung\s*minh\s*(nhan"
                      r"\s*dan|thu)|so\s*giay\s*to\s*(tuy\s*than|phap\s*ly|chung\s*thuc)"
                      r"[\w\s]*|ho\s*chieu|giay\s*to\s*tuy\s*than)(\s*so)?\s*[:;]?")
LABEL_NOT_ID = re.compile(r"(dien\s*thoai|dt\b|d\.t|sdt|fax|tai\s*khoan|stk|ma\s*so\s*thue|"
                          r"mst|ma\s*so|hotline|di\s*dong|so\s*nha|mobile|tel)\s*[:;.]?\s*$")
LABEL_BIRTH = re.compile(r"(ngay\s*[,.]?\s*thang\s*[,.]?\s*nam\s*sinh|ngay\s*sinh|sinh\s*ngay)"
                         r"\s*[:;]?")
LABEL_ADDRESS = re.compile(r"(noi\s*thuong\s*tru|dia\s*chi\s*thuong\s*tru|noi\s*cu\s*tru|"
                           r"noi\s*o\s*hien\s*(nay|tai)|cho\s*o\s*hien\s*(nay|tai)|"
                           r"dia\s*chi(\s*cu\s*tru)?)\s*[:;]")
LABEL_TAX = re.compile(r"(ma\s*so\s*(doanh\s*nghiep|thue|ho\s*kinh\s*doanh|hop\s*tac\s*xa)|"
                       r"\bmst)\s*[:;.]?")
TAX_ENTERPRISE = re.compile(r"ma\s*so\s*doanh\s*nghiep")
NEXT_LABEL = re.compile(r"\s(?:[A-ZĐ][^\s:;]*(?:\s[^\s:;]+){0,5})\s*:\s")

# An expiry: "có hiệu lực/giá trị (sử dụng) đến (hết) ngày …", "hết hạn (vào) ngày …",
# "thời hạn … đến …"; the date follows (phrase or dd/mm/yyyy).
VALID_UNTIL = re.compile(r"(co\s*(hieu\s*luc|gia\s*tri)[\w\s]{0,30}?den\s*(het\s*)?|"
                         r"het\s*han\s*(vao\s*)?(?=ngay)|thoi\s*han[\w\s]{0,25}?den\s*(het\s*)?|"
                         r"gia\s*tri\s*su\s*dung\s*den\s*(het\s*)?|han\s*su\s*dung\s*[:]?"
                         r"\s*(den\s*)?(het\s*)?)(?=ngay|\d)")
VALID_PERMANENT = re.compile(r"(vinh\s*vien|khong\s*(xac\s*dinh\s*)?thoi\s*han|lau\s*dai)")
VALIDITY_CONTEXT = re.compile(r"(hieu\s*luc|gia\s*tri|thoi\s*han|han\s*su\s*dung)")

# Closed vocabularies: OCR output is snapped to one of these when it matches ignoring diacritics,
# case and spaces ("PHÓ CHÚ TỊCH", "CHỦ TỊ CH" → "PHÓ CHỦ TỊCH" / "CHỦ TỊCH").
SIGNER_TITLES: tuple[str, ...] = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG",
    "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG",
    "CHI CỤC TRƯỞNG", "PHÓ CHI CỤC TRƯỞNG", "TỔNG CỤC TRƯỞNG", "PHÓ TỔNG CỤC TRƯỞNG",
    "BỘ TRƯỞNG", "THỨ TRƯỞNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "CHÁNH THANH TRA",
    "PHÓ CHÁNH THANH TRA", "HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "VIỆN TRƯỞNG", "PHÓ VIỆN TRƯỞNG",
    "CHÁNH ÁN", "PHÓ CHÁNH ÁN", "TRƯỞNG CÔNG AN", "PHÓ TRƯỞNG CÔNG AN", "GIÁM ĐỐC TRUNG TÂM",
    "TỔNG GIÁM ĐỐC", "PHÓ TỔNG GIÁM ĐỐC", "CHỦ TRÌ", "THƯ KÝ", "TRƯỞNG ĐOÀN", "ỦY VIÊN",
    "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH", "TRƯỞNG PHÒNG TƯ PHÁP", "CHÁNH VĂN PHÒNG UBND",
)
DOC_TITLES: tuple[str, ...] = (
    *DOC_TYPES,
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỢP TÁC XÃ", "GIẤY CHỨNG NHẬN ĐĂNG KÝ ĐẦU TƯ",
    "GIẤY CHỨNG NHẬN ĐĂNG KÝ HOẠT ĐỘNG CHI NHÁNH", "GIẤY CHỨNG NHẬN KẾT HÔN",
    "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "GIẤY CHỨNG NHẬN ĐỦ ĐIỀU KIỆN",
    "GIẤY PHÉP XÂY DỰNG", "GIẤY PHÉP KINH DOANH", "GIẤY PHÉP LAO ĐỘNG", "GIẤY PHÉP LÁI XE",
    "GIẤY PHÉP MÔI TRƯỜNG", "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "GIẤY KHAI SINH",
    "TRÍCH LỤC KHAI SINH", "TRÍCH LỤC KẾT HÔN", "TRÍCH LỤC KHAI TỬ", "TRÍCH LỤC HỘ TỊCH",
    "TRÍCH LỤC GHI CHÚ LY HÔN", "GIẤY CHỨNG TỬ", "CHỨNG CHỈ HÀNH NGHỀ", "PHIẾU LÝ LỊCH TƯ PHÁP",
    "GIẤY BIÊN NHẬN", "GIẤY ỦY QUYỀN", "BẰNG TỐT NGHIỆP",
)

# Recipients that recur in almost every provincial document ("Nơi nhận").
COMMON_RECIPIENTS: tuple[str, ...] = (
    "Văn phòng Chính phủ", "Thủ tướng Chính phủ", "Thường trực Tỉnh ủy", "Thường trực Thành ủy",
    "Thường trực HĐND tỉnh", "Thường trực HĐND thành phố", "Chủ tịch, các PCT UBND tỉnh",
    "CT, các PCT UBND tỉnh", "Các sở, ban, ngành", "UBND các huyện, thị xã, thành phố",
    "UBND các xã, phường", "UBND các xã, phường, thị trấn", "Sở Tư pháp", "Bộ Tư pháp",
    "Cổng thông tin điện tử tỉnh", "Trung tâm Phục vụ hành chính công",
    "Các cơ quan, đơn vị liên quan", "Chủ đầu tư", "Đoàn ĐBQH tỉnh", "Các Bộ, ngành",
    "Cục Kiểm soát TTHC - VPCP", "Công an tỉnh", "Sở Nội vụ", "Sở Tài chính",
)
