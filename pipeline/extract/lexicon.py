"""Lexicons from maintained packages: administrative units, Vietnamese words, personal names.

- Administrative units after 1 July 2025 (34 provinces, 3,321 communes) from `vietnam-provinces`;
  the 63 provinces, their districts and ~10,000 communes before it from `vietnamadminunits`
  (its bundled parser data, read as JSON: the package's parser is not needed).
- The Vietnamese word list of `underthesea` (Viet74K): its syllables are the syllable
  inventory, its multi-syllable words give the word pairs that decide between two valid
  syllables ("công bố", not "công bô").
- Common surnames and given names from `vn-fullname-generator`.

These lists hold what the country and the language hold, not what `samples/` draws, so a match
in them is evidence about any document. Everything loads once, lazily, on first use.

Repair policy (issue 8): a syllable is changed only where the OCR'd form is not a known syllable
(or, in a name or place, not a known name part) and exactly one candidate differs from it by
diacritics alone; a valid syllable is changed only where a word pair of the word list decides
it unambiguously. Anything else is left as read and reported unsure, so the caller lowers the
confidence instead of guessing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from pipeline.vntext import fold


def _package_dir(name: str) -> Path | None:
    """Directory of an installed package, without importing it (underthesea's import is slow)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


# ---------------------------------------------------------------- words and syllables

@lru_cache(maxsize=1)
def _words() -> tuple[str, ...]:
    base = _package_dir("underthesea")
    path = base / "corpus" / "data" / "Viet74K.txt" if base else None
    if path is None or not path.exists():
        return ()
    return tuple(_lower(w) for w in path.read_text("utf-8").split("\n") if w.strip())


_SYLLABLE_BREAK = re.compile(r"[\s\-]+")


def _syllables_of(text: str) -> list[str]:
    return [s for s in _SYLLABLE_BREAK.split(_lower(text)) if s]


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every syllable of the word list, of names and of administrative-unit names (lower case)."""
    out: set[str] = set()
    for w in _words():
        out.update(_syllables_of(w))
    for name in (*surnames(), *given_name_syllables()):
        out.add(_lower(name))
    for unit in admin_names():
        out.update(_syllables_of(unit))
    return frozenset(s for s in out if s.isalpha())


@lru_cache(maxsize=1)
def word_pairs() -> frozenset[tuple[str, str]]:
    """Adjacent syllable pairs inside the multi-syllable words of the word list and unit names."""
    pairs: set[tuple[str, str]] = set()
    for w in (*_words(), *admin_names()):
        parts = [_ckey(p) for p in _syllables_of(w)]
        pairs.update(zip(parts, parts[1:], strict=False))
    return frozenset(pairs)


@lru_cache(maxsize=1)
def common_word_pairs() -> frozenset[tuple[str, str]]:
    """Adjacent syllable pairs of the common words only: `underthesea`'s Viet11K, 22K and 39K
    (the most used of Viet74K; a word can be in one list and not the next), and the words of
    two syllables or more its VLSP text uses `COUNTED_COMMON` times or more ("đầu tư", which
    no list holds). Enough to swap a tone ("tố chức" → "tổ chức"), where a rare word or a
    place name ("vệ dân") would swap a right syllable ("dữ liệu về dân cư")."""
    words = list(_common_list_words())
    words += [w for w, seen in Counter(_vlsp_tokens()).items() if seen >= COUNTED_COMMON]
    pairs: set[tuple[str, str]] = set()
    for w in words:
        parts = [_ckey(p) for p in _syllables_of(w)]
        pairs.update(zip(parts, parts[1:], strict=False))
    return frozenset(pairs)


COUNTED_COMMON = 2


def word_pair(a: str, b: str) -> bool:
    """Do two adjacent syllables make (part of) a word of the word list or a unit's name?"""
    return (_ckey(a), _ckey(b)) in word_pairs()


def common_pair(a: str, b: str) -> bool:
    """Do two adjacent syllables make (part of) a common word ("tổ chức"; not a place name)?"""
    return (_ckey(a), _ckey(b)) in common_word_pairs()


@lru_cache(maxsize=65536)
def _ckey(syllable: str) -> str:
    """Spelling-independent key: "hòa" and "hoà" (old and new tone placement), "kỳ" and "kì"
    (i or y after a consonant: the word list writes "kì thi", a decree "kỳ thi") are one."""
    nfd = unicodedata.normalize("NFD", syllable.lower())
    tones = "".join(c for c in nfd if c in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    if _CONSONANT_Y.fullmatch(fold(base)):
        base = base[:-1] + "i"
    return base + tones


def _preferred(spellings: Iterable[str]) -> str:
    """Of equivalent spellings, the one with the tone on the first vowel of oa/oe/uy ("hòa")."""
    def score(s: str) -> tuple[int, str]:
        base = unicodedata.normalize("NFD", s)
        k = next((i for i, c in enumerate(base) if c in _TONES), len(base))
        return k, s
    return min(spellings, key=score)


@lru_cache(maxsize=1)
def _by_fold() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for s in syllables():
        groups[fold(s)].add(s)
    return {k: frozenset(v) for k, v in groups.items()}


@lru_cache(maxsize=8)
def _keys_of(inventory: frozenset[str]) -> frozenset[str]:
    return frozenset(_ckey(s) for s in inventory)


def is_syllable(token: str) -> bool:
    return _lower(token) in syllables()


# Tesseract loses a tone mark stacked on a vowel's own mark (â ê ô ă ơ ư) far more than others.
_CIRCUMFLEXED = re.compile("[âêôăơư]")
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


@lru_cache(maxsize=65536)
def toneless(syllable: str) -> str:
    """The syllable without its tone mark ("quyết" → "quyêt"); the vowels' own marks stay."""
    nfd = unicodedata.normalize("NFD", syllable)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))


