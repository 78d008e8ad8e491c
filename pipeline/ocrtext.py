"""Tone marks of OCR'd page text restored with the lexicon (issue 8, item 3).

Tesseract's most frequent error on real scans is a tone mark lost over a circumflex ("thâm
quyên", "giải quyêt", "Căn cứ Nghị định sô …") and, on headings in capitals, every mark lost
("QUYÉT ĐỊNH", "CONG TY"). `repair_line` is handed to the OCR (`OcrOptions.text_repair`) and
runs on each line of a page's words: a syllable changes only where `lexicon.repair_text`
decides it (an unknown form with exactly one candidate, or a word pair of the word list that
holds exactly one candidate); a valid syllable changes only where the new one makes a common
word with a lower-case neighbour, and a tone for another tone only where that word is used
more than the syllable alone (`_tone_swaps`). A unit's name after its type takes the
gazetteer's marks (`_unit_names`). A run of words in capitals (a heading, an agency's name, a
signer's title) is read again as a whole (`_repair_capitals`): there Tesseract's marks are
much less reliable ("BIÊN BẠN HỌP", "HỢP ĐỒNG LAO ĐỌNG"), and the reading of the run that
common words make most likely is taken, a mark changed at a cost. The page's text and its
searchable layer carry the repair; the word boxes keep what Tesseract read, with its
confidence, for extraction and review.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from ocr.types import WORD_SPACE
from pipeline.extract import lexicon
from pipeline.vntext import fold

# A line is repaired only when it reads as Vietnamese: a garbled line (a stamp, a curled
# edge) has no context to decide by, and "repairing" it only moves the garbage around.
MIN_VALID_SHARE = 0.5
PASSES = 3
_WORD = re.compile(r"[^\w]*(\w+)([^\w]*)")


def _abbreviation(token: str) -> bool:
    """"CO.", "KT.", "TT.": capitals closed by a dot are an abbreviation, not a syllable."""
    m = _WORD.fullmatch(token)
    return bool(m and m.group(1).isupper() and m.group(2).startswith("."))


def _name_like(token: str) -> bool:
    """A valid syllable with a capital initial ("Liêu", "Vinh"): possibly a name, whose tone no
    word pair can judge (`repair_text` keeps those inside a line; this covers a line's first)."""
    m = _WORD.fullmatch(token)
    word = m.group(1) if m else ""
    return word[:1].isupper() and not word.isupper() and lexicon.is_syllable(word)


def repair_line(words: Sequence[str]) -> list[str]:
    """The words of one OCR'd line with tone marks restored where the lexicon decides; the
    same number of words, each changed in its marks only (and in a space Tesseract lost, or a
    stray "_" at its edge). A repair can decide its neighbour
    ("PHO CHU TỊCH": "CHỦ TỊCH", then "PHÓ CHỦ"), so the line is gone over until it holds
    (at most `PASSES` times)."""
    tokens = list(words)
    if not tokens or any(not t or " " in t for t in tokens):
        return tokens
    tokens = _capital_i_read_as_l([_without_stray_underscore(t) for t in tokens])
    tokens = _surname_marks(tokens)
    tokens, place = _place_date_place(tokens)
    kept = place | {k for k, t in enumerate(tokens) if _abbreviation(t) or _name_like(t)}
    letters = [m.group(1) for t in tokens if (m := _WORD.fullmatch(t)) and m.group(1).isalpha()]
    if len(letters) < 2:
        return _spaced(tokens)  # one word alone: no neighbour to decide its marks by
    valid = sum(lexicon.is_syllable(w) for w in letters)
    if valid >= MIN_VALID_SHARE * len(letters):
        for _ in range(PASSES):
            tokens, places = _unit_names(tokens)  # a repaired type can name its unit
            kept |= places
            again = _one_pass(tokens, kept)
            if again == tokens:
                break
            tokens = again
        else:
            tokens, places = _unit_names(tokens)
            kept |= places
        names = {k for k, t in enumerate(tokens) if _name_like(t)}
        tokens = _tone_swaps(tokens, kept - names)
        tokens = _tone_before_a_number(tokens, kept - names)
    return _spaced(_roman_numeral(_repair_capitals(tokens, kept)))


def _without_stray_underscore(token: str) -> str:
    """A word with one "_" at its start or end loses it: Tesseract writes it where a word
    meets a table's cell edge or a rule ("2_", "_SỞ"). A blank to fill in is a run of them,
    and a name joined by one ("nguyen_van") has it inside: both are kept."""
    if len(token) >= 2 and token[-1] == "_" and token[-2] != "_":
        token = token[:-1]
    if len(token) >= 2 and token[0] == "_" and token[1] != "_":
        token = token[1:]
    return token


# ---------------------------------------------------------------- a space Tesseract lost

_GLUED_NUMBER = re.compile(r"([^\W\d_]{2,})(\d\S*)")  # "Sáng02/10/2025", "ngày22"
_GLUED_COLON = re.compile(r"([^\W\d_]{2,}:)([^\W\d_]\S*)")  # "tộc:Kinh"
_GLUED_DASH = re.compile(r"([-–])([^\W\d_]+\S*)")  # a list item's dash: "-Như trên;"
_MIN_PART = 2


def _spaced(tokens: list[str]) -> list[str]:
    """Each word Tesseract ran together with the next one given its space back (as
    `WORD_SPACE`, so the line keeps a token per word): a syllable and a number ("Sáng02/10/2025"),
    a label's colon and the word after it ("tộc:Kinh"), the dash opening a list item and its
    first word ("-Như trên;"), two syllables that no syllable spells
    together but the word list pairs, split in exactly one place ("Hộtịch"); in capitals (a
    code, an abbreviation), only where the two make a unit's name of the gazetteer ("SƠNLA")."""
    out = []
    for k, token in enumerate(tokens):
        dash = _GLUED_DASH.fullmatch(token) if k == 0 else None
        if dash and len(_bare(dash.group(2))) >= 2 and lexicon.is_syllable(_bare(dash.group(2))):
            out.append(dash.group(1) + WORD_SPACE + dash.group(2))
            continue
        m = _GLUED_NUMBER.fullmatch(token) or _GLUED_COLON.fullmatch(token)
        if m and not m.group(1).isupper() and lexicon.is_syllable(m.group(1).rstrip(":")):
            out.append(m.group(1) + WORD_SPACE + m.group(2))
            continue
        out.append(_two_syllables(token))
    return out


def _two_syllables(token: str) -> str:
    m = _WORD.fullmatch(token)
    word = m.group(1) if m else ""
    if len(word) < 2 * _MIN_PART or not word.isalpha() or lexicon.is_syllable(word):
        return token
    # In capitals (a code, an abbreviation) only a unit's name is split ("TỈNH SƠNLA").
    pair = (lambda a, b: lexicon.check_place(f"{a} {b}").known) if word.isupper() else (
        lexicon.word_pair)
    splits = [k for k in range(_MIN_PART, len(word) - _MIN_PART + 1)
              if lexicon.is_syllable(word[:k]) and lexicon.is_syllable(word[k:])
              and pair(word[:k], word[k:])]
    if len(splits) != 1:
        return token
    start = token.index(word)
    k = start + splits[0]
    return token[:k] + WORD_SPACE + token[k:]


# ---------------------------------------------------------------- a unit's name after its type

_LONGEST_PLACE = 4
_PLACE_DATE = re.compile(r"^[^,\d]{2,60}, ngày \d")  # "Gia Lai, ngày 26 tháng 5 năm 2026"
_UNIT_TYPES_LONGEST_FIRST = sorted((u.split() for u in lexicon.UNIT_TYPES), key=len, reverse=True)


def _unit_names(tokens: list[str]) -> tuple[list[str], set[int]]:
    """A unit's name read right after its type ("THÀNH PHỐ CÂN THƠ", "phường Trấn Hưng Đạo")
    spelled as the gazetteer spells it, where the capitalised words after the type are no unit
    as read and exactly one unit of two syllables or more is spelled so ignoring marks
    (`lexicon.check_place`); each word changes in its marks only. Also the indices of the
    words now read as a unit's name and its type, which no later step changes ("XÃ KÉP" is
    no "xà kép")."""
    out = list(tokens)
    fixed: set[int] = set()
    lowered = [_bare(t).lower() for t in tokens]
    for k in range(len(tokens)):
        for unit in _UNIT_TYPES_LONGEST_FIRST:
            start = k + len(unit)
            if lowered[k:start] != unit and _type_misread(out, k, unit):
                lowered[k:start] = unit
            if lowered[k:start] != unit or not tokens[start - 1][-1:].isalpha():
                continue
            end = start + len(_name_words(tokens, start))
            for stop in range(end, start, -1):
                names = [_bare(t) for t in out[start:stop]]
                check = lexicon.check_place(" ".join(names))
                if check.known:
                    fixed.update(range(k, stop))  # the type too
                    break
                spelled = check.text.split(" ")
                if (check.restored and len(names) >= 2 and len(spelled) == len(names)
                        and all(_marks_only(a, b) for a, b in zip(names, spelled, strict=True))):
                    for i, new in zip(range(start, stop), spelled, strict=True):
                        out[i] = out[i].replace(names[i - start], new, 1)
                    fixed.update(range(k, stop))  # the type too
                    break
            break
    return out, fixed


def _place_date_place(tokens: list[str]) -> tuple[list[str], set[int]]:
    """The place of a place-date line ("Ba Trị, ngày 20 tháng 8 …" for "Ba Tri") spelled as
    the gazetteer spells it, where the capitalised words before the comma are no unit as
    read and exactly one unit of two syllables or more is spelled so ignoring marks; each
    word changes in its marks only. The line opens with the place, or the place follows the
    document's number read on the same line. Also the indices of the place's words."""
    if "ngày" not in tokens:
        return tokens, set()  # no place-date here (every line is repaired: keep it cheap)
    for k in range(len(tokens)):
        if (k and tokens[k - 1].isalpha()) or not _PLACE_DATE.search(" ".join(tokens[k:])):
            continue
        end = next((n for n in range(k, len(tokens)) if tokens[n].endswith(",")), None)
        if end is None or end - k + 1 < 2 or end - k + 1 > _LONGEST_PLACE:
            return tokens, set()
        names = [_bare(t) for t in tokens[k:end + 1]]
        if not all(_capitalised(t) for t in names):
            return tokens, set()
        check = lexicon.check_place(" ".join(names))
        if check.known:
            return tokens, set(range(k, end + 1))
        spelled = check.text.split(" ")
        if not (check.restored and len(spelled) == len(names)
                and all(_marks_only(a, b) for a, b in zip(names, spelled, strict=True))):
            return tokens, set()
        out = list(tokens)
        for i, new in zip(range(k, end + 1), spelled, strict=True):
            out[i] = out[i].replace(names[i - k], new, 1)
        return out, set(range(k, end + 1))
    return tokens, set()


def _name_words(tokens: list[str], start: int, *, capitals: bool = False) -> list[str]:
    """The words of a unit's name from `start`, bare: capitalised (`capitals`: in capitals),
    at most `_LONGEST_PLACE`, up to the first that ends in punctuation ("xã Phú Xuyên, tỉnh …":
    the name ends at its comma)."""
    names = []
    for t in tokens[start:start + _LONGEST_PLACE]:
        if not _capitalised(t) or (capitals and not _bare(t).isupper()):
            break
        names.append(_bare(t))
        if not t[-1:].isalpha():
            break
    return names


def _capital_i_read_as_l(tokens: list[str]) -> list[str]:
    """A unit's name opening with a capital I read as an "l" ("xã la Rsai" for "xã Ia Rsai":
    in a serif font the two are one stroke) spelled with its I, where the name follows its
    type or opens a place-date line ("la Rsai, ngày …", also after a number read on the same
    line), the name as read is no unit and with
    the I it is one of two syllables or more."""
    out = list(tokens)
    lowered = [_bare(t).lower() for t in tokens]
    for k, token in enumerate(tokens):
        if not (token[:1] == "l" and token[1:2].islower() and token.isalpha()):
            continue
        after_type = any(k >= len(u) and lowered[k - len(u):k] == u
                         for u in _UNIT_TYPES_LONGEST_FIRST)
        # a place-date line's opening, or its place after the document's number on the same
        # line ("Số: 02/TLKS la Rsai, ngày …": the two columns read as one line)
        place_date = (k == 0 or not tokens[k - 1].isalpha()) and _PLACE_DATE.search(
            " ".join(tokens[k:]))
        if not (after_type or place_date):
            continue
        names = ["I" + token[1:], *_name_words(tokens, k + 1)[:_LONGEST_PLACE - 1]]
        for stop in range(len(names), 1, -1):
            if (lexicon.check_place(" ".join(names[:stop])).known
                    and not lexicon.check_place(" ".join([token, *names[1:stop]])).known):
                out[k] = names[0]
                break
    return out


def _surname_marks(tokens: list[str]) -> list[str]:
    """A person's surname read with other marks ("Đồ Văn Thuận" for "Đỗ Văn Thuận"): a
    capitalised word that is no name, before two capitalised name syllables, takes the marks
    of the one surname spelled so ignoring marks. Two name syllables that make a common word
    ("TRUNG THÀNH") are a name only after a word that announces one (`_names_next`); there,
    too, a name syllable that is no surname takes the surname's marks ("tên: NGUYÊN HỮU
    TÍN": "Nguyên" is a given name, and the surname's place is first)."""
    out = list(tokens)
    for k in range(len(tokens) - 2):
        word = _bare(tokens[k])
        after = [_bare(t) for t in tokens[k + 1:k + 3]]
        announced = k > 0 and _names_next(tokens[k - 1])
        if (not _capitalised(tokens[k]) or lexicon.is_surname(word)
                # a name syllable read where a surname goes: only where a name is announced
                or (lexicon.is_name_part(word) and not announced)
                or not all(_capitalised(t) and lexicon.is_name_part(_bare(t))
                           for t in tokens[k + 1:k + 3])
                # words, not a name ("VỤ VĂN HÓA" is a department, no "Vũ Văn Hóa"), unless
                # a label, a form of address or a row's number says a name comes
                or (lexicon.common_pair(*after) and not announced)):
            continue
        fits = [s for s in lexicon.surnames() if fold(s).lower() == fold(word).lower()]
        if len(fits) == 1:
            surname = fits[0].upper() if word.isupper() else fits[0]
            out[k] = tokens[k].replace(word, surname, 1)
    return out


def _names_next(token: str) -> bool:
    """A word after which a person's name is written: a label ("tên:"), a form of address
    ("ông", "bà"), a table row's number."""
    return token.endswith(":") or token.isdigit() or token.lower() in _ADDRESS


_ADDRESS = frozenset({"ông", "bà", "anh", "chị", "em", "cháu"})


def _type_misread(tokens: list[str], k: int, unit: list[str]) -> bool:
    """A unit's type in capitals read with other marks ("TĨNH AN GIANG"), right before a name
    the gazetteer knows as read (a province after "tỉnh"; of one syllable only when the type
    opens the line): the type is respelled in `tokens`.
    Only in capitals, where Tesseract's marks are least reliable; in running text the same
    letters are words ("yên tĩnh", "xà nhà")."""
    start = k + len(unit)
    read = [_bare(t) for t in tokens[k:start]]
    if len(read) != len(unit) or not all(
            r.isupper() and r.lower() != u and _marks_only(r.lower(), u)
            for r, u in zip(read, unit, strict=True)):
        return False
    names = _name_words(tokens, start, capitals=True)
    # a name of one syllable only where the type opens the line ("TẬP XÀ KÉP" is gymnastics)
    shortest = 1 if k == 0 else 2
    if not any(lexicon.check_place(" ".join(names[:stop]), provinces_only=unit == ["tỉnh"]
                                   ).known for stop in range(len(names), shortest - 1, -1)):
        return False
    for i, (r, u) in enumerate(zip(read, unit, strict=True)):
        tokens[k + i] = tokens[k + i].replace(r, u.upper(), 1)
    return True


def _capitalised(token: str) -> bool:
    m = _WORD.fullmatch(token)
    return bool(m and m.group(1).isalpha() and m.group(1)[:1].isupper()
                and not token[:1].isspace() and token[:1].isalpha())


# ---------------------------------------------------------------- a tone read on no tone

def _tone_swaps(tokens: list[str], kept: set[int]) -> list[str]:
    """A valid syllable whose tone makes no word with its neighbours, where the same letters
    with another tone make a common word with one of them (`lexicon.repair_text`'s
    `tone_swaps`): Tesseract reads a stray mark over an "i" ("chỉ phí" for "chi phí"), loses
    one that has no circumflex under it ("Uy ban") and confuses hỏi with huyền or sắc on
    real scans ("bồ sung", "thấm quyền"). A tone for another tone is taken only where the
    package's VLSP text uses the word more often than the syllable as read alone: a syllable
    that is a word by itself ("ngày ký.", "thì chủ đầu tư") is not swapped into a rarer word
    ("ngày kỵ", "thí chủ"), nor is a syllable at either end of the line, whose word may go on
    across the line break ("công sử | dụng" is no "công sứ"). The word that decides is in
    lower case (a name's syllables are all capitalised: "bà Lê" is no "ba lê"), also after a
    capitalised word ("Thì đua"); words in capitals are left to `_repair_capitals`."""
    fixed, changed, _ = lexicon.repair_text(" ".join(tokens), tone_swaps=True)
    out = fixed.split(" ")
    if not changed or len(out) != len(tokens):
        return tokens
    bare = [_bare(t) for t in out]
    result = list(tokens)
    for k, (t, o) in enumerate(zip(tokens, out, strict=True)):
        was, now = _bare(t), bare[k]
        if (t == o or k in kept or not _marks_only(t, o) or was.isupper()
                or lexicon.toneless(was) != lexicon.toneless(now)):
            continue
        before = bare[k - 1] if k > 0 and not was[:1].isupper() else ""
        after = bare[k + 1] if k + 1 < len(bare) else ""
        pairs = [(a, b) for a, b, neighbour in ((before, now, before), (now, after, after))
                 if neighbour.isalpha() and neighbour.islower() and lexicon.common_pair(a, b)]
        if not pairs:
            continue
        if lexicon.toneless(was) != was and lexicon.toneless(now) != now and (
                max(_seen(*pair) for pair in pairs) <= _seen(was) or k in (0, len(tokens) - 1)):
            continue  # a tone for another: only where the word is used more than the syllable
        result[k] = o
    return result


# A syllable before a number takes another tone only where the text puts that one before
# numbers this often, and the one read never ("Điêu 3" for "Điều 3").
BEFORE_NUMBER_SEEN = 5
_NUMBER_NEXT = re.compile(r"\d+(?:[.,/]\d+)*[.,;:)]?")


def _tone_before_a_number(tokens: list[str], kept: set[int]) -> list[str]:
    """A syllable right before a number ("Điêu 3;") spelled with the one other tone that the
    VLSP text puts before numbers (`lexicon.before_numbers`: "điều" 54 times) where that text
    never has the syllable as read, as a word or before a number ("nằm 2 ngày" stays); in
    lower case or capitalised (capitals are left to `_repair_capitals`)."""
    seen = lexicon.before_numbers()
    out = list(tokens)
    for k in range(len(tokens) - 1):
        word = tokens[k]
        if (k in kept or not word.isalpha() or word.isupper()
                or not _NUMBER_NEXT.fullmatch(tokens[k + 1])):
            continue
        key = lexicon.syllable_key(word)
        if seen.get(key, 0) or _seen(word):
            continue  # a word of its own ("nằm 2 ngày", "ngay 3 ngày")
        others = [other for other, count in seen.items() if count >= BEFORE_NUMBER_SEEN
                  and other.letters == key.letters and other.marks == key.marks
                  and other.tone != key.tone]
        if len(others) == 1 and (spelled := lexicon.respell(word, others[0])):
            out[k] = spelled
    return out


def _seen(*syllables: str) -> int:
    return lexicon.word_counts().get(tuple(lexicon.syllable_key(s) for s in syllables), 0)


# A heading's Roman numeral with two I run together into an H ("IH." for "III."): in bold serif
# capitals the serifs of neighbouring I's touch. A lone "H." is left as read (an initial).
_NUMERAL_READ = re.compile(r"([IVXH]{2,})\.")
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|VI{0,3}|I{1,3})")


