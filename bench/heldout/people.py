"""Synthetic people, enterprises, places and identifiers for the held-out documents.

Independent of `samples/`: its own name lists, its own identifier code (CCCD structure from
Decree 137/2015 as amended; tax codes through `python-stdnum`), places from the
`vietnam-provinces` package. Every person is made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from stdnum.vn import mst
from vietnam_provinces import Province as UnitProvince
from vietnam_provinces import Ward

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Đinh", "Tạ", "Mai", "Kiều", "Lưu", "Quách", "Tôn", "Khúc", "Lại",
            "Thái", "Văn", "Cao", "Triệu", "Hà", "Lâm")
MIDDLE_M = ("Văn", "Hữu", "Trọng", "Bá", "Duy", "Gia", "Tiến", "Mạnh", "Thế", "Khắc", "Viết",
            "Đăng", "Huy", "Trung")
MIDDLE_F = ("Thị", "Thúy", "Khánh", "Hồng", "Bích", "Tuyết", "Cẩm", "Quỳnh", "Ánh", "Huyền",
            "Lệ", "Thảo")
GIVEN_M = ("Tùng", "Kiên", "Vinh", "Chiến", "Tài", "Thành", "Quyết", "Nhân", "Lâm", "Tín",
           "Khoa", "Bảo", "Đức", "Huấn", "Thuận", "Tiến", "Hoàng", "Sang", "Triều", "Lực")
GIVEN_F = ("Ngân", "Trâm", "Diệp", "Xuân", "Nhàn", "Liên", "Huệ", "Thắm", "Uyên", "Hiền",
           "Ly", "Châu", "Dung", "Nguyệt", "Tú", "Vân", "Quyên", "Nhi")
STREETS = ("Nguyễn Văn Cừ", "Bà Triệu", "Tôn Đức Thắng", "Võ Thị Sáu", "Phạm Văn Đồng",
           "Lạc Long Quân", "Chu Văn An", "Nguyễn Thái Học", "Yết Kiêu", "Trường Chinh",
           "Hoàng Diệu", "Pasteur")
HAMLETS = ("Thôn Đồng Tâm", "Thôn Hạ", "Thôn 4", "Ấp Phú Hòa", "Ấp 2", "Bản Co Mạ",
           "Tổ dân phố Nam Sơn", "Tổ 12", "Khóm 3", "Xóm Đình", "Làng Chăm")


@dataclass(frozen=True)
class Place:
    """A current province (34 since 1 July 2025) and one of its communes or wards."""

    province: str  # "Hà Nội", "Thanh Hóa"
    province_kind: str  # "tỉnh" or "thành phố"
    code: int  # province code, also the first digits of a CCCD issued there
    ward_kind: str  # "xã", "phường", "đặc khu"
    ward: str  # "Phú Cát"

    @property
    def province_full(self) -> str:
        return f"{self.province_kind} {self.province}"


@dataclass(frozen=True)
class Citizen:
    name: str
    male: bool
    born: date
    pid: str  # 12-digit personal id (CCCD)
    address: str

    @property
    def title(self) -> str:  # how a document addresses the person
        return "ông" if self.male else "bà"


@cache
def _provinces() -> tuple[tuple[str, str, int], ...]:
    out = []
    for p in UnitProvince.iter_all():
        kind = "thành phố" if p.name.startswith("Thành phố ") else "tỉnh"
        out.append((p.name.removeprefix("Thành phố "), kind, int(p.code.value)))
    return tuple(out)


@cache
def _wards(code: int) -> tuple[tuple[str, str], ...]:
    for p in UnitProvince.iter_all():
        if int(p.code.value) == code:
            return tuple((w.division_type.value, w.name[len(w.division_type.value):].strip())
                         for w in Ward.iter_by_province(p.code))
    raise KeyError(code)


def pick_place(rng: random.Random) -> Place:
    province, kind, code = rng.choice(_provinces())
    ward_kind, ward = rng.choice(_wards(code))
    return Place(province, kind, code, ward_kind, ward)


def province_codes() -> frozenset[int]:
    return frozenset(code for _, _, code in _provinces())


def full_name(rng: random.Random, male: bool) -> str:
    middle = rng.choice(MIDDLE_M if male else MIDDLE_F)
    if rng.random() < 0.2:
        middle += " " + rng.choice(("Minh", "Ngọc", "Hoài", "Phương", "Anh", "Thanh"))
    return f"{rng.choice(SURNAMES)} {middle} {rng.choice(GIVEN_M if male else GIVEN_F)}"


def cccd(rng: random.Random, *, province_code: int, male: bool, born: date) -> str:
    """12 digits: 3-digit province of birth, gender-and-century digit, 2-digit year, serial."""
    century = {1900: 0, 2000: 2, 2100: 4}[born.year // 100 * 100]
    return f"{province_code:03d}{century + (0 if male else 1)}{born.year % 100:02d}" \
           f"{rng.randrange(1_000_000):06d}"


def tax_code(rng: random.Random) -> str:
    """A 10-digit enterprise code whose check digit python-stdnum accepts."""
    while True:
        body = f"{rng.randrange(1, 10)}{rng.randrange(10 ** 8):08d}"
        if body[:2] == "00":
            continue
        try:
            check = mst.calc_check_digit(body)
        except Exception:  # noqa: BLE001 - stdnum signals the impossible check value 10
            continue
        code = body + str(check)
        if len(code) == 10 and mst.is_valid(code):
            return code


def when(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def street_address(rng: random.Random, place: Place) -> str:
    head = (f"Số {rng.randrange(2, 400)} {rng.choice(('đường', 'phố'))} {rng.choice(STREETS)}"
            if place.ward_kind == "phường" or rng.random() < 0.3 else rng.choice(HAMLETS))
    return f"{head}, {place.ward_kind} {place.ward}, {place.province_full}"


def citizen(rng: random.Random, place: Place, *, born: tuple[int, int] = (1955, 2003),
            male: bool | None = None) -> Citizen:
    is_male = rng.random() < 0.5 if male is None else male
    birth = when(rng, date(born[0], 1, 1), date(born[1], 12, 31))
    origin = rng.choice(sorted(province_codes()))
    return Citizen(full_name(rng, is_male), is_male, birth,
                   cccd(rng, province_code=origin, male=is_male, born=birth),
                   street_address(rng, place))


def vn_date_words(d: date) -> str:
    """"ngày 07 tháng 02 năm 2026" as Decree 30 writes it (day < 10, months 1-2 padded)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"