def _same_case(fixed: str, model: str) -> str:
    if model.isupper():
        return fixed.upper()
    if model[:1].isupper():
        return fixed[:1].upper() + fixed[1:]
    return fixed


@dataclass(frozen=True)
class Repair:
    text: str
    changed: bool
    unsure: bool  # left as read, but no lexicon confirms it (or several candidates fit)


def repair_syllable(token: str, *, prev: str | None = None, nxt: str | None = None,
                    allowed: frozenset[str] | None = None, tone_swaps: bool = False,
                    prev_bound: bool = False, nxt_bound: bool = False) -> Repair:
    """A token's diacritics checked against the inventory (or `allowed`), with context.

    - known (and, with a neighbour, not contradicted by a word pair): kept;
    - unknown with exactly one candidate differing in diacritics only: restored;
    - known but a neighbour forms a word with exactly one other candidate and not with it
      ("công bô" → "công bố"): restored;
    - with `tone_swaps`, known but a neighbour forms a word with exactly one candidate of the
      same letters and another tone and not with it ("tố chức" → "tổ chức", "chỉ phí" → "chi
      phí": Tesseract confuses sắc/hỏi/huyền and reads a stray mark): restored, but reported
      unsure too, since one word pair is one weak signal; never where that neighbour already
      makes a common word with its other neighbour (`prev_bound`, `nxt_bound`: "chuyển mục
      đích" stays, "mục đích" holds "mục");
    - anything else: kept and reported unsure.
    """
    word = _lower(token)
    if not word.isalpha():
        return Repair(token, False, False)
    inventory = allowed if allowed is not None else syllables()
    inventory_keys = _keys_of(inventory)
    spellings: dict[str, set[str]] = defaultdict(set)
    for c in _by_fold().get(fold(word), frozenset()) | ({word} if word in inventory else set()):
        if _ckey(c) in inventory_keys:
            spellings[_ckey(c)].add(c)
    wkey = _ckey(word)
    if wkey in spellings:
        spellings[wkey] = {word}  # a known spelling is kept as written
    candidates = sorted(_preferred(v) for v in spellings.values())
    every_candidate = candidates
    word_known = wkey in inventory_keys
    # OCR loses or confuses the tone mark far more often than the vowel's own mark (â, ơ, ư):
    # candidates keeping the letters as read, differing in tone only, are tried first.
    same_letters = [c for c in candidates if toneless(c) == toneless(word)]
    if same_letters and (not word_known or allowed is None):
        candidates = same_letters
    pairs = word_pairs()

    def in_pair(c: str) -> bool:
        return (prev is not None and (_ckey(prev), _ckey(c)) in pairs) or (
            nxt is not None and (_ckey(c), _ckey(nxt)) in pairs)

    if word_known:
        if (prev is None and nxt is None) or in_pair(word):
            return Repair(token, False, False)
        # A valid syllable is changed only where its tone mark was lost (the frequent OCR
        # error: "công bô"), never swapped for another tone ("nước thuộc" stays).
        paired = [c for c in candidates if c != word and in_pair(c)]
        if toneless(word) == word and _CIRCUMFLEXED.search(word) and len(paired) == 1:
            return Repair(_same_case(paired[0], token), True, False)
        common = common_word_pairs()
        prev_free = prev is not None and not prev_bound
        nxt_free = nxt is not None and not nxt_bound
        swaps = [c for c in candidates if c != word and (
            (prev_free and (_ckey(prev or ""), _ckey(c)) in common)
            or (nxt_free and (_ckey(c), _ckey(nxt or "")) in common))]
        if tone_swaps and allowed is None and len(swaps) == 1:
            return Repair(_same_case(swaps[0], token), True, True)
        if token.isupper() and len(token) > 1 and fold(word) == word:
            # capitals read without any mark ("PHẦN MEM" for "PHẦN MỀM"): a word pair with
            # exactly one candidate of any letters decides
            any_paired = [c for c in every_candidate if c != word and in_pair(c)]
            if len(any_paired) == 1:
                return Repair(_same_case(any_paired[0], token), True, False)
        # Tesseract confuses tone marks (hỏi/huyền "bồ sung", sắc/hỏi "Kiếm tra") and, on
        # capitals, vowel marks ("TRỤC" for "TRỰC"): a word pair that contradicts the syllable
        # as read makes it unsure, without changing it.
        objecting = paired or [c for c in every_candidate if c != word and in_pair(c)]
        return Repair(token, False, bool(objecting))
    if len(candidates) == 1:
        return Repair(_same_case(candidates[0], token), True, False)
    paired = [c for c in candidates if in_pair(c)]
    if not paired and candidates is not every_candidate:
        # Capitals lose the vowel's own mark with the tone ("HỢP NHAT" for "HỢP NHẤT", "đữ
        # liệu" for "dữ liệu"): a form no syllable has, whose neighbour makes a word with
        # exactly one candidate of any letters, is that word.
        paired = [c for c in every_candidate if in_pair(c)]
    if len(paired) == 1:
        return Repair(_same_case(paired[0], token), True, False)
    return Repair(token, False, True)


