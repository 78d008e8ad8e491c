"""Closed vocabularies of agency names, administrative units and provinces.

Tesseract is confidently wrong on Vietnamese diacritics ("TÍNH" for "TỈNH", "PHONG" for
"PHÒNG", "Trà Vĩnh" for "Trà Vinh") at word confidences of 0.9 and more, so its confidence
alone cannot tell a right agency name from a wrong one. Words that match these vocabularies
ignoring diacritics, case and spaces are restored and trusted; the remaining words (commune
names, personal names) keep their OCR confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.extract import lexicon
from pipeline.vntext import compact_key, fold, has_word_char, snap, upper_vi

AGENCY_PHRASES: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND", "VĂN PHÒNG ỦY BAN NHÂN DÂN",
    "VĂN PHÒNG HĐND VÀ UBND", "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", "VĂN PHÒNG CHÍNH PHỦ",
    "SỞ TƯ PHÁP", "SỞ XÂY DỰNG", "SỞ TÀI CHÍNH", "SỞ NỘI VỤ", "SỞ Y TẾ", "SỞ CÔNG THƯƠNG",
    "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
    "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "SỞ GIAO THÔNG VẬN TẢI", "SỞ NGOẠI VỤ",
    "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "SỞ VĂN HÓA VÀ THỂ THAO", "SỞ DU LỊCH",
    "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "SỞ DÂN TỘC VÀ TÔN GIÁO",
    "PHÒNG TƯ PHÁP", "PHÒNG TÀI CHÍNH - KẾ HOẠCH", "PHÒNG ĐĂNG KÝ KINH DOANH",
    "PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG", "PHÒNG KINH TẾ", "PHÒNG KINH TẾ, HẠ TẦNG VÀ ĐÔ THỊ",
    "PHÒNG KINH TẾ - HẠ TẦNG", "PHÒNG QUẢN LÝ ĐÔ THỊ", "PHÒNG VĂN HÓA - XÃ HỘI",
    "PHÒNG VĂN HÓA VÀ THÔNG TIN", "PHÒNG NỘI VỤ", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "PHÒNG Y TẾ",
    "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "PHÒNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
    "CHI CỤC THUẾ", "CỤC THUẾ", "CÔNG AN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
    "BỘ TƯ PHÁP", "BỘ TÀI CHÍNH", "BỘ XÂY DỰNG", "BỘ NỘI VỤ", "BỘ CÔNG AN", "BỘ Y TẾ",
)
ADMIN_UNITS: tuple[str, ...] = (
    "TỈNH", "THÀNH PHỐ", "HUYỆN", "QUẬN", "THỊ XÃ", "XÃ", "PHƯỜNG", "THỊ TRẤN", "ĐẶC KHU",
)
# Provinces and centrally-run cities, the 63 before 1 July 2025 and the 34 after, from the
# gazetteer packages (`lexicon`).
PROVINCES: tuple[str, ...] = tuple(sorted(lexicon.provinces()))

_COLLECTIVE = frozenset({"ỦY BAN NHÂN DÂN", "UBND", "HỘI ĐỒNG NHÂN DÂN", "HĐND"})
# Phrases that occur inside other agency names ("CỤC THUẾ" in "CHI CỤC THUẾ", "CÔNG AN …").
_COLLECTIVE_PARTS = frozenset({"CỤC THUẾ", "CÔNG AN", "VĂN PHÒNG CHÍNH PHỦ"})
_PHRASE_KEYS = {compact_key(p): p for p in AGENCY_PHRASES}
_UNIT_KEYS = {compact_key(u): u for u in ADMIN_UNITS}
_PROVINCE_KEYS = {compact_key(p): p for p in PROVINCES}


@dataclass(frozen=True)
class Normalised:
    text: str
    conf: float  # min OCR trust of the words not restored from a vocabulary (1.0 if none)
    trusted_all: bool
    restored: bool = False  # some diacritics came from a vocabulary, not from the page


def _match(words: Sequence[str], i: int, table: dict[str, str], max_words: int) -> tuple[str, int]:
    """Longest vocabulary entry spelled by words[i:i+k], ignoring diacritics and spaces."""
    for k in range(min(max_words, len(words) - i), 0, -1):
        hit = table.get(compact_key(" ".join(words[i:i + k])))
        if hit is not None:
            return hit, k
    return "", 0


def _truncated(words: Sequence[str]) -> tuple[str, int]:
    """A known phrase whose last few letters are missing ("ỦY BAN NHÂN" → "ỦY BAN NHÂN DÂN")."""
    for k in range(min(8, len(words)), 1, -1):
        key = compact_key(" ".join(words[:k]))
        hits = [p for pk, p in _PHRASE_KEYS.items()
                if pk.startswith(key) and len(pk) - len(key) <= 3]
        if len(hits) == 1 and len(key) >= 8:
            return hits[0], k
    return "", 0


def split_agencies(words: Sequence[tuple[str, float]]) -> list[list[tuple[str, float]]]:
    """Split words where a second known agency starts ("SỞ TÀI CHÍNH TỈNH CÀ MAU | PHÒNG
    ĐĂNG KÝ KINH DOANH"), as when OCR merges the parent and agency lines."""
    texts = [w for w, _ in words]
    out: list[list[tuple[str, float]]] = []
    start, i = 0, 0
    _, k = _match(texts, 0, _PHRASE_KEYS, 9)
    i = max(k, 1)
    while i < len(texts):
        phrase, k = _match(texts, i, _PHRASE_KEYS, 9)
        if k and phrase not in _COLLECTIVE_PARTS:
            out.append(list(words[start:i]))
            start = i
            i += k
            continue
        i += 1
    out.append(list(words[start:]))
    return [w for w in out if w]


def normalise_agency(words: Sequence[tuple[str, float]]) -> Normalised:
    """Restore an agency name: known agency phrase, administrative units, province names."""
    texts = [w for w, _ in words]
    out: list[str] = []
    untrusted: list[float] = []
    # "UBND'TỈNH": OCR glues words with a stray quote or dot; split them again
    words = [(part, c) for w, c in words for part in re.split(r"['`´‘’.]+", w)
             if has_word_char(part)]
    texts = [w for w, _ in words]
    i = 0
    phrase, k = _match(texts, 0, _PHRASE_KEYS, 9)
    if k:
        out.append(phrase)
        i = k
    else:
        phrase, k = _truncated(texts)
        if k:  # the end of the phrase was lost where the two header columns overprint
            out.append(phrase)
            untrusted.append(0.9)
            i = k
    while i < len(texts):
        unit, k = _match(texts, i, _UNIT_KEYS, 2)
        if k:
            out.append(unit)
            i += k
            place, k = _unit_name(texts, i, provinces_only=unit in ("TỈNH", "THÀNH PHỐ"))
            if k:
                out.append(place)
                i += k
            continue
        prev = texts[i - 1] if i > 0 else None
        nxt = texts[i + 1] if i + 1 < len(texts) else None
        fixed = lexicon.repair_syllable(texts[i], prev=prev, nxt=nxt) if texts[i].isalpha() \
            else lexicon.Repair(texts[i], False, False)
        out.append(fixed.text)
        # a word no vocabulary confirms keeps its OCR trust; restored or unsure, it is a guess;
        # a lone letter is what is left of a word cut at the edge or under a stamp ("TÂY Đ")
        conf = words[i][1]
        if fixed.changed or fixed.unsure:
            conf = min(conf, 0.85)
        if len(texts[i]) == 1 and texts[i].isalpha():
            conf = min(conf, 0.5)
        untrusted.append(conf)
        i += 1
    if out and out[-1] in _COLLECTIVE:
        untrusted.append(0.5)  # "ỦY BAN NHÂN DÂN" of which unit? a line was lost
    text = " ".join(out)
    restored = upper_vi(text) != upper_vi(" ".join(texts))
    return Normalised(text, min(untrusted, default=1.0), not untrusted, restored)


def _unit_name(texts: Sequence[str], i: int, *, provinces_only: bool) -> tuple[str, int]:
    """The unit name after "TỈNH"/"HUYỆN"/"XÃ" …, spelled as in the gazetteer (1-4 words)."""
    for k in range(min(4, len(texts) - i), 0, -1):
        got = lexicon.check_place(" ".join(texts[i:i + k]), provinces_only=provinces_only)
        if got.known or got.restored:
            return upper_vi(got.text), k
    return "", 0


def check_address(value: str) -> tuple[str, bool | None]:
    """Restore and check the province ending an address ("…, tỉnh Quảng Trị").

    Returns the address (province spelled as in the gazetteer) and True when the province is
    known, False when the text after "tỉnh"/"thành phố" is no province (misread), None when
    the address names no province.
    """
    value, commune_ok = _address_communes(_address_units(value))
    value, province_ok = _address_province(value)
    return value, (False if not commune_ok else province_ok)


def _address_province(value: str) -> tuple[str, bool | None]:
    texts = value.split()
    for k in range(len(texts) - 1, -1, -1):
        head = texts[k].lower()
        pair = " ".join(texts[k:k + 2]).lower()
        if head in ("tỉnh", "tp.") or pair == "thành phố":
            start = k + (2 if pair == "thành phố" else 1)
            province, n = _match(texts[start:], 0, _PROVINCE_KEYS, 4)
            if n and start + n == len(texts):
                return " ".join([*texts[:start], province]), True
            rest = " ".join(texts[start + n:])
            if n and fold(rest).strip(" .") == "viet nam":
                return " ".join([*texts[:start], province + ",", rest]), True
            if n and texts[start + n - 1].endswith(","):
                # an address runs from the smallest unit to the province: what follows the
                # province ("…, tỉnh Khánh Hòa, diện tích 120 m²") is the sentence, not it
                return " ".join([*texts[:start], province]), True
            return value, False  # a misread or missing province name
    return value, None


_COMMUNE_HEAD = re.compile(r"^(xã|phường|thị trấn|đặc khu)\s+(.+)$", re.IGNORECASE)


def _address_communes(value: str) -> tuple[str, bool]:
    """The commune of an address against the gazetteer: a name no unit has, where units differ
    from it by diacritics only ("xã Pu Nhị" for "Pu Nhi"), is a misread: restored when one
    unit fits, and unsure either way."""
    parts = value.split(", ")
    ok = True
    for k, part in enumerate(parts):
        m = _COMMUNE_HEAD.match(part)
        if m is None or any(ch.isdigit() for ch in m.group(2)):
            continue
        got = lexicon.check_place(m.group(2))
        if got.known:
            continue
        if got.restored:
            parts[k] = f"{m.group(1)} {got.text}"
        if got.restored or got.ambiguous:
            ok = False
    return ", ".join(parts), ok


_ADDRESS_UNITS = ("thành phố", "tỉnh", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường",
                  "đường", "thôn", "ấp", "khu phố", "tổ dân phố", "xóm", "bản")
_ADDRESS_UNIT_KEYS = {compact_key(u): u for u in _ADDRESS_UNITS}


def _address_units(value: str) -> str:
    """Restore the unit words that open each part of an address ("thành phổ" → "thành phố")."""
    parts = []
    for part in value.split(","):
        words = part.split()
        unit, k = _match(words, 0, _ADDRESS_UNIT_KEYS, 3)
        if k and [w.lower() for w in words[:k]] != unit.split():
            fixed = unit.split()
            if words[0][:1].isupper():
                fixed[0] = fixed[0].capitalize()
            words = [*fixed, *words[k:]]
        parts.append(" ".join(words))
    return ", ".join(p for p in parts if p)


def snap_province(text: str, *, max_edits: int = 0) -> str | None:
    """The province spelled by `text` ignoring diacritics ("Trà Vĩnh" → "Trà Vinh"); with
    max_edits=1 also one misread letter ("Quảng Ngõi" → "Quảng Ngãi")."""
    name = text.removeprefix("TP.").removeprefix("Thành phố").removeprefix("Tỉnh")
    hit = snap(name, PROVINCES, max_edits=max_edits)
    if hit is None:
        return None
    prefix = text[: len(text) - len(text.lstrip())]
    for head in ("TP. ", "Thành phố ", "Tỉnh "):
        if text.startswith(head):
            prefix = head
    return prefix + hit


def lost_word(text: str) -> str | None:
    """The known agency phrase `text` starts with but for one lost word ("SỞ VĂN HÓA, THAO VÀ
    DU LỊCH" for "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"): OCR dropped a word, so the name is unsure."""
    words = [compact_key(w) for w in text.split()]
    phrases = [[compact_key(w) for w in p.split()] for p in AGENCY_PHRASES]
    if any(words[:len(want)] == want for want in phrases):
        return None  # it starts with a known phrase as a whole
    for phrase in AGENCY_PHRASES:
        want = [compact_key(w) for w in phrase.split()]
        if len(want) < 3 or words[:len(want)] == want:
            continue
        for k in range(1, len(want)):
            if words[:len(want) - 1] == want[:k] + want[k + 1:]:
                return phrase
    return None
