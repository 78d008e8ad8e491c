"""Field parsers for the header and signature parts of an administrative document.

Each parser takes the `Doc` and returns a `Found` (value, raw confidence, reason) or None when
the document does not state the field. Raw confidence = OCR confidence of the words the value came
from × strength of the pattern × position; validation happens in `pipeline.extract`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from pipeline.extract import lexicon
from pipeline.extract import patterns as P
from pipeline.extract.doc import Doc, place_start, title_type
from pipeline.extract.layout import Line, WordBox
from pipeline.extract.vocab import AGENCY_PHRASES, lost_word, normalise_agency, split_agencies
from pipeline.vntext import (
    collapse,
    fix_digit_token,
    fold,
    has_word_char,
    is_upper_text,
    snap,
    strip_punct,
    to_digits,
)


@dataclass(frozen=True)
class Found:
    value: object
    conf: float
    reason: str | None = None


def word_trust(conf: float) -> float:
    """Trust in a word of text from its OCR confidence 0..1.

    Measured on Tesseract vie+Vietnamese: right words sit at 0.92-0.97, wrong ones mostly below
    0.93 but sometimes as high as 0.97, so only ≥ 0.94 earns full trust.
    """
    return max(0.0, min(1.0, (conf - 0.6) / 0.34))


def token_trust(conf: float) -> float:
    """Trust in a number or symbol token: Tesseract scores right tokens such as "06/QĐ-UBND"
    or "001090012345" at 0.7-0.93, lower than words, and wrong ones below ~0.5."""
    return max(0.0, min(1.0, (conf - 0.45) / 0.35))


def digit_trust(conf: float) -> float:
    """Trust in the short digit runs of a date (day, month): a misread day ("13" for "18") is
    still a valid date, so nothing downstream catches it; measured on real scans such misreads
    came at 0.70-0.80, right ones at 0.85 and more."""
    return max(0.0, min(1.0, (conf - 0.6) / 0.3))


def line_conf(line: Line, start: int = 0, end: int | None = None,
              trust: Callable[[float], float] = word_trust) -> float:
    """Trust in the text line[start:end]: the least trusted word decides."""
    end = len(line.text) if end is None else end
    confs = [c for s, e, c in line.word_spans if s < end and e > start]
    return trust(min(confs) if confs else line.conf)


def words_of(line: Line) -> list[tuple[str, float]]:
    """(word, OCR confidence) pairs of a line (the line confidence when there are no boxes)."""
    if line.word_spans:
        return [(line.text[s:e], c) for s, e, c in line.word_spans]
    return [(w, line.conf) for w in line.text.split()]


# ---------------------------------------------------------------- number and symbol

def _fix_symbol_part(part: str, *, runs_on: bool = False) -> tuple[str, bool]:
    """Canonical symbol part: known abbreviations get their Đ back ("QD" → "QĐ").

    `runs_on`: letters follow the part in the text without a space ("UBNDQuảng"), so a
    trailing capitalised word start is cut off; otherwise a final lower-case letter belongs to
    the symbol (mixed-case symbols exist, as Annex III's "QyĐ" and "TTr").
    """
    folded = fold(part)
    for abbr in {a for a in P.DOC_TYPES.values() if a}:
        if fold(abbr) == folded and part != abbr:
            return abbr, True
    if part in P.MIXED_CASE_ABBRS:
        return part, False
    cut = re.match(r"[A-ZĐ0-9]+(?=[A-ZĐ][a-zđ])", part)
    if cut and (runs_on or re.search(r"[A-ZĐ][a-zđ]{2,}$", part)):
        return cut.group(0), True  # "UBNDQuảng": the symbol ran into the next word
    if re.fullmatch(r"[A-ZĐ]{2,}[a-zđ]", part):  # a mixed-case symbol part
        return part, False
    if not re.fullmatch(r"[A-ZĐ0-9]+", part):
        return part.upper(), True
    return part, False


def parse_number_symbol(text: str) -> tuple[str, bool] | None:
    """Normalised "15/QĐ-UBND" from OCR text after "Số:"; flag True when it was repaired."""
    m = P.NUMBER_SYMBOL.match(text.strip())
    if m is None:
        return None
    repaired = False
    num = m["num"]
    fixed_num = fix_digit_token(num[:-1]) + num[-1] if num[-1].isalpha() else fix_digit_token(num)
    if not fixed_num[:1].isdigit() or not re.fullmatch(r"\d+[A-Z]?", fixed_num):
        return None
    repaired |= fixed_num != num
    parts = [fixed_num]
    if m["year"]:
        year = fix_digit_token(m["year"])
        if not year.isdigit():
            return None
        repaired |= year != m["year"]
        parts.append(year)
    sym_parts = []
    stripped = text.strip()
    runs_on = m.end() < len(stripped) and stripped[m.end()].isalpha()
    raws = re.split(r"\s*-\s*", m["sym"])
    for k, raw in enumerate(raws):
        part, changed = _fix_symbol_part(raw, runs_on=runs_on and k == len(raws) - 1)
        repaired |= changed
        if not part:
            break
        sym_parts.append(part)
        if changed and raw != part and fold(raw) != fold(part):
            break  # the symbol ran into the next word: stop here
    parts.append("-".join(sym_parts))
    repaired |= bool(re.search(r"\s", m.group(0)))
    return "/".join(parts), repaired


_BLANK_NUMBER = re.compile(r"^\s*(so|s6|s0)\s*[:;.,]\s*(?![0-9oil|])")


def find_number_symbol(doc: Doc) -> Found | None:
    i = doc.number_line
    if i is None:
        for j in doc.first_page[:25]:  # "Số:      /QĐ-UBND": the number is written by hand
            if _BLANK_NUMBER.match(doc.folded[j]) and "/" in doc.lines[j].text:
                return Found(None, 0.0, "number not printed (handwritten?): type it in")
        return None
    line, f = doc.lines[i], doc.folded[i]
    m = P.NUMBER_LABEL.match(f)
    assert m is not None
    rest = line.text[m.end():]
    parsed = parse_number_symbol(rest)
    if parsed is None:
        token = rest.split()[0] if rest.split() else ""
        digits = to_digits(token)
        if not digits:
            return Found(None, 0.0, "number after 'Số:' is unreadable")
        return Found(digits, 0.7 * line_conf(line, m.end(), m.end() + len(token), token_trust))
    value, repaired = parsed
    # every word the value was read from counts ("985/QĐ- TT": the lost "g" of "TTg" shows
    # in the second word's confidence, not in the first's)
    whole = P.NUMBER_SYMBOL.match(rest.strip())
    lead = len(rest) - len(rest.lstrip())
    span_end = m.end() + lead + max(whole.end() if whole else 0, len(rest.split()[0]))
    conf = line_conf(line, m.end(), span_end, token_trust)
    strength = 0.85 if repaired else 1.0
    read = re.sub(r"[\s/\-]", "", rest.split()[0]) if rest.split() else ""
    if len(re.sub(r"[/\-]", "", value)) < len(read) and not rest.split()[0].endswith((",", ".")):
        strength = 0.6  # the symbol was cut where it seemed to run into a word: a guess
    position = 1.0 if not line.has_box or line.zone() == "left" else 0.85
    return Found(value, conf * strength * position)


# ---------------------------------------------------------------- dates

def parse_vn_date(folded: str, start: int = 0) -> tuple[date | None, re.Match[str] | None]:
    """Date from a folded "ngày 05 tháng 3 năm 2024" phrase at or after `start`."""
    m = P.DATE_PHRASE.search(folded, start)
    if m is None:
        return None, None
    return _make_date(m["d"], m["m"], m["y"]), m


def _make_date(d: str, m: str, y: str) -> date | None:
    dd, mm, yy = to_digits(d), to_digits(m), to_digits(y)
    if not (dd and mm and len(yy) == 4):
        return None
    try:
        return date(int(yy), int(mm), int(dd))
    except ValueError:
        return None


def parse_numeric_date(text: str) -> tuple[date | None, re.Match[str] | None]:
    fixed = re.sub(r"[\w|!]+", lambda m: fix_digit_token(m.group(0)), text)
    m = P.NUMERIC_DATE.search(fixed)
    if m is None:
        return None, None
    return _make_date(m["d"], m["m"], m["y"]), m


def _date_line(doc: Doc, i: int, *, header: bool = False) -> tuple[date | None, float] | None:
    """A "<Place>, ngày … tháng … năm …" line standing on its own, or None.

    In the header's right column a place garbled by OCR ("ên Quang, ngày …") still leaves a
    usable date: a short comma-ended prefix is accepted there, with less confidence.
    """
    line, f = doc.lines[i], doc.folded[i]
    m = P.DATE_PHRASE.search(f)
    if m is None:
        return None
    tail = line.text[m.end():].strip()
    if len(tail) > 2:
        return None
    start = place_start(line.text, m.start())
    strength = 1.0
    if start is None or line.text[:start].strip():
        prefix = line.text[:m.start()].strip()
        garbled_place = header and prefix.endswith(",") and len(prefix.split()) <= 6 and (
            not line.has_box or line.zone() == "right")
        if not garbled_place:
            return None
        strength = 0.8
    elif start == m.start():
        strength = 0.85
    value = _make_date(m["d"], m["m"], m["y"])
    return value, line_conf(line, m.start(), m.end(), digit_trust) * strength


def find_issue_date(doc: Doc) -> Found | None:
    """Issue date from the place-date line: header of page 1, else above the signer block."""
    header_end = doc.title_line if doc.title_line is not None else None
    head = [i for i in doc.first_page[:30] if header_end is None or i < header_end]
    if doc.has_boxes:
        head = [i for i in head if doc.lines[i].y < 0.45]
    for i in head:
        got = _date_line(doc, i, header=True)
        if got is not None:
            value, conf = got
            position = 1.0 if not doc.lines[i].has_box or doc.lines[i].zone() == "right" else 0.9
            if value is None:
                return Found(None, 0.0, "issue date phrase is unreadable")
            return Found(value, conf * position)
    for i in head:
        line, f = doc.lines[i], doc.folded[i]
        if P.DATE_PHRASE_DAMAGED.search(f) and not P.DATE_PHRASE.search(f) and (
                not line.has_box or line.zone() != "left"):
            # the place-date line is there but its day or month cannot be read: never take a
            # date from the body instead
            return Found(None, 0.0, "issue date on the place-date line is unreadable "
                                    "(handwritten or damaged): type it in")
    tail = doc.signature_page[-25:]
    for i in reversed(tail):
        line = doc.lines[i]
        if line.has_box and (line.y < 0.4 or line.x0 < 0.3):
            continue
        got = _date_line(doc, i)
        if got is not None:
            value, conf = got
            if value is None:
                return Found(None, 0.0, "issue date phrase is unreadable")
            return Found(value, conf * 0.95)
    return None


# ---------------------------------------------------------------- header block

def _header_lines(doc: Doc) -> list[int]:
    """Left-column header lines of page 1, above the "Số:" line (or the title)."""
    end = doc.number_line if doc.number_line is not None else doc.title_line
    out = []
    for i in doc.first_page[:20]:
        if end is not None and i >= end:
            break
        line, f = doc.lines[i], doc.folded[i]
        if line.has_box and (line.zone() == "right" or line.y > 0.35):
            continue
        if P.MOTTO_NATION.search(f) or P.MOTTO_SLOGAN.search(f) or P.RULE_LINE.match(line.text):
            continue
        if P.DATE_PHRASE.search(f) or _BLANK_NUMBER.match(f) or P.NUMBER_LABEL.match(f):
            continue
        if P.STAMP_LINE.search(f) or P.COPY_MARK.match(f):
            continue
        text = line.text.strip(" _=—~")
        if text and is_upper_text(text, min_ratio=0.8):
            out.append(i)
    return out


def find_agencies(doc: Doc) -> tuple[Found | None, Found | None]:
    """(issuing agency, parent agency) from the top-left block."""
    groups: list[list[int]] = []
    for i in _header_lines(doc):
        f = doc.folded[i]
        if groups and not P.AGENCY_START.match(f):  # a wrapped name goes on
            groups[-1].append(i)
        else:
            groups.append([i])
    if not groups:
        return None, None
    names: list[list[tuple[str, float]]] = []
    for group in groups:  # OCR may merge two header lines: split before a known agency
        words = [w for i in group for w in words_of(doc.lines[i]) if w[0].strip(" _=—~")]
        names.extend(split_agencies(words))

    def found(words: list[tuple[str, float]]) -> Found:
        norm = normalise_agency(words)
        # every word a known phrase or unit: trusted, less so when its marks were restored
        conf = (0.9 if norm.restored else 0.98) if norm.trusted_all else word_trust(norm.conf)
        text = collapse(norm.text).strip(" .,;:")
        if lost_word(text) is not None:
            return Found(text, min(conf, 0.6), "a word of the agency name seems lost")
        if _NAME_CUT.search(text.lower()):  # "SỞ KHOA HỌC VÀ": its next line was not taken
            return Found(text, min(conf, 0.6), "the agency name ends mid-phrase")
        if _GHOST_WORD.search(text):  # "SỞ _TƯ TƯ PHÁP": a speck read as a word beside it
            return Found(text, min(conf, 0.6), "a speck or a doubled word in the agency name")
        return Found(text, conf)

    agency = found(names[-1])
    if len(names) < 2:
        return agency, Found(None, agency.conf)
    parent = found(names[-2])
    if parent.conf < 0.98:  # a district or commune name nothing else confirms
        parent = Found(parent.value, min(parent.conf, 0.79))
    return agency, parent


# A name does not end with a conjunction or "của"; compared with the tone marks, as a place
# name may fold to the same letters ("Núi Voi", "Phú La").
_NAME_CUT = re.compile(r"(?:^|\s)(và|của|hoặc|với|các|những)\s*[,;:-]?\s*$")


# A word with a speck glued to it ("_TƯ") or a word read twice in a row ("TƯ TƯ").
_GHOST_WORD = re.compile(r"(?:^|\s)[_~|^\\]+\w|\w[_~|^\\]+(?:\s|$)|\b(\w+)\s+\1\b")


# ---------------------------------------------------------------- title and subject

def find_doc_type(doc: Doc) -> Found | None:
    i = doc.title_line
    if i is not None:
        line = doc.lines[i]
        text = collapse(line.text.strip(" :.,\"'“”„`-–"))
        canonical = snap(text, P.DOC_TITLES)
        conf = line_conf(line)
        if canonical is not None:  # a known title, diacritics and spacing restored
            return Found(canonical, max(conf, 0.95) if canonical == text else max(conf, 0.9))
        canonical = snap(text, P.DOC_TITLES, max_edits=1)
        if canonical is not None:  # one letter misread in a known title
            return Found(canonical, 0.85)
        # a known title cut short ("… ĐĂNG KÝ DOANH"): its end is on the next line, or lost
        going_on = _going_on(text, P.DOC_TITLES)
        if going_on:
            for j in doc.next_lines(i, limit=1):
                whole = snap(f"{text} {doc.lines[j].text.strip()}", P.DOC_TITLES)
                if whole is not None:
                    return Found(whole, min(conf, line_conf(doc.lines[j])) * 0.95)
            # its end was lost: the one known title it begins, if only one, still unsure
            cut = going_on[0] if len(going_on) == 1 and len(fold(text).split()) >= 3 else text
            return Found(cut, min(conf, 0.6), "the title seems cut: a known title goes on")
        # a title no list knows: confirmed only when it starts with a known type and the word
        # list accepts every syllable as read
        fixed, changed, unsure = lexicon.repair_text(text.upper())
        words_ok = not changed and not unsure and all(
            lexicon.is_syllable(w) for w in re.findall(r"[^\W\d_]+", fixed))
        if words_ok and title_type(text) is not None:
            return Found(fixed, conf * 0.9)
        return Found(fixed, min(conf * 0.9, 0.79), "document type not a known title")
    if _is_letter(doc):
        return Found(P.LETTER_TYPE, 0.95)
    return None


def _is_letter(doc: Doc) -> bool:
    """An official letter: "V/v" subject or "Kính gửi" on page 1, no type abbreviation."""
    has_vv = any(P.SUBJECT_LETTER.match(doc.folded[i]) for i in doc.first_page[:30])
    has_kg = any(P.LETTER_ADDRESSEE.match(doc.folded[i]) for i in doc.first_page[:40])
    return has_vv or has_kg


def find_subject(doc: Doc) -> Found | None:
    """Trích yếu, only from its position (Decree 30 Annex I): the sentence-case lines under the
    type title, or "V/v …" under the number of a letter.

    Lines printed under a title that belong to the form (a legal form "CÔNG TY CỔ PHẦN", a
    continuation of the title in capitals, "(Bản sao)", "(Sử dụng cho …)", a permit number)
    are never the subject. Certificates, permits and civil-status extracts have a subject only
    when it is introduced as one ("Về việc …").
    """
    if doc.title_line is not None:
        title = doc.lines[doc.title_line]
        stated_only = _form_type(title.text)
        candidates = [c for c in doc.next_lines(doc.title_line, limit=8)
                      if has_word_char(doc.lines[c].text)]  # not a speck read as "-"
        while candidates and _form_line(doc, candidates[0]):
            candidates = candidates[1:]
        if not candidates:
            return None
        first = doc.folded[candidates[0]]
        if stated_only and not SUBJECT_OK.match(first):
            return None
        return _subject_lines(doc, candidates[:6], letter=False, axis=title)
    for i in doc.first_page[:30]:
        if P.SUBJECT_LETTER.match(doc.folded[i]):
            return _subject_lines(doc, [i, *doc.next_lines(i, limit=5)], letter=True,
                                  axis=doc.lines[i])
    number = doc.number_line
    for i in doc.first_page[:30]:  # "V/ Góp ý …": the second v lost, right under the number
        if number is not None and number < i <= number + 3 and _LETTER_DAMAGED.match(
                doc.folded[i]) and doc.lines[i].zone() in ("left", ""):
            found = _subject_lines(doc, [i, *doc.next_lines(i, limit=5)], letter=True,
                                   axis=doc.lines[i])
            if found is None or not isinstance(found.value, str):
                return found
            text = re.sub(r"^\s*[Vv]\s*/\s*(?:[WwYyUu](?=\s))?\s*", "V/v ", found.value)
            return Found(text, min(found.conf, 0.79), found.reason or "'V/v' read damaged")
    return None


# "V/ Góp ý …" (the second v lost) or "V/w rà soát …" (read as a look-alike letter)
_LETTER_DAMAGED = re.compile(r"^\s*v\s*/\s*(?:[wyu]\s+|\s+)(?=[a-z])")


# Types whose lines under the title are a form, not a trích yếu (sector law, not Annex III).
_FORM_TYPES = re.compile(r"^\s*(giay\s*(chung\s*nhan|phep|xac\s*nhan|khai\s*sinh|chung\s*tu)|"
                         r"trich\s*luc|chung\s*chi|bang\b|phieu\s*ly\s*lich)")


def _form_type(title: str) -> bool:
    return bool(_FORM_TYPES.match(fold(title)))


def _form_line(doc: Doc, i: int) -> bool:
    """A line of the form under the title: capitals, in parentheses, a number, a code."""
    text = doc.lines[i].text.strip()
    f = doc.folded[i]
    if not text or P.RULE_LINE.match(text):
        return True
    if text.startswith(("(", "[")) or P.NUMBER_LABEL.match(f) or re.match(r"^\s*ma\s*so", f):
        return True
    return is_upper_text(text) and not COLLECTIVE.match(f) and not HEAD_TITLE.match(f)


# A collective authority line under the title ("ỦY BAN NHÂN DÂN TỈNH …") is not a subject.
COLLECTIVE = re.compile(r"^\s*(uy\s*ban|ubnd|hoi\s*dong\s*nhan\s*dan|hdnd)\b")
SUBJECT_OK = re.compile(r"^\s*(ve|v/v)\b")
HEAD_TITLE = re.compile(r"^\s*(chu\s*tich|giam\s*doc|truong\s*(phong|ban)|cuc\s*truong|"
                        r"bo\s*truong|thu\s*truong|chanh\s*an|vien\s*truong|hieu\s*truong|"
                        r"thu\s*tuong)\b")


def _subject_lines(doc: Doc, candidates: list[int], *, letter: bool, axis: Line) -> Found | None:
    picked: list[int] = []
    left_out: int | None = None  # the line the subject stopped before
    for i in candidates:
        if letter and picked and _beside(doc.lines[i], doc.lines[picked[-1]]):
            continue  # the right-hand column of the same header row (place and date)
        if not _subject_line(doc, i, letter=letter, axis=axis, first=picked[0] if picked else None):
            left_out = i
            break
        picked.append(i)
        if not letter and doc.lines[i].text.rstrip().endswith((";", ":")):
            break
    if not picked:
        return None
    text, widened = _joined_subject(doc, picked)
    conf = min(line_conf(doc.lines[i]) for i in picked)
    if widened:  # a letter of a numeral was lost: restored from its box, a guess
        return Found(text, min(conf, 0.6), "a Roman numeral was read short of its box")
    if left_out is not None and (_opens_lower(doc.lines[left_out].text) or _subject_line(
            doc, left_out, letter=letter, axis=doc.lines[left_out], first=picked[0])):
        # the next line goes on a sentence, or would have been taken had it been centred (a
        # skewed or curled page moves it): the subject may not end here
        return Found(text, min(conf, 0.6), "a line that seems to go on the subject was left out")
    if _DANGLING.search(fold(text)):  # "… định kỳ của": a line of the subject was not taken
        return Found(text.strip(), min(conf, 0.5), "the subject ends mid-phrase")
    if text.strip()[:1].islower():  # a trích yếu opens with a capital: its first line was lost
        return Found(text.strip(), min(conf, 0.5), "the subject starts mid-phrase")
    return Found(text.strip(), conf * (1.0 if SUBJECT_OK.match(fold(text)) else 0.9))


def _joined_subject(doc: Doc, picked: list[int]) -> tuple[str, int]:
    """The subject's text and how many Roman numerals were read short of their box."""
    tokens = [(_numeral_as_wide(w, box), w) for i in picked
              for w, box in _tokens_and_boxes(doc.lines[i])]
    text = collapse(" ".join(w for w, _ in tokens if has_word_char(w) or w in ("-", "–")))
    text = re.sub(r"^\s*[Vv]\s*/\s*[Vv]\s*[:.]?\s*", "V/v ", text).strip()
    return text, sum(w != read for w, read in tokens)


def _tokens_and_boxes(line: Line) -> list[tuple[str, WordBox | None]]:
    tokens = line.text.split()
    if len(tokens) == len(line.words):
        return list(zip(tokens, line.words, strict=True))
    return [(t, None) for t in tokens]


# An "I" of a Times numeral with its spacing is about half as wide as it is high (advance
# 0.333 em, cap height 0.662 em in Times New Roman): "III" read "II" keeps the box of three
# letters.
_I_WIDTH = 0.52


def _numeral_as_wide(token: str, box: WordBox | None) -> str:
    """A Roman numeral of I's as many letters long as its box is wide ("II" in the box of
    three letters is "III"); other tokens as read."""
    core = token.strip(",.;:()")
    if box is None or not core or set(core) != {"I"} or box.height <= 0:
        return token
    count = box.width / box.height / _I_WIDTH
    n = round(count)
    if len(core) < n <= 4 and abs(count - n) < 0.3:
        return token.replace(core, "I" * n)
    return token


def _opens_lower(text: str) -> bool:
    """The line's first word opens in lower case: it goes on a sentence. A block (the body's
    opening phrase, an article, the authority line, a label) opens with a capital."""
    first = next((w for w in text.split() if any(c.isalpha() for c in w)), "")
    return next((c for c in first if c.isalpha()), "").islower()


# A Vietnamese phrase does not end with a preposition or a conjunction.
_DANGLING = re.compile(r"\b(cua|va|ve|cho|voi|doi\s*voi|trong|tai|tu|den|theo|thuoc|cac|nhung|"
                       r"hoac|de|o|tren|duoi|vao|ra|boi|la)\s*[,;:-]?\s*$")


def _beside(line: Line, other: Line) -> bool:
    """Same row, to the right of `other`."""
    return line.page == other.page and line.row == other.row and (
        not line.has_box or line.x0 > other.x1)


def _centred_on(line: Line, axis: Line) -> bool:
    """Centred on the same axis as the title."""
    return abs(line.centre - axis.centre) < 0.03


def _subject_line(doc: Doc, i: int, *, letter: bool, axis: Line, first: int | None) -> bool:
    line, f = doc.lines[i], doc.folded[i]
    # a body's opening phrase ("Thực hiện …") opens with a capital; in lower case under the
    # subject's first line the same words go on the subject ("… thủ tục / thực hiện …")
    opener = P.BODY_START.match(f) and (first is None or not _opens_lower(line.text))
    if opener or P.RECIPIENTS_LABEL.match(f) or P.RULE_LINE.match(line.text):
        return False
    if P.MOTTO_NATION.search(f) or P.MOTTO_SLOGAN.search(f):
        return False
    if COLLECTIVE.match(f) and first is None and not letter or (
            HEAD_TITLE.match(f) and is_upper_text(line.text)):
        return False  # the authority line in capitals; "Chủ tịch …" may go on a subject
    if ":" in line.text and not SUBJECT_OK.match(f) and not line.text.lstrip().startswith("("):
        return False
    if letter:
        stop = P.LETTER_ADDRESSEE.match(f) or P.DATE_PHRASE.search(f) or (
            line.has_box and line.zone() != "left")
        return first is None or not stop
    if is_upper_text(line.text):
        return False  # a trích yếu is in sentence case; capitals are the authority line
    if line.has_box and not _centred_on(line, axis):
        return False
    if first is None:
        return True
    if line.has_box:
        prev = doc.lines[i - 1]
        return line.y - prev.y <= 2.6 * max(prev.h, 0.004)
    return len(line.text.split()) <= 14


# ---------------------------------------------------------------- signer and recipients

def _signer_block(doc: Doc) -> list[int]:
    """Right-column lines at the bottom of the last page, top to bottom."""
    idx = doc.signature_page
    if not idx:
        return []
    block: list[int] = []
    if doc.has_boxes:
        for i in reversed(idx):
            line = doc.lines[i]
            if line.conf < 0.6:
                continue  # signature or seal scribble
            if line.x0 < 0.38:
                if line.x1 > 0.6 and block:
                    break  # body text spanning the page: the block is above it
                continue
            if block and line.x1 < 0.5:
                continue
            block.append(i)
            if len(block) >= 14:
                break
        return sorted(block)
    start = doc.recipients_line if doc.recipients_line is not None else max(0, idx[0])
    return [i for i in idx if i >= start][-16:]


_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][a-zđà-ỹ]+$|^[A-ZĐÀ-Ỹ]+$")