def repair_text(text: str, *, tone_swaps: bool = False) -> tuple[str, int, int]:
    """(text with syllables repaired, repairs made, syllables left unsure).

    `tone_swaps` (running text: a subject, a recipient): a known syllable whose tone makes no
    word with its neighbours is swapped for the one tone that does (`repair_syllable`), and a
    capitalised word inside the text is checked too (an institution's name, "Uy ban" for "Ủy
    ban"); both stay unsure."""
    tokens = text.split(" ")
    bound_left, bound_right = _bound(tokens)
    out: list[str] = []
    changed = unsure = 0
    for k, tok in enumerate(tokens):
        m = re.fullmatch(r"([^\w]*)(\w+)([^\w]*)", tok)
        if m is None or not m.group(2).isalpha() or (m.group(2).isupper() and len(m.group(2)) > 1
                                                      and not is_syllable(m.group(2))
                                                      and fold(m.group(2)) not in _by_fold()):
            out.append(tok)  # numbers, abbreviations ("UBND", "TTHC")
            continue
        word = m.group(2)
        proper = k > 0 and word[:1].isupper() and not word.isupper() and is_syllable(word)
        if proper and not tone_swaps:
            out.append(tok)  # a proper name inside a sentence ("ông Lê Đức …"): kept
            continue
        prev = _bare(tokens[k - 1]) if k > 0 else None
        nxt = _bare(tokens[k + 1]) if k + 1 < len(tokens) else None
        r = repair_syllable(m.group(2), prev=prev, nxt=nxt, tone_swaps=tone_swaps,
                            prev_bound=k > 0 and bound_left[k - 1],
                            nxt_bound=k + 1 < len(tokens) and bound_right[k + 1])
        if proper and not r.changed:
            out.append(tok)  # a name's syllable no word pair decides is its own ("Lê Đức")
            continue
        changed += r.changed
        unsure += r.unsure or proper  # a name changed by its neighbour is a guess
        out.append(m.group(1) + r.text + m.group(3))
    return " ".join(out), changed, unsure


