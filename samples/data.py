"""Vocabulary pools and synthetic identifiers for the sample generator.

Everything here is made up: names are random combinations of common Vietnamese family, middle
and given names, identifiers are random digits arranged in the documented structure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# (display name, administrative prefix, old CCCD province code, MST prefix)
# The 34 provinces and centrally-run cities in force since 1 July 2025.
NEW_PROVINCES: tuple[tuple[str, str, str, str], ...] = (
    ("Hà Nội", "THÀNH PHỐ", "001", "01"),
    ("Huế", "THÀNH PHỐ", "046", "33"),
    ("Hải Phòng", "THÀNH PHỐ", "031", "02"),
    ("Đà Nẵng", "THÀNH PHỐ", "048", "04"),
    ("Hồ Chí Minh", "THÀNH PHỐ", "079", "03"),
    ("Cần Thơ", "THÀNH PHỐ", "092", "18"),
    ("Lai Châu", "TỈNH", "012", "62"),
    ("Điện Biên", "TỈNH", "011", "56"),
    ("Sơn La", "TỈNH", "014", "55"),
    ("Lạng Sơn", "TỈNH", "020", "49"),
    ("Quảng Ninh", "TỈNH", "022", "57"),
    ("Thanh Hóa", "TỈNH", "038", "28"),
    ("Nghệ An", "TỈNH", "040", "29"),
    ("Hà Tĩnh", "TỈNH", "042", "30"),
    ("Cao Bằng", "TỈNH", "004", "48"),
    ("Tuyên Quang", "TỈNH", "008", "50"),
    ("Lào Cai", "TỈNH", "010", "53"),
    ("Thái Nguyên", "TỈNH", "019", "46"),
    ("Phú Thọ", "TỈNH", "025", "26"),
    ("Bắc Ninh", "TỈNH", "027", "23"),
    ("Hưng Yên", "TỈNH", "033", "09"),
    ("Ninh Bình", "TỈNH", "037", "27"),
    ("Quảng Trị", "TỈNH", "045", "32"),
    ("Quảng Ngãi", "TỈNH", "051", "43"),
    ("Gia Lai", "TỈNH", "064", "59"),
    ("Khánh Hòa", "TỈNH", "056", "42"),
    ("Lâm Đồng", "TỈNH", "068", "58"),
    ("Đắk Lắk", "TỈNH", "066", "60"),
    ("Đồng Nai", "TỈNH", "075", "36"),
    ("Tây Ninh", "TỈNH", "072", "39"),
    ("Vĩnh Long", "TỈNH", "086", "15"),
    ("Đồng Tháp", "TỈNH", "087", "14"),
    ("Cà Mau", "TỈNH", "096", "20"),
    ("An Giang", "TỈNH", "089", "16"),
)

# Provinces merged away on 1 July 2025: used for documents issued before that date.
OLD_PROVINCES: tuple[tuple[str, str, str, str], ...] = (
    ("Quảng Bình", "TỈNH", "044", "31"),
    ("Thừa Thiên Huế", "TỈNH", "046", "33"),
    ("Hà Giang", "TỈNH", "002", "51"),
    ("Yên Bái", "TỈNH", "015", "52"),
    ("Bắc Giang", "TỈNH", "024", "24"),
    ("Vĩnh Phúc", "TỈNH", "026", "25"),
    ("Hải Dương", "TỈNH", "030", "08"),
    ("Thái Bình", "TỈNH", "034", "10"),
    ("Nam Định", "TỈNH", "036", "06"),
    ("Hà Nam", "TỈNH", "035", "07"),
    ("Hòa Bình", "TỈNH", "017", "54"),
    ("Bắc Kạn", "TỈNH", "006", "47"),
    ("Kon Tum", "TỈNH", "062", "61"),
    ("Quảng Nam", "TỈNH", "049", "40"),
    ("Bình Định", "TỈNH", "052", "41"),
    ("Phú Yên", "TỈNH", "054", "44"),
    ("Ninh Thuận", "TỈNH", "058", "45"),
    ("Bình Thuận", "TỈNH", "060", "34"),
    ("Đắk Nông", "TỈNH", "067", "64"),
    ("Bình Phước", "TỈNH", "070", "38"),
    ("Bình Dương", "TỈNH", "074", "37"),
    ("Long An", "TỈNH", "080", "11"),
    ("Tiền Giang", "TỈNH", "082", "12"),
    ("Bến Tre", "TỈNH", "083", "13"),
    ("Trà Vinh", "TỈNH", "084", "21"),
    ("Sóc Trăng", "TỈNH", "094", "22"),
    ("Kiên Giang", "TỈNH", "091", "17"),
    ("Bà Rịa - Vũng Tàu", "TỈNH", "077", "35"),
)

COMMUNE_NAMES: tuple[str, ...] = (
    "An Phú", "Tân Lập", "Hòa Bình", "Phú Lộc", "Gio Linh", "Cam Lộ", "Vĩnh Linh", "Đông Hà",
    "Triệu Phong", "Hải Lăng", "Thạch Hãn", "Tân Định", "Bình Minh", "Xuân Lộc", "Long Hưng",
    "Phước Thạnh", "Quảng Điền", "Nghĩa Đàn", "Yên Thế", "Đức Phổ", "Thuận An", "Kỳ Anh",
    "Hưng Nguyên", "Cửa Lò", "Sa Pa", "Mường Thanh", "Bảo Lộc", "Ea Kar", "Chợ Mới", "Tịnh Biên",
    "Hồng Ngự", "Năm Căn", "Trà Ôn", "Cái Răng", "Ninh Kiều", "Hạ Long", "Móng Cái", "Lộc Hà",
)
VILLAGE_NAMES: tuple[str, ...] = (
    "Thôn Xuân Lộc", "Thôn An Hòa", "Thôn Đông Tiến", "Khu phố 3", "Khu phố 7", "Ấp Bình Thạnh",
    "Ấp Tân Hưng", "Tổ dân phố Trung Chỉ", "Tổ dân phố 5", "Xóm Mới", "Thôn Phú Hậu",
    "Bản Nà Sản",
)
STREET_NAMES: tuple[str, ...] = (
    "Lê Duẩn", "Trần Hưng Đạo", "Nguyễn Huệ", "Hùng Vương", "Lý Thường Kiệt", "Phan Bội Châu",
    "Quang Trung", "Hai Bà Trưng", "Nguyễn Trãi", "Điện Biên Phủ", "Ngô Quyền", "Lê Lợi",
)

FAMILY_NAMES: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đoàn", "Trương", "Lương", "Châu",
)
MALE_MIDDLE: tuple[str, ...] = (
    "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Đình", "Xuân", "Thanh", "Quốc", "Ngọc", "Anh",
)
FEMALE_MIDDLE: tuple[str, ...] = (
    "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hoài", "Kim", "Minh", "Bảo", "Diệu", "Mỹ", "Phương",
)
MALE_GIVEN: tuple[str, ...] = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Hưng", "Khánh", "Khang",
    "Long", "Lộc", "Nam", "Phúc", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Vỹ", "Kỳ", "Hậu",
    "Nghĩa", "Thịnh", "Toàn", "Việt", "Phong",
)
FEMALE_GIVEN: tuple[str, ...] = (
    "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc", "Nhung", "Phương",
    "Quỳnh", "Tâm", "Thảo", "Trang", "Thủy", "Thư", "Vy", "Yến", "Duyên", "Giang", "Hằng",
    "Loan", "Oanh",
)

BUSINESS_LINES: tuple[str, ...] = (
    "Bán lẻ hàng tạp hóa, đồ uống và thuốc lá sản xuất trong nước",
    "Dịch vụ ăn uống, quán cà phê giải khát",
    "Sửa chữa xe máy, mua bán phụ tùng xe máy",
    "Bán lẻ vật liệu xây dựng, thiết bị lắp đặt trong nhà",
    "Cắt tóc, làm đầu, gội đầu",
    "May mặc, sửa chữa quần áo",
)
COMPANY_WORDS: tuple[str, ...] = (
    "THƯƠNG MẠI", "XÂY DỰNG", "DỊCH VỤ", "VẬN TẢI", "NÔNG SẢN", "CÔNG NGHỆ", "DU LỊCH",
    "ĐẦU TƯ", "SẢN XUẤT", "THIẾT BỊ Y TẾ",
)
COMPANY_NAMES: tuple[str, ...] = (
    "HOÀNG PHÁT", "AN KHANG", "MINH LONG", "PHÚ THỊNH", "TÂN TIẾN", "ĐẠI VIỆT", "HƯNG THỊNH",
    "NAM PHONG", "THÀNH CÔNG", "BẢO NGỌC", "TRƯỜNG SƠN", "KIM CƯƠNG",
)
COMPANY_ASCII: dict[str, str] = {
    "HOÀNG PHÁT": "HOANG PHAT", "AN KHANG": "AN KHANG", "MINH LONG": "MINH LONG",
    "PHÚ THỊNH": "PHU THINH", "TÂN TIẾN": "TAN TIEN", "ĐẠI VIỆT": "DAI VIET",
    "HƯNG THỊNH": "HUNG THINH", "NAM PHONG": "NAM PHONG", "THÀNH CÔNG": "THANH CONG",
    "BẢO NGỌC": "BAO NGOC", "TRƯỜNG SƠN": "TRUONG SON", "KIM CƯƠNG": "KIM CUONG",
}
BANKS: tuple[str, ...] = (
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
    "Ngân hàng TMCP Ngoại thương Việt Nam",
    "Ngân hàng TMCP Công Thương Việt Nam",
    "Kho bạc Nhà nước khu vực",
)

MST_WEIGHTS: tuple[int, ...] = (31, 29, 23, 19, 17, 13, 7, 5, 3)


@dataclass(frozen=True)
class Province:
    name: str
    prefix: str  # "TỈNH" or "THÀNH PHỐ"
    cccd_code: str
    mst_prefix: str

    @property
    def upper(self) -> str:
        return f"{self.prefix} {self.name.upper()}"

    @property
    def place(self) -> str:
        """Place name written before the date line."""
        return "Thành phố Hồ Chí Minh" if self.name == "Hồ Chí Minh" else self.name

    @property
    def title(self) -> str:
        return f"{'tỉnh' if self.prefix == 'TỈNH' else 'thành phố'} {self.name}"


@dataclass(frozen=True)
class Person:
    name: str
    male: bool
    birth: date
    cccd: str | None
    cmnd: str | None
    address: str

    @property
    def id_number(self) -> str | None:
        return self.cccd or self.cmnd

    @property
    def honorific(self) -> str:
        return "Ông" if self.male else "Bà"


def pick_province(rng: random.Random, *, new_era: bool) -> Province:
    pool = NEW_PROVINCES if new_era or rng.random() < 0.5 else OLD_PROVINCES
    return Province(*rng.choice(pool))


def person_name(rng: random.Random, male: bool) -> str:
    middle = rng.choice(MALE_MIDDLE if male else FEMALE_MIDDLE)
    given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
    if rng.random() < 0.25:  # four-word names are common
        extra = rng.choice(MALE_MIDDLE if male else FEMALE_MIDDLE)
        if extra != middle:
            middle = f"{middle} {extra}"
    return f"{rng.choice(FAMILY_NAMES)} {middle} {given}"


def cccd_number(rng: random.Random, *, province_code: str, male: bool, birth: date) -> str:
    """12-digit personal id: PPP G YY RRRRRR (province, gender/century, year, serial)."""
    century = (birth.year // 100) - 19  # 1900s -> 0, 2000s -> 1
    gender = century * 2 + (0 if male else 1)
    return f"{province_code}{gender}{birth.year % 100:02d}{rng.randrange(0, 1_000_000):06d}"


def cmnd_number(rng: random.Random) -> str:
    return f"{rng.randrange(1, 4)}{rng.randrange(0, 100_000_000):08d}"


def mst_check_digit(first9: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(first9, MST_WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check % 10


def tax_code(rng: random.Random, *, prefix: str) -> str:
    """10-digit MST with a valid check digit (first two digits never 00)."""
    while True:
        first9 = prefix + f"{rng.randrange(0, 10 ** (9 - len(prefix))):0{9 - len(prefix)}d}"
        check = mst_check_digit(first9)
        if check is not None:
            return f"{first9}{check}"


def account_number(rng: random.Random) -> str:
    return f"{rng.randrange(1, 10)}{rng.randrange(0, 10**11):011d}"


def phone_number(rng: random.Random) -> str:
    if rng.random() < 0.5:
        area = rng.choice(["233", "234", "236", "24", "28"])
        return f"0{area}.{rng.randrange(3_500_000, 3_999_999)}"
    return f"09{rng.randrange(0, 10)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}"


def vn_date(d: date) -> str:
    """"ngày 05 tháng 3 năm 2024": day < 10 and months 1-2 zero-padded (Decree 30)."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def short_date(d: date, rng: random.Random) -> str:
    return d.strftime("%d/%m/%Y") if rng.random() < 0.7 else f"{d.day}/{d.month}/{d.year}"