# First words of agency names and titles, with diacritics: folded they collide with surnames
# ("TRƯỜNG" school vs "Trương", "ĐỘI" vs "Đội" …), so they are compared unfolded.
_NOT_NAME_START = frozenset({
    "ỦY", "UỶ", "UBND", "HĐND", "SỞ", "PHÒNG", "BỘ", "CỤC", "TỔNG", "BAN", "TÒA", "TOÀ",
    "VIỆN", "BỆNH", "TRƯỜNG", "HỘI", "KHO", "CÔNG", "CHI", "VĂN", "TRUNG", "CHỦ", "GIÁM", "PHÓ",
    "CHÁNH", "THƯ", "CỘNG", "ĐỘC", "NƠI", "KÍNH", "QUYẾT", "THÔNG", "GIẤY", "TRÍCH", "KẾ", "BIÊN",
})


def looks_like_name(text: str, *, labelled: bool = False) -> bool:
    """2-7 capitalised alphabetic words that do not start like an agency or a title.

    `labelled`: the text follows a name label ("Họ, chữ đệm, tên người cha:"), where a name in
    capitals is the rule, so a surname that is also an agency word may be in capitals too."""
    words = text.split()
    if not 2 <= len(words) <= 7:
        return False
    if not all(w[:1].isupper() and w.isalpha() for w in words):
        return False
    if words[0].upper() in _NOT_NAME_START and not _surname_like_agency_word(
            words, capitals=labelled):
        return False
    if snap(text, P.SIGNER_TITLES, max_edits=1):
        return False
    f = fold(text)
    return not (P.AUTHORITY_LINE.match(f) or P.MOTTO_NATION.search(f))