def _bound(tokens: list[str]) -> tuple[list[bool], list[bool]]:
    """Per token: does it make a common word with its left (right) neighbour, that neighbour
    not being taken by its own other side? ("sung công chức": "công" goes with "chức", so
    "sung" is free for "bổ sung"; "mục đích sử": "mục" is held by "đích")."""
    bare = [_bare(t) for t in tokens]
    common = common_word_pairs()

    def pair(i: int, j: int) -> bool:
        a, b = bare[i], bare[j]
        if a is None or b is None or not tokens[i][-1:].isalnum():
            return False  # "cư, định": no word runs across a comma
        return (_ckey(a), _ckey(b)) in common

    n = len(tokens)
    right = [False] * n
    for j in range(n - 2, -1, -1):
        right[j] = pair(j, j + 1) and not right[j + 1]
    left = [False] * n
    for j in range(1, n):
        left[j] = pair(j - 1, j) and not left[j - 1]
    return left, right


def _bare(token: str) -> str | None:
    m = re.fullmatch(r"[^\w]*(\w+)[^\w]*", token)
    return m.group(1) if m and m.group(1).isalpha() else None


# ---------------------------------------------------------------- words in context

class SyllableKey(NamedTuple):
    """A syllable as letters, vowel marks and tone, apart: "hòa" and "hoà", "quý" and "quí" are
    one key (old and new tone placement, i or y after a consonant)."""

    letters: str  # folded, with "i" for a final "y" after a consonant
    marks: str  # the vowel marks (circumflex, breve, horn) and "đ", sorted
    tone: str  # the combining tone mark, or ""


_CONSONANT_Y = re.compile(r"(?:qu|[bcdghklmnprstvx]|ch|gh|kh|ng|ngh|nh|ph|th|tr)y")


@lru_cache(maxsize=32768)
def syllable_key(syllable: str) -> SyllableKey:
    word = _lower(syllable)
    letters = fold(word)
    if _CONSONANT_Y.fullmatch(letters):
        letters = letters[:-1] + "i"
    nfd = unicodedata.normalize("NFD", word)
    marks = "".join(sorted(c for c in nfd if unicodedata.combining(c) and c not in _TONES))
    return SyllableKey(letters, marks + "đ" * word.count("đ"),
                       "".join(c for c in nfd if c in _TONES))


def respell(token: str, key: SyllableKey) -> str | None:
    """`token` with the marks of `key`, its letters and case as read ("QUY" → "QUÝ"), or None
    where no syllable of the inventory is so spelled."""
    found = [c for c in _by_fold().get(fold(_lower(token)), ()) if syllable_key(c) == key]
    # the word list spells a few with the tone on the consonant's letter ("qúy", "gía")
    found = [c for c in found if not _ONSET_TONE.match(c)] or found
    return _same_case(_preferred(found), token) if found else None