def _roman_numeral(tokens: list[str]) -> list[str]:
    """A line opening with a Roman numeral read with an H, its other words in capitals (a
    section heading: "IH. PHƯƠNG HƯỚNG, NHIỆM VỤ"), opens with the numeral."""
    m = _NUMERAL_READ.fullmatch(tokens[0]) if len(tokens) >= 2 else None
    if m is None or "H" not in m.group(1):
        return tokens
    if not all(_in_capitals(t) for t in tokens[1:] if any(c.isalpha() for c in t)):
        return tokens
    numeral = m.group(1).replace("H", "II")
    return [numeral + ".", *tokens[1:]] if _ROMAN.fullmatch(numeral) else tokens


def _one_pass(tokens: list[str], kept: set[int]) -> list[str]:
    fixed, changed, _ = lexicon.repair_text(" ".join(tokens))
    out = fixed.split(" ")
    if not changed or len(out) != len(tokens):
        return tokens
    bare = [_bare(t) for t in out]
    result = []
    for k, (t, o) in enumerate(zip(tokens, out, strict=True)):
        if t == o or k in kept or not _marks_only(t, o):
            result.append(t)
        elif lexicon.is_syllable(_bare(t)) and not _common_with_a_neighbour(bare, k):
            result.append(t)  # a valid syllable changes only into a common word
        else:
            result.append(o)
    return result