def random_date(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randrange(start.toordinal(), end.toordinal() + 1))


def commune_label(rng: random.Random) -> tuple[str, str]:
    """('xã', 'Gio Linh') or ('phường', 'Đông Hà')."""
    return rng.choice(("xã", "xã", "phường")), rng.choice(COMMUNE_NAMES)


WardSource = Callable[[random.Random, Province], tuple[str, str]]


def address(rng: random.Random, province: Province, *, new_era: bool,
            ward: WardSource | None = None) -> str:
    """A street or village address; `ward` draws real current communes (new era only)."""
    kind, commune = ward(rng, province) if ward and new_era else commune_label(rng)
    if rng.random() < 0.4:
        head = f"Số {rng.randrange(1, 250)} đường {rng.choice(STREET_NAMES)}"
    else:
        head = rng.choice(VILLAGE_NAMES)
    district = "" if new_era else f", huyện {rng.choice(COMMUNE_NAMES)}"
    return f"{head}, {kind} {commune}{district}, {province.title}"


def make_person(
    rng: random.Random,
    province: Province,
    *,
    new_era: bool,
    born: tuple[int, int] = (1950, 2004),
    old_id_share: float = 0.12,
    ward: WardSource | None = None,
) -> Person:
    male = rng.random() < 0.5
    birth = random_date(rng, date(born[0], 1, 1), date(born[1], 12, 28))
    home = Province(*rng.choice(NEW_PROVINCES + OLD_PROVINCES))
    use_cmnd = birth.year < 2000 and rng.random() < old_id_share
    cccd = None if use_cmnd else cccd_number(rng, province_code=home.cccd_code, male=male,
                                             birth=birth)
    return Person(
        name=person_name(rng, male),
        male=male,
        birth=birth,
        cccd=cccd,
        cmnd=cmnd_number(rng) if use_cmnd else None,
        address=address(rng, province, new_era=new_era, ward=ward),
    )