def _surname_like_agency_word(words: list[str], *, capitals: bool = False) -> bool:
    """"Văn Thảo Phương Dung": a few surnames are also the first word of an agency or a title
    ("VĂN PHÒNG"). Agency and title lines are printed in capitals and go on with agency words;
    a name is title case (capitals only after a name label), three or more syllables, none of
    them another agency word."""
    if len(words) < 3 or (not capitals and any(w.isupper() and len(w) > 1 for w in words)) or \
            any(w.upper() in _NOT_NAME_START for w in words[1:]):
        return False
    return all(lexicon.is_syllable(w) for w in words)


def _signer_part(doc: Doc, i: int) -> str:
    """The signer-column part of a line (flat text merges it with the recipients column)."""
    text = doc.lines[i].text
    if doc.lines[i].has_box:
        return text
    f = doc.folded[i]
    m = P.RECIPIENTS_LABEL.match(f)
    if m:
        text, f = text[m.end():], f[m.end():]
    if text.lstrip().startswith(("-", "+", "•")):
        cut = re.search(r"[;.]\s+(?=[A-ZĐ])", text)
        return text[cut.end():] if cut else ""
    if text.rstrip().endswith(";") or _formula(strip_punct(text)) is not None:
        return ""  # a recipient printed without a bullet ("Sở Tư pháp;", "Lưu: VT, VP.")
    return text