_ONSET_TONE = re.compile("(?:q[úùủũụ]|g[íìỉĩị])[aăâeêioôơuưy]")


@lru_cache(maxsize=1)
def _common_list_words() -> tuple[str, ...]:
    """The lines of `underthesea`'s common-word lists, Viet11K, 22K and 39K (the most used of
    Viet74K; a word can be in one list and not the next)."""
    base = _package_dir("underthesea")
    words: list[str] = []
    for name in ("Viet11K.txt", "Viet22K.txt", "Viet39K.txt"):
        path = base / "corpus" / "data" / name if base else None
        if path is not None and path.exists():
            words += path.read_text("utf-8").split("\n")
    return tuple(dict.fromkeys(words))  # the lists overlap: each word once


@lru_cache(maxsize=1)
def common_words() -> dict[tuple[str, ...], tuple[tuple[SyllableKey, ...], ...]]:
    """The words of two to four syllables of `underthesea`'s common-word lists (Viet11K, 22K and
    39K: a word can be in one list and not the next), by their letters."""
    found: set[tuple[SyllableKey, ...]] = set()
    for w in _common_list_words():
        parts = _syllables_of(w)
        if 2 <= len(parts) <= 4 and all(p.isalpha() for p in parts):
            found.add(tuple(syllable_key(p) for p in parts))
    by_letters: dict[tuple[str, ...], list[tuple[SyllableKey, ...]]] = defaultdict(list)
    for word in sorted(found):
        by_letters[tuple(k.letters for k in word)].append(word)
    return {k: tuple(v) for k, v in by_letters.items()}


@lru_cache(maxsize=1)
def word_counts() -> dict[tuple[SyllableKey, ...], int]:
    """How often each word occurs in the word-segmented VLSP 2013 text `underthesea` ships with
    its tagger (68,000 words of laws and news): "của" and "quy định" often, "cửa nhà" never.
    Empty where the package does not ship it (then nothing is decided by it)."""
    counts: dict[tuple[SyllableKey, ...], int] = defaultdict(int)
    for token, seen in Counter(_vlsp_tokens()).items():  # each spelling keyed once
        parts = _syllables_of(token)
        if 1 <= len(parts) <= 4 and all(p.isalpha() for p in parts):
            counts[tuple(syllable_key(p) for p in parts)] += seen
    return dict(counts)


_NUMBER_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*")


@lru_cache(maxsize=1)
def before_numbers() -> dict[SyllableKey, int]:
    """How often each syllable stands right before a number in the same VLSP text ("điều
    5", "khoản 2", "năm 2013": often; "điêu" never)."""
    counts: dict[SyllableKey, int] = defaultdict(int)
    tokens = _vlsp_tokens()
    for word, after in zip(tokens, tokens[1:], strict=False):
        if _NUMBER_TOKEN.fullmatch(after) and word.isalpha():
            counts[syllable_key(word)] += 1
    return dict(counts)


@lru_cache(maxsize=1)
def _vlsp_tokens() -> tuple[str, ...]:
    """The words of that text, one per occurrence ("tiếp cận", "thông tin")."""
    base = _package_dir("underthesea")
    path = (base / "pipeline" / "pos_tag" / "models" / "pos_crf_vlsp2013_20230303"
            / "test_output.txt") if base else None
    if path is None or not path.exists():
        return ()
    return tuple(t for line in path.read_text("utf-8").split("\n")
                 if (t := line.split("\t")[0].strip()))


# ---------------------------------------------------------------- personal names

@lru_cache(maxsize=1)
def _name_data() -> tuple[tuple[str, ...], tuple[str, ...]]:
    base = _package_dir("vn_fullname_generator")
    if base is None:
        return (), ()
    data = base / "data"
    family = tuple(unicodedata.normalize("NFC", s.strip())
                   for s in (data / "first.name").read_text("utf-8").split("\n") if s.strip())
    given: set[str] = set()
    for f in ("male.name", "female.name"):
        for line in (data / f).read_text("utf-8").split("\n"):
            given.update(unicodedata.normalize("NFC", s) for s in line.split())
    return family, tuple(sorted(given))


