"""Issuing agencies and signer blocks of the held-out documents (their own wording)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.heldout.people import Place


@dataclass(frozen=True)
class Agency:
    parent: tuple[str, ...]
    lines: tuple[str, ...]
    symbol: str
    place: str  # written before ", ngày ..."
    head: str
    deputy: str
    office: str  # who signs TL./TUQ.
    collective: str | None  # "ỦY BAN NHÂN DÂN" for TM.
    in_sentence: str  # "Ủy ban nhân dân xã Phú Cát"

    @property
    def name(self) -> str:
        return " ".join(self.lines)

    @property
    def parent_name(self) -> str | None:
        return " ".join(self.parent) or None


@dataclass(frozen=True)
class SignerBlock:
    lines: tuple[str, ...]
    prefix: str | None  # "KT.", "TM.", "TL.", "TUQ.", "Q." or None
    title: str  # the signer's own title


DEPARTMENTS = (
    ("SỞ CÔNG THƯƠNG", "SCT", "Sở Công Thương"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "SGDĐT", "Sở Giáo dục và Đào tạo"),
    ("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SỞ DÂN TỘC VÀ TÔN GIÁO", "SDTTG", "Sở Dân tộc và Tôn giáo"),
    ("SỞ XÂY DỰNG", "SXD", "Sở Xây dựng"), ("SỞ TÀI CHÍNH", "STC", "Sở Tài chính"),
    ("SỞ NỘI VỤ", "SNV", "Sở Nội vụ"),
)


def province_upper(p: Place) -> str:
    return f"{p.province_kind.upper()} {p.province.upper()}"


def province_place(p: Place) -> str:
    return "Thành phố Hồ Chí Minh" if p.province == "Hồ Chí Minh" else p.province


def people_committee(p: Place, *, commune: bool) -> Agency:
    if commune:
        unit = f"{p.ward_kind.upper()} {p.ward.upper()}"
        return Agency((), ("ỦY BAN NHÂN DÂN", unit), "UBND", p.ward, "CHỦ TỊCH", "PHÓ CHỦ TỊCH",
                      "CHÁNH VĂN PHÒNG", "ỦY BAN NHÂN DÂN",
                      f"Ủy ban nhân dân {p.ward_kind} {p.ward}")
    return Agency((), ("ỦY BAN NHÂN DÂN", province_upper(p)), "UBND", province_place(p),
                  "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "CHÁNH VĂN PHÒNG", "ỦY BAN NHÂN DÂN",
                  f"Ủy ban nhân dân {p.province_full}")


def department(rng: random.Random, p: Place,
               name: tuple[str, str, str] | None = None) -> Agency:
    dep, sym, in_sentence = name or rng.choice(DEPARTMENTS)
    parent = rng.choice((f"UBND {province_upper(p)}", f"ỦY BAN NHÂN DÂN {province_upper(p)}"))
    return Agency((parent,), (dep,), sym, province_place(p), "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
                  "CHÁNH VĂN PHÒNG", None, in_sentence)


def business_registry(p: Place) -> Agency:
    return Agency((f"SỞ TÀI CHÍNH {province_upper(p)}",),
                  ("PHÒNG ĐĂNG KÝ KINH DOANH VÀ", "TÀI CHÍNH DOANH NGHIỆP"), "ĐKKD",
                  province_place(p), "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "TRƯỞNG PHÒNG", None,
                  "Phòng Đăng ký kinh doanh và Tài chính doanh nghiệp")


def commune_police(p: Place) -> Agency:
    unit = f"CÔNG AN {p.ward_kind.upper()} {p.ward.upper()}"
    return Agency((f"CÔNG AN {province_upper(p)}",), (unit,), "CAX", p.ward,
                  "TRƯỞNG CÔNG AN", "PHÓ TRƯỞNG CÔNG AN", "TRƯỞNG CÔNG AN", None,
                  f"Công an {p.ward_kind} {p.ward}")


def any_agency(rng: random.Random, p: Place) -> Agency:
    roll = rng.random()
    if roll < 0.3:
        return people_committee(p, commune=False)
    if roll < 0.65:
        return people_committee(p, commune=True)
    return department(rng, p)


def sign(rng: random.Random, a: Agency, *, collective: bool = True,
         office_title: str | None = None) -> SignerBlock:
    """Who signs and how the block reads: head, deputy (alone or under KT.), TM. for a
    committee, TL./TUQ. for the chief of office, Q. for an acting head."""
    office = office_title or a.office
    options = [
        (SignerBlock((a.head,), None, a.head), 3),
        (SignerBlock((f"KT. {a.head}", a.deputy), "KT.", a.deputy), 4),
        (SignerBlock((a.deputy,), None, a.deputy), 2),
        (SignerBlock((f"Q. {a.head}",), "Q.", a.head), 1),
    ]
    if office != a.head:  # a chief of office signs "by order" only where there is one
        options += [(SignerBlock((f"TL. {a.head}", office), "TL.", office), 1),
                    (SignerBlock((f"TUQ. {a.head}", office), "TUQ.", office), 1)]
    if a.collective and collective:
        options.append((SignerBlock((f"TM. {a.collective}", a.head), "TM.", a.head), 4))
    blocks, weights = zip(*options, strict=True)
    return rng.choices(blocks, weights=weights)[0]


def recipients(rng: random.Random, first: str, archive_unit: str) -> tuple[str, ...]:
    pool = ("Thường trực Hội đồng nhân dân;", "Ủy ban Mặt trận Tổ quốc Việt Nam;",
            "Thanh tra tỉnh;", "Bộ phận tiếp nhận và trả kết quả;", "Trang thông tin điện tử;",
            "Đảng ủy, HĐND xã;", "Phòng Kinh tế;", "Kho bạc Nhà nước khu vực;")
    picked = rng.sample(pool, rng.randrange(1, 4))
    return (f"- {first}", *(f"- {x}" for x in picked), f"- Lưu: VT, {archive_unit}.")
