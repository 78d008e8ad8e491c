"""The document as extraction sees it: positioned lines of all pages plus folded copies.

`Doc` also locates the structural anchors that field parsers share (the "Số:" line, the title
line, the "Nơi nhận" line), so each parser looks in the right region of the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from pipeline.extract import patterns as P
from pipeline.extract.layout import Line, PageLayout, split_line
from pipeline.vntext import compact_key, fold, is_upper_text, snap

# Words that may sit inside a place name before ", ngày" in lower case.
_PLACE_LOWER = frozenset({"phố", "xã", "trấn", "thị"})


@dataclass(frozen=True)
class Doc:
    lines: tuple[Line, ...]
    page_count: int
    has_boxes: bool

    @cached_property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(line.text) for line in self.lines)

    def page_lines(self, page: int) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.page == page]

    @cached_property
    def first_page(self) -> list[int]:
        return self.page_lines(self.lines[0].page) if self.lines else []

    @cached_property
    def last_page(self) -> list[int]:
        return self.page_lines(self.lines[-1].page) if self.lines else []

    @cached_property
    def signature_page(self) -> list[int]:
        """Lines of the page that carries the signer block: the page of the last "Nơi nhận"
        (recipients and signature share a page, Decree 30 Annex I), else the last page; an
        annex (a list of procedures, a table) may follow it."""
        i = self.recipients_line
        return self.page_lines(self.lines[i].page) if i is not None else self.last_page

    def row_of(self, i: int) -> tuple[int, int]:
        return self.lines[i].page, self.lines[i].row

    @cached_property
    def title_line(self) -> int | None:
        """Index of the centred bold document-type line on page 1 (below the "Số:" line)."""
        head = self.first_page[:15]
        numbers = [i for i in head if P.NUMBER_LABEL.match(self.folded[i])
                   and "/" in self.lines[i].text]
        after = numbers[0] if numbers else -1
        for i in self.first_page[:45]:
            if P.BODY_START.match(self.folded[i]) and i > after:
                return None  # the body has begun: "Chương I / QUY ĐỊNH CHUNG" is no title
            if i > after and title_type(self.lines[i].text) is not None and _title_like(
                    self.lines[i]):
                return i
        return None

    @cached_property
    def number_line(self) -> int | None:
        """Index of the "Số: 15/QĐ-UBND" line in the header of page 1 (above the title)."""
        end = self.title_line
        head = [i for i in self.first_page[:25] if end is None or i < end]
        if self.has_boxes:
            head = [i for i in head if self.lines[i].y < 0.35 and self.lines[i].zone() != "right"]
        elif end is None:
            head = head[:12]
        for want_slash in (True, False):
            for i in head:
                if P.NUMBER_LABEL.match(self.folded[i]) and (
                        not want_slash or "/" in self.lines[i].text):
                    return i
        return None

    @cached_property
    def recipients_line(self) -> int | None:
        for i in reversed(range(len(self.lines))):
            if P.RECIPIENTS_LABEL.match(self.folded[i]):
                return i
        return None

    def next_lines(self, i: int, *, limit: int = 8) -> list[int]:
        """Indices of the lines after line i on the same page, in reading order."""
        page = self.lines[i].page
        out = [j for j in range(i + 1, min(len(self.lines), i + 1 + 3 * limit))
               if self.lines[j].page == page]
        return out[:limit]


def _title_like(line: Line) -> bool:
    text = line.text
    if line.has_box:  # specks around a centred title read as "- GIẤY XÁC NHẬN :"
        text = re.sub(r"^[-–.,'\"\s]+|\s+[-–.:,'\"]+$", "", text)
    if not is_upper_text(text, min_ratio=0.9) or text.rstrip().endswith(":"):
        return False
    if text.lstrip()[:1] in "-–+•*":  # a wrapped agency name ("- KẾ HOẠCH")
        return False
    if P.MOTTO_NATION.search(fold(line.text)) or P.AUTHORITY_LINE.match(fold(line.text)):
        return False
    return not line.has_box or line.zone() == "centre"


def title_type(text: str) -> str | None:
    """The known document type a title line starts with ("QUYẾT ĐỊNH", "GIẤY PHÉP" …).

    Compared without spaces so that a word split by OCR ("GIẤY P HÉP") still matches; a known
    type followed by more letters only counts at a word boundary of the original text.
    """
    text = re.sub(r"^[-–.,'\"\s]+|\s+[-–.:,'\"]+$", "", text)
    f = " ".join(fold(text).split())
    key_text = compact_key(text)
    best: str | None = None
    for name in P.DOC_TYPES:
        key = fold(name)
        whole = f == key or f.startswith(key + " ") or key_text == compact_key(name)
        if not whole and key_text.startswith(compact_key(name)) and len(f) > len(key) + 2:
            whole = snap(text, P.DOC_TITLES) is not None
        if whole and (best is None or len(name) > len(best)):
            best = name
    if best is None:  # one letter misread or lost: '"HÔNG BÁO' for "THÔNG BÁO"
        near = snap(text.strip(" :.,\"'“”„`"), P.DOC_TITLES, max_edits=1)
        best = title_type(near) if near is not None else None
    return best


def build_doc(layouts: Sequence[PageLayout]) -> Doc:
    lines: list[Line] = []
    for layout in layouts:
        page_lines = sorted(layout.lines, key=lambda ln: (ln.row, ln.x0))
        for line in page_lines:
            if P.STAMP_LINE.search(fold(line.text)):
                continue  # a copy stamp or an e-signature box over the page, not content
            lines.extend(split_merged_line(line))
    return Doc(lines=tuple(lines), page_count=len(layouts),
               has_boxes=any(layout.has_boxes for layout in layouts))


def column_cuts(text: str) -> list[int]:
    """Where a line merging two columns (agency | motto, number | place-date) must be cut."""
    f = fold(text)
    cuts: set[int] = set()
    for rx in (P.MOTTO_NATION, P.MOTTO_SLOGAN):
        m = rx.search(f) or (P.MOTTO_NATION_LOOSE.search(f) if rx is P.MOTTO_NATION else None)
        if m:
            cuts.update({m.start(), m.end()})
    m = P.DATE_PHRASE.search(f)
    if m:
        start = place_start(text, m.start())
        if start is not None and start > 0 and _header_prefix(text[:start]):
            cuts.add(start)
        elif start is None:
            caps = _leading_capitals(text[:m.start()])
            if caps:  # "SỞ KẾ HOẠCH VÀ ĐẦU T hành phố …, ngày": the place is overprinted
                cuts.add(caps)
    return sorted(c for c in cuts if 0 < c < len(text.rstrip()))


def _leading_capitals(prefix: str) -> int:
    """End of a run of 2+ capitalised words at the start of `prefix`, followed by lower case."""
    words = list(re.finditer(r"\S+", prefix))
    k = 0
    while k < len(words) and is_upper_text(words[k].group(0), min_ratio=1.0):
        k += 1
    if k >= 2 and k < len(words) and words[k].group(0)[:1].islower():
        return words[k].start()
    return 0


def split_merged_line(line: Line) -> list[Line]:
    """Split a line that merges two columns; positioned lines are split between words."""
    bounds = column_cuts(line.text)
    if not bounds:
        return [line]
    if line.has_box:
        return split_line(line, bounds)
    pieces = []
    prev = 0
    for c in [*bounds, len(line.text)]:
        piece = line.text[prev:c].strip(" ,")
        if piece:
            pieces.append(Line(text=piece, page=line.page, row=line.row, conf=line.conf))
        prev = c
    return pieces or [line]


def _header_prefix(prefix: str) -> bool:
    """Text before a place-date phrase that is left-column header text, not a sentence."""
    words = prefix.split()
    if not words:
        return True
    last = words[-1]
    return (is_upper_text(last) or bool(re.search(r"\d", last)) or last.endswith(":")
            or not any(c.isalpha() for c in last))  # "Số: 15/QĐ-UBND ... Quảng Trị, ngày"


def place_start(text: str, ngay_pos: int) -> int | None:
    """Start of the place name before "ngày" at ngay_pos, or ngay_pos when there is none.

    Returns None when the text before "ngày" is a sentence (a date in the body).
    """
    before = text[:ngay_pos].rstrip()
    if not before:
        return ngay_pos
    if not before.endswith(","):
        return None
    words = list(re.finditer(r"\S+", before[:-1]))
    start = None
    count = 0
    for w in reversed(words):
        token = w.group(0)
        if count >= 6:
            break
        if _place_word(token):
            start = w.start()
            count += 1
            continue
        break
    if start is None:
        return None
    first = text[start:].split()[0]
    return start if first[:1].isupper() else None


def _place_word(token: str) -> bool:
    if token in ("TP.", "TX.", "Tp.", "-"):
        return True
    if token.lower() in _PLACE_LOWER:
        return True
    letters = token.rstrip(".")
    return (letters[:1].isupper() and letters.isalpha() and not letters.isupper()) or (
        len(letters) == 1 and letters.isupper())