def _bare(token: str) -> str:
    m = _WORD.fullmatch(token)
    return m.group(1) if m else token


def _common_with_a_neighbour(bare: list[str], k: int) -> bool:
    """The repaired syllable makes a common word (`underthesea`'s Viet39K) with the syllable
    before or after it: the word list's rarer words and the place names pair a right syllable
    with a wrong tone too ("HAI PHÒNG" is a number and a word, "Hải Phòng" a city)."""
    return (k > 0 and lexicon.common_pair(bare[k - 1], bare[k])) or (
        k + 1 < len(bare) and lexicon.common_pair(bare[k], bare[k + 1]))


def _marks_only(before: str, after: str) -> bool:
    """Only diacritics differ (a safety net: a repair never changes letters or length)."""
    return len(before) == len(after) and fold(before) == fold(after)


# ---------------------------------------------------------------- runs of capitals

# Costs, in nats, of a mark Tesseract got wrong on capitals: a lost mark (the frequent error:
# "LAO ĐỌNG" for "LAO ĐỘNG") costs less than a different one ("TẢI CHÍNH" for "TÀI CHÍNH").
RESTORE_COST = 3.0
SWAP_COST = 7.0
SINGLE_PRIOR = 0.5  # a word the counts never saw, as if seen half a time
_LONGEST_WORD = 4
_CAPITALS = re.compile(r"[^\w]*([^\W\d_]+)[^\w]*")