def surnames() -> tuple[str, ...]:
    return _name_data()[0]


def given_name_syllables() -> tuple[str, ...]:
    return _name_data()[1]


@lru_cache(maxsize=1)
def _name_parts() -> frozenset[str]:
    return frozenset(_lower(s) for s in (*surnames(), *given_name_syllables(), "thị", "văn"))


def is_name_part(word: str) -> bool:
    """A known surname, middle or given name syllable, with its marks as written."""
    return _lower(word) in _name_parts()


def is_surname(word: str) -> bool:
    return _lower(word) in _surname_set()


@lru_cache(maxsize=1)
def _surname_set() -> frozenset[str]:
    return frozenset(_lower(s) for s in surnames())


@dataclass(frozen=True)
class NameCheck:
    text: str
    known: bool  # every syllable a known surname / middle / given name (after repair)
    repaired: bool
    ambiguous: bool  # a syllable had several candidates: left as read


def check_person_name(name: str) -> NameCheck:
    """A personal name checked syllable by syllable against the names lexicon.

    The first syllable must be a known surname. A syllable no name holds is restored when
    exactly one name syllable differs from it by diacritics only ("Hổ" → "Hồ" only if "Hổ" is
    no name and "Hồ" the only candidate).
    """
    parts = name.split()
    if not parts:
        return NameCheck(name, False, False, False)
    family = frozenset(_lower(s) for s in surnames())
    out: list[str] = []
    known = repaired = ambiguous = False
    known = True
    for k, part in enumerate(parts):
        allowed = family if k == 0 else _name_parts()
        if k > 0 and is_syllable(part):
            # a valid syllable after the surname is kept: the names list is far from complete
            # ("Đình" is missing while the surname "Đinh" is in it)
            out.append(part)
            known &= _lower(part) in allowed
            continue
        r = repair_syllable(part, allowed=allowed)
        out.append(r.text)
        repaired |= r.changed
        ambiguous |= r.unsure
        known &= _lower(r.text) in allowed
    return NameCheck(" ".join(out), known, repaired, ambiguous)


# ---------------------------------------------------------------- administrative units

UNIT_TYPES = ("thành phố", "tỉnh", "quận", "huyện", "thị xã", "thị trấn", "xã", "phường",
              "đặc khu")


def _short(name: str) -> str:
    """"Thành phố Hà Nội" → "Hà Nội"; "Phường 12" stays whole."""
    low = _lower(name)
    for t in UNIT_TYPES:
        if low.startswith(t + " "):
            rest = name[len(t) + 1:].strip()
            return name if rest.isdigit() else rest
    return name