def _scribble(line: Line, text: str) -> bool:
    """OCR of a handwritten signature or a seal: few real words, low confidence."""
    words = [w for w in text.split() if sum(c.isalpha() for c in w) >= 2]
    if not words:
        return True
    confs = [c for _, _, c in line.word_spans]
    return bool(confs) and sum(confs) / len(confs) < 0.6


def read_sideways(doc: Doc, lines: list[int]) -> bool:
    """Most words of these lines are taller than wide: the page was read turned by 90°, its
    words in the wrong order ("Nơi CHỦ nhận: TỊCH"). Nothing read there can be trusted."""
    tall = wide = 0
    for i in lines:
        for w in doc.lines[i].words:
            if sum(c.isalpha() for c in w.text) < 3:
                continue
            if w.height > 1.5 * w.width:
                tall += 1
            else:
                wide += 1
    return tall >= 3 and tall > wide


def find_signer(doc: Doc) -> tuple[Found | None, Found | None, Found | None]:
    """(name, title, authority prefix) from the bottom-right block of the last page."""
    # a speck at either end of a line ("; TUQ. CHỦ TỊCH _") is no part of it
    parts = [(i, re.sub(r"[\"'`´‘’“”„]", "", _signer_part(doc, i)).strip(" _~|\\^")
              .lstrip(" ;:,."))
             for i in _signer_block(doc)]
    parts = [(i, t) for i, t in parts if t and not P.SIGN_NOISE.match(fold(t))
             and not _scribble(doc.lines[i], t)]
    name_at = _name_index([t for _, t in parts])
    if name_at is None:  # the name was not read (under the signature, the seal)
        titles = _title_lines(parts)
        if not titles or not snap(_without_prefix(titles[-1][1]), P.SIGNER_TITLES):
            return None, None, None
        # the lowest title line, with the authority line right above it if there is one
        titles = [t for t in titles[-2:-1] if _MISREAD_AUTHORITY.match(fold(t[1]))] + \
            titles[-1:]
        title, prefix = _title_and_prefix(doc, titles)
        # nothing below confirms that this is the signer's block: unsure
        return None, Found(title.value, min(title.conf, 0.79), title.reason or
                           "no signer name under the title"), prefix
    i_name, name = parts[name_at]
    name_found = Found(collapse(name), line_conf(doc.lines[i_name]))
    titles = _title_lines(parts[:name_at])
    if not titles:  # no title read above the name: whether a prefix was there is unknown
        return name_found, None, Found(None, min(name_found.conf, 0.5),
                                       "no signer title read")
    title, prefix = _title_and_prefix(doc, titles)
    return name_found, title, prefix