Key = tuple[lexicon.SyllableKey, ...]


def _repair_capitals(tokens: list[str], kept: set[int]) -> list[str]:
    """Each run of two or more words in capitals read again as a whole (`_best_reading`)."""
    out = list(tokens)
    k = 0
    while k < len(tokens):
        end = k
        while end < len(tokens) and _in_capitals(tokens[end]):
            end += 1
        if end - k >= 2:
            out[k:end] = _best_reading(tokens[k:end], {i - k for i in kept if k <= i < end})
        k = max(end, k + 1)
    return out


def _in_capitals(token: str) -> bool:
    m = _CAPITALS.fullmatch(token)
    return bool(m and m.group(1).isupper())


def _best_reading(tokens: list[str], kept: set[int]) -> list[str]:
    """The run as the most likely sequence of words: each word's likelihood from how often it
    is used (`lexicon.word_counts`, a common word of two syllables or more as seen once), times
    the cost of each mark changed to read it. A syllable alone is never changed (that needs
    context), and the run changes only where its best reading beats the best one as read."""
    bare = [m.group(1) for t in tokens if (m := _CAPITALS.fullmatch(t))]
    keys = [lexicon.syllable_key(b) for b in bare]
    units = _names_and_places(bare)
    fixed = kept | units | {k for k, t in enumerate(tokens) if _abbreviation(t)}
    words: list[list[tuple[int, Key, float, bool]]] = [[] for _ in tokens]  # by last syllable
    for i in range(len(tokens)):
        words[i].append((i, (keys[i],), _log_likelihood((keys[i],)), False))
        for end in range(i + 2, min(len(tokens), i + _LONGEST_WORD) + 1):
            if not _joined(tokens[end - 2], tokens[end - 1]):
                break
            for word in _words().get(tuple(k.letters for k in keys[i:end]), ()):
                cost = _cost(bare[i:end], keys[i:end], word, fixed, i)
                if cost and units.intersection(range(i, end)):
                    continue  # a word across a name's edge ("XÃ BÔNG TRANG" is no "XÀ BÔNG")
                if cost is not None:
                    words[end - 1].append((i, word, _log_likelihood(word) - cost, cost > 0))
    best, reading = _viterbi(words, changes=True)
    as_read, _ = _viterbi(words, changes=False)
    if best <= as_read:
        return tokens
    out = list(tokens)
    for k, key in enumerate(reading):
        if key != keys[k]:
            m = _CAPITALS.fullmatch(tokens[k])
            assert m is not None
            new = lexicon.respell(bare[k], key)
            if new is not None and _marks_only(bare[k], new):  # `_cost` checked it
                out[k] = tokens[k][:m.start(1)] + new + tokens[k][m.end(1):]
    return out