@lru_cache(maxsize=1)
def _units() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(provinces now, provinces before July 2025, every unit name old and new), short names."""
    new_provinces: set[str] = set()
    old_provinces: set[str] = set()
    names: set[str] = set()
    try:
        from vietnam_provinces import Province, Ward

        for p in Province.iter_all():
            new_provinces.add(_short(p.name))
        for w in Ward.iter_all():
            names.add(_short(w.name))
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    base = _package_dir("vietnamadminunits")
    legacy = base / "data" / "parser_legacy.json" if base else None
    if legacy is not None and legacy.exists():
        data = json.loads(legacy.read_text("utf-8"))
        for p in data["DICT_PROVINCE"].values():
            old_provinces.add(unicodedata.normalize("NFC", p["provinceShort"]))
        for districts in data["DICT_PROVINCE_DISTRICT"].values():
            for d in districts.values():
                names.add(unicodedata.normalize("NFC", d["districtShort"]))
        for districts in data["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].values():
            for wards in districts.values():
                for w in wards.values():
                    if isinstance(w.get("wardShort"), str):  # a few entries hold NaN
                        names.add(unicodedata.normalize("NFC", w["wardShort"]))
    names.update(new_provinces, old_provinces)
    names = {n for n in names if n and not n.isdigit()}
    return frozenset(new_provinces), frozenset(old_provinces), frozenset(names)


def provinces() -> frozenset[str]:
    """Province-level names, current and before 1 July 2025 ("Huế", "Thừa Thiên Huế" …)."""
    new, old, _ = _units()
    return new | old


def admin_names() -> frozenset[str]:
    """Short names of every province, district and commune, old and new."""
    return _units()[2]


@lru_cache(maxsize=4)
def _unit_index(which: str) -> dict[str, frozenset[str]]:
    names = provinces() if which == "provinces" else admin_names()
    idx: dict[str, set[str]] = defaultdict(set)
    for n in names:
        idx[_key(n)].add(n)
    return {k: frozenset(v) for k, v in idx.items()}


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(unicodedata.normalize("NFC", text)))


@dataclass(frozen=True)
class PlaceCheck:
    text: str
    known: bool  # spelled exactly as a unit of the gazetteer
    restored: bool  # diacritics restored from the only unit spelled so ignoring them
    ambiguous: bool  # several units are spelled so ignoring diacritics


def check_place(name: str, *, provinces_only: bool = False) -> PlaceCheck:
    """A place name against the gazetteer (case-insensitive; diacritics restored if unique)."""
    idx = _unit_index("provinces" if provinces_only else "all")
    read = " ".join(name.split())
    hits = _one_per_name(idx.get(_key(name), frozenset()), read)
    exact = [h for h in hits if _lower(h) == _lower(read)]
    if exact:
        return PlaceCheck(_case_like(exact[0], name), True, False, False)
    if len(hits) == 1:
        return PlaceCheck(_case_like(next(iter(hits)), name), False, True, False)
    return PlaceCheck(name, False, False, len(hits) > 1)


def _one_per_name(hits: Iterable[str], read: str) -> list[str]:
    """One spelling per name where the gazetteer's sources write a name in two letter cases
    ("Pa Ủ" and "Pa ủ"): the one written as read, else the one capitalising the most
    syllables (each syllable of a place name is capitalised, Decree 30 Annex II) and fewest
    other letters; the choice never rests on a set's iteration order."""
    groups: dict[str, list[str]] = {}
    for h in sorted(hits):
        groups.setdefault(_lower(h), []).append(h)

    def capitalised(h: str) -> tuple[int, int]:
        return (sum(w[:1].isupper() for w in h.split()), -sum(c.isupper() for c in h))

    return [read if read in g else max(g, key=capitalised) for g in groups.values()]


def _case_like(value: str, model: str) -> str:
    letters = [c for c in model if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return value.upper()
    return value


def known_place_words(words: Iterable[str]) -> bool:
    return check_place(" ".join(words)).known


def join_split_syllables(text: str) -> str:
    """Rejoin a syllable OCR cut in two ("khu v ực" → "khu vực"): two neighbouring pieces whose
    concatenation is a syllable that makes a word with the token before or after, while the
    pieces make none."""
    tokens = text.split(" ")
    pairs = word_pairs()

    def pair(a: str | None, b: str | None) -> bool:
        return bool(a and b and a.isalpha() and b.isalpha()
                    and (_ckey(_lower(a)), _ckey(_lower(b))) in pairs)

    out: list[str] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if nxt and tok.isalpha() and nxt.isalpha() and (tok.islower() or nxt.islower()):
            joined = tok + nxt
            before = out[-1] if out else None
            after = tokens[k + 2] if k + 2 < len(tokens) else None
            if (is_syllable(joined) and (pair(before, joined) or pair(joined, after))
                    and not (pair(before, tok) or pair(tok, nxt) or pair(nxt, after))):
                out.append(joined)
                k += 2
                continue
        out.append(tok)
        k += 1
    return " ".join(out)
