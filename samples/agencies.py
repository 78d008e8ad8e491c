"""Issuing agencies of the synthetic documents and what they print: names, symbols, signers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from samples import data
from samples.data import Province

DEPARTMENTS_NEW: tuple[tuple[str, str], ...] = (
    ("SỞ TƯ PHÁP", "STP"), ("SỞ XÂY DỰNG", "SXD"), ("SỞ TÀI CHÍNH", "STC"),
    ("SỞ NỘI VỤ", "SNV"), ("SỞ Y TẾ", "SYT"), ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SNNMT"),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SKHCN"),
)
DEPARTMENTS_OLD: tuple[tuple[str, str], ...] = (
    ("SỞ TƯ PHÁP", "STP"), ("SỞ XÂY DỰNG", "SXD"), ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "SKHĐT"),
    ("SỞ NỘI VỤ", "SNV"), ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "STNMT"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "STTTT"),
)


@dataclass(frozen=True)
class Agency:
    parent_lines: tuple[str, ...]
    agency_lines: tuple[str, ...]
    parent_agency: str | None
    issuing_agency: str
    symbol: str  # "UBND", "STP" ...
    place: str
    head: str  # "CHỦ TỊCH", "GIÁM ĐỐC", "TRƯỞNG PHÒNG"
    deputy: str
    collective: str | None  # "ỦY BAN NHÂN DÂN" for TM. signatures
    office: str  # title of the chief of office (TL./TUQ.)
    seal_text: str


def ubnd_province(p: Province) -> Agency:
    return Agency((), ("ỦY BAN NHÂN DÂN", p.upper), None, f"ỦY BAN NHÂN DÂN {p.upper}", "UBND",
                  p.place, "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "ỦY BAN NHÂN DÂN", "CHÁNH VĂN PHÒNG",
                  f"ỦY BAN NHÂN DÂN {p.upper}")


def ubnd_commune(rng: random.Random, p: Province,
                 label: tuple[str, str] | None = None) -> Agency:
    kind, commune = label or data.commune_label(rng)
    unit = f"{kind.upper()} {commune.upper()}"
    return Agency((), ("ỦY BAN NHÂN DÂN", unit), None, f"ỦY BAN NHÂN DÂN {unit}", "UBND",
                  commune, "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "ỦY BAN NHÂN DÂN", "CHÁNH VĂN PHÒNG",
                  f"ỦY BAN NHÂN DÂN {unit} - {p.upper}")


def department(rng: random.Random, p: Province, *, new_era: bool,
               name: tuple[str, str] | None = None) -> Agency:
    dep, sym = name or rng.choice(DEPARTMENTS_NEW if new_era else DEPARTMENTS_OLD)
    parent = f"UBND {p.upper}"
    return Agency((parent,), (dep,), parent, dep, sym, p.place, "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
                  None, "CHÁNH VĂN PHÒNG", f"{dep} - {p.upper}")


def registration_office(p: Province, *, new_era: bool) -> Agency:
    dep = "SỞ TÀI CHÍNH" if new_era else "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"
    parent = f"{dep} {p.upper}"
    return Agency((parent,), ("PHÒNG ĐĂNG KÝ KINH DOANH",), parent, "PHÒNG ĐĂNG KÝ KINH DOANH",
                  "ĐKKD", p.place, "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", None, "TRƯỞNG PHÒNG",
                  f"PHÒNG ĐĂNG KÝ KINH DOANH - {parent}")


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence_name(a: Agency) -> str:
    """Agency name as written inside a sentence: "Ủy ban nhân dân tỉnh Quảng Trị"."""
    name = a.issuing_agency
    for unit in ("TỈNH ", "THÀNH PHỐ ", "XÃ ", "PHƯỜNG "):
        head = f"ỦY BAN NHÂN DÂN {unit}"
        if name.startswith(head):
            return f"Ủy ban nhân dân {unit.lower()}{name.removeprefix(head).title()}"
    if name.startswith("SỞ "):
        return "Sở " + upper_first(name.removeprefix("SỞ ").lower())
    return upper_first(name.lower())


def doc_number(rng: random.Random) -> str:
    n = rng.choice((rng.randrange(1, 10), rng.randrange(10, 100), rng.randrange(100, 3000)))
    return f"{n:02d}"


def signer(rng: random.Random, a: Agency, *, collective: bool = True, extended: bool = False
           ) -> tuple[tuple[str, ...], str | None, str]:
    """(drawn lines, authority_prefix, signer_title).

    `extended` adds deputies signing in their own name ("PHÓ GIÁM ĐỐC" alone), a standing
    deputy chair and a deputy chief of office signing TL."""
    options: list[tuple[tuple[str, ...], str | None, str]] = [
        ((f"KT. {a.head}", a.deputy), f"KT. {a.head}", a.deputy),
        ((a.head,), None, a.head),
        ((f"Q. {a.head}",), f"Q. {a.head}", a.head),
        ((f"TL. {a.head}", a.office), f"TL. {a.head}", a.office),
        ((f"TUQ. {a.head}", a.office), f"TUQ. {a.head}", a.office),
    ]
    weights = [4, 3, 1, 1, 1]
    if extended:
        options += [((a.deputy,), None, a.deputy),
                    ((f"TL. {a.head}", f"PHÓ {a.office}"), f"TL. {a.head}", f"PHÓ {a.office}")]
        weights += [3, 1]
        if a.head == "CHỦ TỊCH":
            standing = f"{a.deputy} THƯỜNG TRỰC"
            options.append(((f"KT. {a.head}", standing), f"KT. {a.head}", standing))
            weights.append(2)
    if a.collective and collective:
        options.append(((f"TM. {a.collective}", a.head), f"TM. {a.collective}", a.head))
        weights.append(5)
    return rng.choices(options, weights=weights)[0]


def recipients(rng: random.Random, a: Agency, first: str) -> tuple[str, ...]:
    pool = ["Văn phòng Chính phủ;", "Thường trực Tỉnh ủy;", "Chủ tịch, các PCT UBND tỉnh;",
            "Sở Tư pháp;", "Cổng thông tin điện tử tỉnh;", "Trung tâm Phục vụ hành chính công;",
            "Các sở, ban, ngành;", "UBND các xã, phường;"]
    picked = rng.sample(pool, rng.randrange(1, 4))
    archive = f"Lưu: VT, {rng.choice(['NC', 'KT', 'VX', 'TH', 'HCTP', 'QLXD'])}."
    if rng.random() < 0.5:
        archive = archive[:-1] + f" ({rng.randrange(2, 12):02d}b)."
    return (first, *picked, archive)