def _joined(left: str, right: str) -> bool:
    """No word runs across punctuation ("HÀ NỘI, VIỆT NAM")."""
    return left[-1:].isalpha() and right[:1].isalpha()


def _cost(bare: list[str], read: list[lexicon.SyllableKey], word: Key, fixed: set[int],
          start: int) -> float | None:
    """The cost of reading `word` where `bare` was read, or None where it may not be read: a
    fixed syllable changed, two marks of the word read differently (then it is another word),
    a name's syllable changed into no name, or a syllable the inventory does not spell."""
    cost = 0.0
    swaps = 0
    for t, (r, w) in enumerate(zip(read, word, strict=True)):
        if r == w:
            continue
        if start + t in fixed or lexicon.respell(bare[t], w) is None:
            return None
        if lexicon.is_name_part(bare[t]) and not lexicon.is_name_part(
                lexicon.respell(bare[t], w) or ""):
            return None
        lost = r.tone in ("", w.tone) and all(w.marks.count(c) >= r.marks.count(c)
                                               for c in r.marks)
        swaps += not lost
        cost += RESTORE_COST if lost else SWAP_COST
    return cost if swaps <= 1 else None


def _viterbi(words: list[list[tuple[int, Key, float, bool]]], *, changes: bool
             ) -> tuple[float, list[lexicon.SyllableKey]]:
    """The best segmentation of the run into words (log-likelihood, syllable keys)."""
    best: list[tuple[float, list[lexicon.SyllableKey]]] = [(0.0, [])]
    for end in range(len(words)):
        options = [(best[i][0] + score, best[i][1] + list(word))
                   for i, word, score, changed in words[end] if changes or not changed]
        best.append(max(options, key=lambda o: o[0]))
    return best[-1]