def _without_prefix(text: str) -> str:
    """"KT. TRƯỞNG PHÒNG" → "TRƯỞNG PHÒNG": the title after an authority prefix on its line."""
    m = P.AUTHORITY_LINE.match(fold(text))
    return text[m.end():] if m else text


def _name_index(texts: list[str]) -> int | None:
    """The signer's name: the last name-like line (title case first, capitals as fallback)."""
    for want_mixed in (True, False):  # names are title case (Decree 30)
        for k in range(len(texts) - 1, -1, -1):
            if looks_like_name(texts[k]) and (not want_mixed or not is_upper_text(texts[k])):
                return k
    return None


def _title_lines(parts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Capitals lines right above the name, up to the authority line ("KT. CHỦ TỊCH")."""
    titles: list[tuple[int, str]] = []
    for i, t in reversed(parts):
        if _MISREAD_AUTHORITY.match(fold(t)) and not P.AUTHORITY_LINE.match(fold(t)):
            titles.insert(0, (i, t))  # "TI.. CHỦ TỊCH": an authority line misread
            break
        if _place_line(t):
            continue  # the wrapped end of "TM. ỦY BAN NHÂN DÂN / TỈNH QUẢNG TRỊ"
        if P.DATE_PHRASE.search(fold(t)) or not is_upper_text(t, min_ratio=0.8) or (
                snap(t, AGENCY_PHRASES)) or not _plausible_title(t):
            if titles:
                break
            continue
        titles.insert(0, (i, t))
        if P.AUTHORITY_LINE.match(fold(t)) or len(titles) >= 3:
            break
    return titles


_UNIT_HEAD = re.compile(r"^\s*(tinh|thanh\s*pho|huyen|quan|thi\s*xa|xa|phuong|thi\s*tran|tp)"
                        r"\b[.\s]*")


def _place_line(text: str) -> bool:
    """A place name ("QUẢNG TRỊ", "TỈNH QUẢNG TRỊ"): the end of a wrapped authority line,
    never a signer title."""
    f = fold(text)
    m = _UNIT_HEAD.match(f)
    name = text[m.end():] if m else text
    if not name.strip() or snap(name, P.SIGNER_TITLES):
        return False
    got = lexicon.check_place(name.strip(" .,"))
    return got.known or got.restored


_MISREAD_AUTHORITY = re.compile(r"^\s*(?:[a-z]{1,3}\s*[.,:]{1,2}|(?:tm|kt|tl|tuq)\s)\s*(?=\S)")


def _plausible_title(text: str) -> bool:
    """Real words, not a stroke of the signature read as '\\ HỊ'."""
    return sum(c.isalpha() for c in text) >= 4 and not any(c in "\\|/~`^_" for c in text)


def _title_and_prefix(doc: Doc, titles: list[tuple[int, str]]) -> tuple[Found, Found]:
    """Signer title (restored from the vocabulary) and the authority prefix closest to it."""
    prefix_conf = min(line_conf(doc.lines[i]) for i, _ in titles)
    lines = [t for _, t in titles]
    prefixes = [m for m in (P.AUTHORITY_LINE.match(fold(t)) for t in lines) if m]
    prefix = Found(prefixes[-1].group(1).upper() + "." if prefixes else None, prefix_conf)
    misread = [t for t in lines if _MISREAD_AUTHORITY.match(fold(t))
               and not P.AUTHORITY_LINE.match(fold(t))]
    restored = None
    if misread and not prefixes:
        prefix = Found(None, 0.3, "authority prefix unreadable")
        restored = _confusable_prefix(misread[-1])
        if restored is not None:
            prefix = Found(restored, min(prefix_conf, 0.79), "authority prefix restored")
    own = [t for t in lines if not P.AUTHORITY_LINE.match(fold(t)) and t not in misread]
    if own:  # the title may wrap: "PHÓ CHỦ TỊCH" / "THƯỜNG TRỰC"
        title = " ".join(own)
    else:  # "Q. CHỦ TỊCH": the title follows the prefix on the same line
        # a prefix read wrong but restored ("Q:" for "Q.") is no part of the title either; a
        # token no prefix can be stays ("P. TRƯỞNG PHÒNG", the deputy's "P.")
        mark = prefixes[-1] if prefixes else (
            _MISREAD_AUTHORITY.match(fold(lines[-1])) if restored else None)
        title = lines[-1][mark.end():] if mark else lines[-1]
        if snap(title, AGENCY_PHRASES):  # "TM. ỦY BAN NHÂN DÂN": the title line was lost
            return Found(None, 0.0, "signer title unreadable"), prefix
    title = collapse(title).strip(" .,")
    conf = min(line_conf(doc.lines[i]) for i, t in titles if t in own) if own else \
        line_conf(doc.lines[titles[-1][0]])
    canonical = snap(title, P.SIGNER_TITLES)
    reason = None
    if canonical is not None and canonical != title:  # diacritics and spacing restored
        # restored from a hand list: one weak signal, so below the review threshold
        title, conf, reason = canonical, min(conf, 0.79), "title restored from the titles list"
    elif canonical is None and _going_on(title, P.SIGNER_TITLES, within_a_word=True):
        # "GIÁM" for "GIÁM ĐỐC", "PHÓ C" for "PHÓ CHỦ TỊCH": the OCR lost the end of the
        # line; its own confidence says nothing about the letters it did not read
        conf, reason = min(conf, 0.6), "the title seems cut: a known title goes on"
    elif canonical is None and _cut_in_front(title, P.SIGNER_TITLES):
        # "HỦ TỊCH" for "CHỦ TỊCH": the OCR lost the line's first letters
        conf, reason = min(conf, 0.6), "the title seems cut: a known title ends so"
    if _torn_row(doc, titles[-1][0]):
        # other fragments on the title's row: part of the block was lost ("PHÓ", "KT.")
        conf = min(conf, 0.6)
        prefix = Found(prefix.value, min(prefix.conf, 0.6), prefix.reason)
        reason = "signer block partly unreadable"
    deputy = fold(title).startswith(("pho ", "thu truong"))
    if prefix.value == "KT." and not deputy:
        # "KT." signs for the head: the signer is a deputy ("PHÓ …"), so a line was lost
        conf, reason = min(conf, 0.5), "KT. without a deputy title"
        if fold(title) in _HEAD_TITLES:  # the lost line is "PHÓ" (Decree 30, Annex I)
            title = f"PHÓ {title}" if title.isupper() else f"Phó {title[:1].lower()}{title[1:]}"
    return Found(title, conf, reason), prefix


def _cut_in_front(text: str, known: Iterable[str]) -> bool:
    """A known title ends with `text` (four letters or more, compared without diacritics),
    from inside its first word: what a line whose first letters the OCR lost may have been."""
    key = " ".join(fold(text).split())
    return len(key.replace(" ", "")) >= 4 and any(
        (phrase := " ".join(fold(t).split())) != key and phrase.endswith(key)
        and not phrase.endswith(" " + key) for t in known)


def _going_on(text: str, known: Iterable[str], *, within_a_word: bool = False) -> list[str]:
    """The known phrases that go on after the whole of `text` ("PHÓ TRƯỞNG" → "PHÓ TRƯỞNG
    PHÒNG"; with `within_a_word`, also from inside its last word: "PHÓ C" → "PHÓ CHỦ TỊCH"),
    compared without diacritics: what a line cut short by the OCR may have been."""
    key = " ".join(fold(text).split())
    end = "" if within_a_word else " "
    return [t for t in known if key and (phrase := " ".join(fold(t).split())) != key
            and phrase.startswith(key + end)]


# Head titles whose deputy is "PHÓ <title>" (a minister's deputy is "THỨ TRƯỞNG" instead).
_HEAD_TITLES = frozenset({"chu tich", "giam doc", "truong phong", "chanh van phong",
                          "chanh thanh tra", "truong ban", "hieu truong", "vien truong",
                          "cuc truong", "tong cuc truong", "truong cong an", "tong giam doc"})


# Letters Tesseract confuses in a short bold capital token ("TL." read "TI.", "T1.", "Tl.").
_LOOKALIKE = str.maketrans({"I": "L", "1": "L", "l": "L", "|": "L", "i": "L", "!": "L",
                            "0": "Q", "O": "Q", "o": "Q"})


def _confusable_prefix(text: str) -> str | None:
    """The one authority prefix a misread prefix token can be, or None.

    Only the token before the dot is compared, after mapping look-alike glyphs; the line must
    go on with a head's title ("TI.. CHỦ TỊCH"), where Decree 30 puts a prefix. A prefix in
    capitals whose dot the OCR lost ("KT TRƯỞNG CÔNG AN") is one too."""
    m = re.match(r"^\s*([A-Za-z0-9|!]{1,3})\s*[.,:]{1,2}\s*(\S.*)$", text) or re.match(
        r"^\s*(KT|TM|TL|TUQ)\s+(\S.*)$", text)  # its dot lost: "KT TRƯỞNG CÔNG AN"
    if m is None or snap(m.group(2), P.SIGNER_TITLES) is None:
        return None
    token = m.group(1).upper().translate(_LOOKALIKE)
    hits = [p for p in P.AUTHORITY_PREFIXES if p[:-1].translate(_LOOKALIKE) == token]
    return hits[0] if len(hits) == 1 else None


def _torn_row(doc: Doc, i: int) -> bool:
    """Fragments sit on the same row as line i in the signer column (garbled neighbours)."""
    line = doc.lines[i]
    if not line.has_box:
        return False
    return any(j != i and o.page == line.page and o.row == line.row and o.x0 > 0.45
               and o.x1 < line.x0 for j, o in enumerate(doc.lines))


def find_recipients(doc: Doc) -> Found | None:
    start = doc.recipients_line
    if start is None:
        return None
    label_line = doc.lines[start]
    m = P.RECIPIENTS_LABEL.match(doc.folded[start])
    assert m is not None
    items: list[str] = []
    confs: list[float] = []
    ended = False
    first_rest = without_strokes(label_line)[m.end():].strip()
    candidates: list[tuple[Line, str]] = []
    # "Nơi nhận: Như trên; Sở Tư pháp; Lưu: VT." : the items run on the label's line
    candidates += [(label_line, part) for part in _run_on_items(first_rest)]
    for i in range(start + 1, len(doc.lines)):
        line = doc.lines[i]
        if line.page != label_line.page:
            break
        if not line.has_box and doc.lines[i - 1].row == line.row:
            continue  # flat text: the right-hand part of a row is the signer column
        if line.has_box and (line.x0 > max(0.3, label_line.x0 + 0.2) or line.y < label_line.y):
            continue
        text = damaged_bullet(line, without_strokes(line))
        if not has_word_char(text):
            continue  # a speck read as ";" between two items
        candidates.append((line, text))
    # the recipients' column: the left half of the page (the signer block is the right)
    right_edge = max((ln.x1 for ln, _ in candidates if ln.has_box and ln.x1 < 0.6), default=0.0)
    prev_line: Line | None = None
    used = [label_line]  # the label and the lines the items were read from
    for line, text in candidates:
        text = text.strip()
        if items and not ended and prev_line is not None and _short_of_column(
                prev_line, line, right_edge):
            ended = True  # the item's ";" was lost: a line that stops short did not wrap
        prev_line = line
        if not line.has_box and text.startswith(("-", "+", "•")):
            cut = re.search(r"[;.]\s+(?=[A-ZĐ])", text)
            text = text[: cut.start() + 1] if cut else text
        # the bullet was not read (a thin dash): an item starts at the label's indent, in
        # the left column, after the label or after an item that ended with ";"
        archived = bool(items) and fold(items[-1]).startswith("luu")
        bullet = not archived and (text.startswith(("-", "+", "•", "*", "~", "·")) or (
            (ended or not items) and not is_upper_text(text)
            and not P.AUTHORITY_LINE.match(fold(text)) and (
                line.has_box and abs(line.x0 - label_line.x0) < 0.02
                # flat text, no bullets printed: an item opens with a capital and closes
                # with ";" (the last with "." or it is the archive "Lưu: …")
                or not line.has_box and text[:1].isupper() and (
                    text.endswith((";", ".")) or fold(text).startswith("luu")))))
        if bullet:
            items.append(strip_punct(text))
            confs.append(_item_conf(line))
            ended = text.endswith((";", "."))
            used.append(line)
        elif items and not ended and not is_upper_text(text) and not P.AUTHORITY_LINE.match(
                fold(text)) and (line.has_box or text[:1].islower() or (
                    # flat text: a wrapped name goes on with a capital ("Việt / Nam;") and
                    # closes the item; the archive item never wraps onto a capital
                    not archived and text.endswith((";", ".")))):
            items[-1] = f"{items[-1]} {strip_punct(text)}"
            ended = text.endswith((";", "."))
            used.append(line)
        elif items:
            break
    pairs = [_recipient(it, c) for it, c in zip(items, confs, strict=False) if it]
    if not pairs:
        return None
    conf = min(c for _, c in pairs)
    if _line_lost(used):
        conf = min(conf, 0.6)  # a gap of a whole line inside the list: OCR lost an item
    if not fold(pairs[-1][0]).startswith("luu"):
        conf = min(conf, 0.6)  # the list always ends with "Lưu: VT, …": items were lost
    elif re.search(r"VT\s*,\s*\S", pairs[-1][0]):
        conf = min(conf, 0.79)  # the unit code after "Lưu: VT," is a code nothing confirms
    return Found([it for it, _ in pairs], conf)


def _line_lost(lines: list[Line]) -> bool:
    """The list's lines (label first) leave a gap where a line of their own pitch would fit:
    a line OCR did not read (the items are printed single-spaced, Decree 30 Annex I)."""
    ys = [ln.y for ln in lines if ln.has_box]
    if len(ys) < 3 or len(ys) != len(lines):
        return False
    steps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    pitch = min(steps)
    return pitch > 0 and max(steps) > 1.75 * pitch


def _short_of_column(prev: Line, line: Line, right_edge: float) -> bool:
    """`prev` stops so far left of the list's right edge that the first word of `line` would
    have fit after it: `line` is no wrapped continuation of it (boxes only)."""
    if not (prev.has_box and line.has_box and line.words and prev.page_size[0]):
        return False
    first = line.words[0].width / prev.page_size[0]
    return prev.x1 + first + 0.03 < right_edge


def _run_on_items(text: str) -> list[str]:
    """Items printed on one line, split at ";" before a capital ("Như trên; Sở Tư pháp");
    one part when there is no such ";"."""
    if not text:
        return []
    parts = re.split(r"(?<=;)\s+(?=[-+•]?\s*[A-ZĐÀ-Ỹ])", text)
    if len(parts) > 1 and not any(is_upper_text(p) for p in parts):
        return parts
    return [text]


def without_strokes(line: Line) -> str:
    """The line's text without the flat marks OCR reads as a short word ("CC"): a ruled
    line or a pen stroke beside the text, far lower than the letters of the line's words.
    Offsets stay as in `line.text` (the marks become spaces)."""
    text = line.text
    if len(line.words) < 2 or len(line.word_spans) != len(line.words):
        return text
    letters = [w.height for w in line.words if any(c.islower() for c in w.text)]
    if not letters:
        return text
    low = 0.4 * max(letters)
    for (start, end, _), word in zip(line.word_spans, line.words, strict=True):
        mark = text[start:end]
        if (len(mark) <= 3 and any(c.isalpha() for c in mark)  # a dash is the item's bullet
                and not any(c.islower() for c in mark) and word.height < low
                and word.width > 2 * word.height * len(mark)):
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def damaged_bullet(line: Line, text: str) -> str:
    """The line with its bullet restored as "-" where OCR read the dash as a narrow glyph of
    almost no confidence ("cề Chủ đầu tư;"): a first word narrower than half the height of the
    line's letters, scored below 0.3, before a capitalised word (an item starts with one).
    Offsets of the rest stay as in `line.text`."""
    if len(line.words) < 2 or len(line.word_spans) != len(line.words):
        return text
    first, nxt = line.words[0], line.words[1]
    start, end, conf = line.word_spans[0]
    following = text[line.word_spans[1][0]:line.word_spans[1][1]]
    heights = [w.height for w in line.words[1:] if any(c.isalpha() for c in w.text)]
    if (conf < 0.3 and heights and first.width < 0.5 * max(heights)
            and following[:1].isupper() and nxt.left > first.left):
        return text[:start] + "-" + " " * (end - start - 1) + text[end:]
    return text


_SPLIT_OFF = re.compile(r"^[\"'`´‘’“”„]+|[\"'`´‘’“”„]+$")


def _recipient(item: str, conf: float) -> tuple[str, float]:
    """An item with its formula restored, or its diacritics from a common recipient.

    The list of common recipients is hand-written (what provincial documents usually name):
    it restores spelling but is no evidence, so the item keeps its own OCR trust.
    """
    item = " ".join(_SPLIT_OFF.sub("", w) for w in item.split() if has_word_char(w))
    item = lexicon.join_split_syllables(item).rstrip(" ;,.")
    common = snap(item, P.COMMON_RECIPIENTS)
    if common is not None:
        return common, conf
    formula = _formula(item)
    if formula is not None:
        return formula, conf
    item = _copies_and_report(item)
    # an agency's name: its tone marks where the word list decides ("thỏng tin" → "thông
    # tin"); a repaired item is a guess, so it is trusted less
    text, changed, unsure = lexicon.repair_text(item, tone_swaps=True)
    if changed:  # a tone swapped by one word pair is one weak signal: below the threshold
        conf = min(conf, 0.75 if unsure else 0.85)
    return text, conf


def _item_conf(line: Line) -> float:
    """Trust in a recipient item, leaving out the words of its fixed formula ("Lưu: VT")."""
    words = words_of(line)
    folded = [fold(w).strip(" -+•;.,:") for w, _ in words]
    keep = []
    archive = bool(folded) and folded[0 if folded[0] else min(1, len(folded) - 1)] == "luu"
    for k, ((_, c), f) in enumerate(zip(words, folded, strict=True)):
        if not f or f in ("nhu", "dieu", "tren", "luu") or _COPIES.search(words[k][0]):
            continue
        if archive and k > 0 and folded[k - 1] == "luu":
            continue  # the "VT" after "Lưu:" is restored by the formula
        keep.append(c)
    return word_trust(min(keep)) if keep else 0.97


_AS_ARTICLE = re.compile(r"^(?:nh)?u\s*d?\s*dieu\s*(\d+)$")  # "NhưĐĐiều3": Đ read twice
_ARCHIVE = re.compile(r"^luu\s*[:;.]?\s*v[a-z]?(?:[,.;j]\s*|\s+|$)")
_COPIES = re.compile(r"\((\d{1,3})\s*[bBDđ6]\)$")


def _damaged_as_above(folded: str) -> bool:
    """"Nhưưen", "Như trán": the formula "Như trên" with up to two letters misread. Its first
    word is read, the rest of the item is letters only and no longer than the formula (a
    named recipient, "Như Điều 3" or "Nhà …" differ by more)."""
    key = re.sub(r"[\s;.,:-]", "", folded)
    return (key.startswith("nhu") and key.isalpha() and 5 <= len(key) <= 8
            and edit_distance(key, "nhutren") <= 2)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def recipient_formula(item: str) -> str:
    """Restore the fixed formulas of "Nơi nhận" items (Decree 30/2020 Annex I):
    "Như Điều 3", "Như trên", "Lưu: VT, <unit> (NNb)"."""
    formula = _formula(item)
    return formula if formula is not None else _copies_and_report(item)


def _formula(item: str) -> str | None:
    """The fixed formula the item spells, restored; None if it is no formula."""
    f = fold(item)
    m = _AS_ARTICLE.match(f)
    if m:
        return f"Như Điều {m.group(1)}"
    if re.fullmatch(r"nhu\s*tren", f) or _damaged_as_above(f):
        return "Như trên"
    m = _ARCHIVE.match(f)
    if m:
        rest = item[m.end():].strip(" ,")
        item = f"Lưu: VT, {rest}" if rest else "Lưu: VT"
        # the number of copies is written "(NNb)" (bản); OCR drops or misreads the b
        return re.sub(r"\((\d{1,3})\s*[bBDđ6]?\)$", lambda c: f"({c.group(1)}b)", item)
    return None


def _copies_and_report(item: str) -> str:
    """"(NNb)" and "(b/c)" at an item's end, as printed."""
    item = _COPIES.sub(lambda c: f"({c.group(1)}b)", item)
    # "(b/c)" (để báo cáo, "to report") is written in small letters; OCR raises the c and
    # reads the b's bowl as "6", "0" or "o"
    return re.sub(r"\(\s*[b60o]\s*/\s*c\s*\)", "(b/c)", item, flags=re.IGNORECASE)