def _log_likelihood(word: Key) -> float:
    counts = lexicon.word_counts()
    total = max(1, _total())
    seen = counts.get(word, 0)
    if len(word) == 1:
        return math.log((seen + SINGLE_PRIOR) / total)
    in_list = word in lexicon.common_words().get(tuple(k.letters for k in word), ())
    return math.log((seen + in_list) / total) if seen + in_list else -math.inf


@lru_cache(maxsize=1)
def _words() -> dict[tuple[str, ...], tuple[Key, ...]]:
    """Words of two syllables or more, by their letters: the common-word lists' and those the
    counts saw (terms and names no list holds)."""
    out = {k: set(v) for k, v in lexicon.common_words().items()}
    for word in lexicon.word_counts():
        if len(word) > 1:
            out.setdefault(tuple(k.letters for k in word), set()).add(word)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@lru_cache(maxsize=1)
def _total() -> int:
    return sum(lexicon.word_counts().values())


def _names_and_places(bare: list[str]) -> set[int]:
    """Syllables no word list judges: a run of name syllables (three or more, or two after a
    surname: "NGUYỄN VĂN" is no "NGUYÊN VĂN"), and a span read as a unit's name ("CAO BẰNG")."""
    out: set[int] = set()
    k = 0
    while k < len(bare):
        end = k
        while end < len(bare) and lexicon.is_name_part(bare[end]):
            end += 1
        if end - k >= 3 or (end - k == 2 and lexicon.is_surname(bare[k])):
            out.update(range(k, end))
        k = max(end, k + 1)
    for i in range(len(bare)):
        for end in range(i + 2, min(len(bare), i + _LONGEST_WORD) + 1):
            if lexicon.known_place_words(bare[i:end]):
                out.update(range(i, end))
    return out
