"""Lines with words in capitals read again on their own.

Read as part of a whole page, Tesseract loses marks on capitals that it reads right when the
same line is read alone: a bold title's "GIÁM ĐỐC" comes out "GIAM ĐỌC", "SÔNG HÀN" comes out
"SÓNG HAN", the archive line's "VT," comes out "VI,". Plain Tesseract reads them the same way.
Here the capitals Tesseract doubts (`CAPITALS_DOUBT_CONF`) in each line are cut out with only
their own ink (their marks above and below included, the line's other words and the
neighbouring lines' letters left out), the cut lines are stacked on a blank sheet and read in
one run as a block of text, and the second reading of a capitals word replaces the first only
where Tesseract is clearly surer of it (`_better`), or where it adds a mark the first reading
lost and the page shows ink where that mark goes (`_marks_shown`); a second reading that takes
away a mark the page shows is refused, however sure. The word keeps its box; the page's text and
its searchable layer take the new reading.

The numbers of a day, a month or a year that Tesseract doubts are read again the same way,
in the piece of their line: inside a line of bold italic text an "8" can come out a "6" that
the same word read again without the line's other words does not. (Each number cut out on
a piece of its own read a photocopy's "08" as "06" again, where its line's piece, with the
document's number in capitals beside it, reads "08" at 97 %.)
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ocr.engine import EngineOutput
from ocr.preprocess import Image, components
from ocr.recover import Reader, read_sheet
from ocr.syllables import is_valid_syllable
from ocr.types import LineRepair, Word
from ocr.words import rewrite_words_in_text_pdf

# Margins around a line's words, × the page's median word height: the marks above capitals
# (often lost, so outside the word boxes) and the dots and hooks below.
ABOVE, BELOW, LEFT, RIGHT = 0.9, 0.6, 1.2, 0.8
# Ink wholly inside the margins joins the line only this close to its words (× word height):
# a mark sits just above its letter, a neighbouring line's accent does not.
MARK_REACH_ABOVE, MARK_REACH_BELOW, MARK_REACH_SIDE = 0.5, 0.3, 0.3
LINE_GAP = 1.6  # × word height between the lines on the sheet
# The second reading wins only when Tesseract is sure of it and surer than of the first; where
# both readings are valid syllables (a mark against another), by a clear margin.
MIN_CONF = 85.0
# A first reading Tesseract hardly believes (under `WEAK_FIRST`) gives way to a second one
# `CLEAR_GAIN` points surer, short of `MIN_CONF` ("QUYỀN" at 47 % read again "QUYÊN" at 77 %).
WEAK_FIRST = 60.0
# A first reading whose marks the page does not show gives way to a second one, of as many
# letters and without such marks, read at `PHANTOM_MIN_CONF` or more.
PHANTOM_MIN_CONF = 75.0
CLEAR_GAIN = 25.0
DOUBT_CONF = 96.0
# A lost mark on capitals is read at up to 97 % ("THANH" for "THÀNH" at 96.1 %): those are
# read again too. A second reading that adds a mark is taken only where the page shows it.
CAPITALS_DOUBT_CONF = 98.0
VALID_MARGIN = 2.0
MAX_LINES = 40
# A mark the second reading adds is taken where the page shows one (`_marks_shown`): a shape
# under `LETTER_SHARE` of the word's height whose edge lies within `MARK_GAP` of the capitals'
# top (or baseline), or a letter reaching `MARK_JOINED` beyond them (× capital height); the
# shapes are looked for `MARK_SEARCH` × the word's height above and below its box.
ABOVE_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309")
BELOW_MARK = "\u0323"
LETTER_SHARE = 0.5
MARK_GAP = 0.45
MARK_JOINED = 0.12
MARK_SEARCH = 0.8

_LEAD = re.compile(r"^[\W_]+")
_ALNUM = re.compile(r"[\W_]")  # all but letters and digits (a stray "_" too)


@dataclass(frozen=True)
class _Cut:
    line: int  # the page line the piece holds
    x0: int  # its origin on the page
    y0: int
    top: int  # where it sits on the sheet
    height: int


def in_capitals(text: str) -> bool:
    """Two letters or more, all capitals ("VT,", "GIÁM", "UBND")."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _doubtful(word: Word) -> bool:
    """A word in capitals Tesseract is not sure of (every mark it lost was read under
    `CAPITALS_DOUBT_CONF`; the others are left out of the second reading, which costs by the
    word)."""
    return word.conf < CAPITALS_DOUBT_CONF and in_capitals(word.text)


def _doubtful_number(word: Word) -> bool:
    """A day, a month or a year Tesseract is not sure of: read in a line of bold italic text,
    an "8" can come out "6" that the same word read again in its line's piece does not."""
    return word.conf < DOUBT_CONF and _short_number(word.text)


def _short_number(text: str) -> bool:
    """One to four digits, the punctuation around them aside ("28", "08,", "2026")."""
    core = _core(text)
    return 1 <= len(core) <= 4 and core.isdigit()


def reread_capitals(grey: Image, output: EngineOutput, read: Reader,
                    scratch: Path, repair: LineRepair | None = None) -> EngineOutput:
    """`output` with its doubted words in capitals and short numbers read again line by
    line where that reading is taken (`_taken`); `output` itself when none is. The words
    must be those of Tesseract's text layer, in its order (before `ocr.recover` adds lines).
    A line with a word read again is repaired again (`repair`, `_repaired_around`)."""
    words = output.words
    lines: dict[int, list[int]] = {}
    for k, w in enumerate(words):
        lines.setdefault(w.line, []).append(k)
    # The doubted capitals and numbers of a line are cut as one piece (their line's other
    # words left out).
    pieces = [(n, span) for n, members in sorted(lines.items())
              if (span := [words[k] for k in members
                           if _doubtful(words[k]) or _doubtful_number(words[k])])]
    pieces = pieces[:MAX_LINES]
    if not pieces:
        return output
    letter = float(statistics.median(w.height for w in words))
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, labels, stats = components(ink)
    sheet, cuts, margin = _sheet(grey, labels, stats, [span for _, span in pieces],
                                 [n for n, _ in pieces], letter)
    found = read_sheet(sheet, read, scratch)
    if found is None or not found.words:
        return output
    texts = output.text.split("\n")
    # Only where the text has one token per word can the text follow the words and the layer.
    aligned = {n for n, members in lines.items()
               if n < len(texts) and len(texts[n].split(" ")) == len(members)}
    current = {k: token for n in aligned for k, token in zip(lines[n], texts[n].split(" "),
                                                             strict=True)}
    # A word whose letters the line repair changed ("IH." made "III.") keeps that reading: the
    # second one is judged against what Tesseract read, and an I lost again would undo it.
    changes = {k: c for k, c in _changes(words, lines, found, cuts, margin, stats).items()
               if k in current and len(_core(current[k])) == len(_core(words[k].text))}
    if not changes:
        return output
    new_lines = []
    layer = {k: token for k, (_, token) in changes.items()}
    for n, line in enumerate(texts):
        tokens = line.split(" ")
        if n in aligned:
            tokens = [changes[k][1] if k in changes else t
                      for k, t in zip(lines[n], tokens, strict=True)]
            if repair is not None and any(k in changes for k in lines[n]):
                tokens = _repaired_around(tokens, lines[n], changes, repair, layer)
        new_lines.append(" ".join(tokens))
    if output.text_pdf is not None and not rewrite_words_in_text_pdf(
            output.text_pdf, layer, len(words), drawn_only=True):
        return output  # the layer could not follow: the reading stays as it was
    merged = tuple(replace(w, text=changes[k][0].text, conf=changes[k][0].conf)
                   if k in changes else w for k, w in enumerate(words))
    return EngineOutput(words=merged, text="\n".join(new_lines), text_pdf=output.text_pdf)


def _repaired_around(tokens: list[str], members: list[int], changes: Collection[int],
                     repair: LineRepair, layer: dict[int, str]) -> list[str]:
    """A line whose capitals were read again, repaired once more: the marks read again
    can decide a neighbour's ("PHAN MEM" read "PHẦN MEM": "PHẦN MỀM"). The words read again
    keep their reading; a neighbour the repair changes goes into `layer` too."""
    fixed = list(repair(tokens))
    if len(fixed) != len(tokens):
        return tokens
    out = []
    for k, token, again in zip(members, tokens, fixed, strict=True):
        if k not in changes and again != token:
            layer[k] = again
            token = again
        out.append(token)
    return out


def _sheet(grey: Image, labels: Image, stats: Image, lines: Sequence[Sequence[Word]],
           numbers: Sequence[int], letter: float) -> tuple[Image, list[_Cut], int]:
    """The given words of each line (its doubted capitals and numbers) cut out with only
    their own ink (the line's other words blank), the lines stacked with blank space between
    them. `labels` and `stats` are
    the page's ink shapes."""
    page_h, page_w = grey.shape[:2]
    x, y, w, h = (stats[:, i] for i in range(4))
    margin = round(letter)
    cuts: list[_Cut] = []
    pieces = []
    top = margin
    for number, words in zip(numbers, lines, strict=True):
        box_top = min(wd.top for wd in words)
        box_bottom = max(wd.top + wd.height for wd in words)
        x0 = max(0, min(wd.left for wd in words) - round(LEFT * letter))
        x1 = min(page_w, max(wd.left + wd.width for wd in words) + round(RIGHT * letter))
        y0 = max(0, box_top - round(ABOVE * letter))
        y1 = min(page_h, box_bottom + round(BELOW * letter))
        # The components wholly inside the cut (a neighbouring line's letters are cut by its
        # edge) that reach the line's words.
        middle = x + w / 2
        under = np.zeros(len(x), bool)
        for wd in words:  # a mark lost from a word is still above it
            under |= (middle >= wd.left - MARK_REACH_SIDE * letter) & (
                middle <= wd.left + wd.width + MARK_REACH_SIDE * letter)
        own = (under & (x >= x0) & (y >= y0) & (x + w <= x1) & (y + h <= y1)
               & (y + h >= box_top - MARK_REACH_ABOVE * letter)
               & (y <= box_bottom + MARK_REACH_BELOW * letter))
        own[0] = False  # the background
        keep = cv2.dilate(own[labels[y0:y1, x0:x1]].astype(np.uint8), np.ones((3, 3), np.uint8))
        piece = grey[y0:y1, x0:x1].copy()
        piece[keep == 0] = 255
        pieces.append(piece)
        cuts.append(_Cut(number, x0, y0, top, y1 - y0))
        top += (y1 - y0) + round(LINE_GAP * letter)
    sheet = np.full((top + margin, max(p.shape[1] for p in pieces) + 2 * margin), 255, np.uint8)
    for cut, piece in zip(cuts, pieces, strict=True):
        sheet[cut.top:cut.top + cut.height, margin:margin + piece.shape[1]] = piece
    return sheet, cuts, margin


def _changes(words: Sequence[Word], lines: dict[int, list[int]], found: EngineOutput,
             cuts: Sequence[_Cut], margin: int, stats: Image) -> dict[int, tuple[Word, str]]:
    """Index of a page word -> (its second reading, that reading's text token) where the
    second reading is better and takes away no mark the page shows, or puts marks where the
    page has them (`_marks_shown`). A word is paired with the one second-read word that lies
    over it, and that word over no other."""
    texts = found.text.split("\n")
    by_line: dict[int, list[Word]] = {}
    for word in found.words:
        by_line.setdefault(word.line, []).append(word)
    out: dict[int, tuple[Word, str]] = {}
    for number, second in by_line.items():
        tokens = texts[number].split(" ") if number < len(texts) else []
        if len(tokens) != len(second):
            tokens = [w.text for w in second]
        middle = statistics.median(w.top + w.height / 2 for w in second)
        cut = next((c for c in cuts if c.top <= middle < c.top + c.height), None)
        if cut is None:
            continue
        first = lines[cut.line]
        placed = [replace(w, left=w.left - margin + cut.x0, top=w.top - cut.top + cut.y0)
                  for w in second]
        for again, token in zip(placed, tokens, strict=True):
            over = [k for k in first if _overlap(again, words[k])]
            if len(over) != 1 or sum(_overlap(w, words[over[0]]) for w in placed) != 1:
                continue
            k = over[0]
            before = words[k]
            if _taken(stats, before, again, token):
                # what comes before the word's letters is the first reading's (a stray "'"
                # read before "VT," the second time is not taken)
                out[k] = (replace(again, text=_lead(before.text) + _unled(again.text)),
                          _lead(before.text) + _unled(token))
    return out


def _lead(text: str) -> str:
    """The punctuation before a word's first letter or digit."""
    return text[:len(text) - len(_unled(text))]


def _unled(text: str) -> str:
    return _LEAD.sub("", text)


def _taken(stats: Image, before: Word, again: Word, token: str) -> bool:
    """The page decides a mark one reading has and the other has not, where it shows one:
    the second reading is taken when it adds marks the page shows, or moves a mark to where
    the page shows it (`_marks_moved`), and Tesseract is sure of it; or when it is better
    (`_better`) and takes away no mark the page shows."""
    if again.conf >= MIN_CONF and (_marks_shown(stats, before, again)
                                   or _marks_moved(stats, before, again)):
        return True
    if (again.conf >= PHANTOM_MIN_CONF and in_capitals(before.text)
            and len(_core(before.text)) == len(_core(again.text))
            and _unshown_marks(stats, before, before.text)
            and not _unshown_marks(stats, before, again.text)):
        return True  # the first reading has marks the page does not show; the second none
    return _better(before, again, token) and not _marks_shown(
        stats, replace(before, text=again.text), before)


def _unshown_marks(stats: Image, word: Word, text: str) -> bool:
    """Some letter of `text`, read in `word`'s box, has a mark above or below it where the
    page shows none ("VP." read "VỀ.": one shape for the two letters, nothing above it)."""
    places = [(i, *_places(unicodedata.normalize("NFD", c))) for i, c in enumerate(_core(text))]
    marked = [(i, above, below) for i, above, below in places if above or below]
    if not marked:
        return False
    ink = _letter_marks(stats, replace(word, text=text))
    return ink is not None and _any_unshown(ink, marked)


def _any_unshown(ink: Callable[[int], tuple[bool, bool]],
                 marks: Sequence[tuple[int, bool, bool]]) -> bool:
    """Some (letter index, mark above, mark below) of `marks` has a mark where `ink` (the
    page, `_letter_marks`) shows none."""
    for index, above, below in marks:
        shown_above, shown_below = ink(index)
        if (above and not shown_above) or (below and not shown_below):
            return True
    return False


def _overlap(a: Word, b: Word) -> bool:
    """Half the smaller box, across and down."""
    across = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    down = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    return (across >= 0.5 * min(a.width, b.width) and down >= 0.5 * min(a.height, b.height))


def _better(before: Word, again: Word, token: str) -> bool:
    """The second reading of a word in capitals is taken when its letters and digits differ
    from the first's but are as many (the punctuation around them may differ: "VD" read
    again "VT,"), Tesseract is sure of it (`MIN_CONF`, or `CLEAR_GAIN` surer of it than of a
    weak first reading) and surer than of the first; when both are valid syllables (a mark
    against another mark), by `VALID_MARGIN`."""
    first, second = _core(before.text), _core(again.text)
    if first == second or len(first) != len(second):
        return False  # the same word, or another one
    if not (in_capitals(before.text) or in_capitals(again.text)
            or (_short_number(before.text) and _short_number(again.text))):
        return False
    if again.conf <= before.conf or (again.conf < MIN_CONF and not (
            before.conf < WEAK_FIRST and again.conf - before.conf >= CLEAR_GAIN)):
        return False
    if _syllable(before.text) and _syllable(token):
        return again.conf - before.conf >= VALID_MARGIN
    return True


def _added_marks(first: str, second: str) -> list[tuple[int, bool, bool]]:
    """(letter index, a mark above, a mark below) for each letter the second reading marks
    above or below where the first has no mark there ("O" made "Ò", "Ê" made "Ệ"); [] when
    the two differ otherwise (another letter, a mark changed or taken away, a horn)."""
    out = []
    for i, bare, marked in _differing_letters(first, second):
        had, has = set(bare[1:]), set(marked[1:])
        added = has - had
        if (marked[0] != bare[0] or not had < has or not added <= ABOVE_MARKS | {BELOW_MARK}
                or (added & ABOVE_MARKS and had & ABOVE_MARKS)):
            return []  # a mark above beside one already there: the ink cannot tell
        out.append((i, bool(added & ABOVE_MARKS), BELOW_MARK in added))
    return out


def _marks_shown(stats: Image, before: Word, again: Word) -> bool:
    """The second reading only adds marks to letters the first left bare ("PHONG" read again
    "PHÒNG"), and the page has ink where each of them goes: a small shape just above the
    letter's capital height (or the letter itself reaching above it), or just below its
    baseline, nearer to the word's letters than to any other line's. A mark Tesseract lost in
    the page is still on the page; one it makes up on the second reading is not."""
    added = _added_marks(before.text, again.text)
    if not added:
        return False
    ink = _letter_marks(stats, before)
    return ink is not None and not _any_unshown(ink, added)


def _marks_moved(stats: Image, before: Word, again: Word) -> bool:
    """The second reading marks the same letters as the first, but above where the first
    marks below or the other way round ("ĐỌC" read again "ĐỐC"; or only one of them marks
    a letter), and the page's ink shows the second reading's places and not the first's:
    where a mark is, the page decides."""
    moved = _moved_marks(before.text, again.text)
    if not moved:
        return False
    ink = _letter_marks(stats, before)
    if ink is None:
        return False
    return all(ink(index) == second and ink(index) != first for index, first, second in moved)


def _moved_marks(first: str, second: str) -> list[tuple[int, tuple[bool, bool],
                                                        tuple[bool, bool]]]:
    """(letter index, the first reading's (mark above, mark below), the second's) for each
    letter where the two differ in where the letter is marked (a mark moved, added or taken
    away), the letters themselves the same; [] when they differ otherwise (another letter, a
    mark for another in the same place)."""
    out = []
    for i, one, two in _differing_letters(first, second):
        if one[0] != two[0] or _places(one) == _places(two):
            return []
        out.append((i, _places(one), _places(two)))
    return out


def _differing_letters(first: str, second: str) -> list[tuple[int, str, str]]:
    """(index, first's letter, second's letter, both decomposed: NFD) for each letter where
    two readings of as many letters and digits differ; [] when they are the same or of
    other lengths."""
    a, b = _core(first), _core(second)
    if len(a) != len(b) or a == b:
        return []
    return [(i, unicodedata.normalize("NFD", x), unicodedata.normalize("NFD", y))
            for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def _places(letter: str) -> tuple[bool, bool]:
    """(marked above, marked below) of a decomposed (NFD) letter."""
    return bool(set(letter[1:]) & ABOVE_MARKS), BELOW_MARK in letter


def _letter_marks(stats: Image, before: Word) -> Callable[[int], tuple[bool, bool]] | None:
    """For the word's letter at an index, whether the page shows a mark above it and one
    below it (`_marks_shown`); None when the word's letters are not found on the page."""
    x, y, w, h = (stats[1:, i].astype(float) for i in range(4))
    near = ((x < before.left + before.width) & (x + w > before.left)
            & (y + h > before.top - MARK_SEARCH * before.height)
            & (y < before.top + (1 + MARK_SEARCH) * before.height))
    x, y, w, h = x[near], y[near], w[near], h[near]
    big = h >= LETTER_SHARE * before.height
    # the word's letters: tall shapes across the lower half of its box; the other tall
    # shapes belong to the lines above and below
    ours = big & (y < before.top + before.height) & (y + h > before.top + before.height / 2)
    if not ours.any():
        return None
    cap_top = float(np.median(y[ours]))
    cap_h = float(np.median(h[ours]))
    base = cap_top + cap_h
    order = np.argsort(x[ours])
    lx, lw, ly, lh = x[ours][order], w[ours][order], y[ours][order], h[ours][order]
    count = len(_core(before.text))
    middle = x + w / 2
    others = np.nonzero(big & ~ours)[0]

    def ours_nearer(i: int, gap: float, up: bool) -> bool:
        """No other line's letter under (`up`: over) shape i is nearer to it than `gap`."""
        across = (x[others] < x[i] + w[i]) & (x[others] + w[others] > x[i])
        other = y[others] - (y[i] + h[i]) if up else y[i] - (y[others] + h[others])
        return not (across & (other >= -MARK_JOINED * cap_h) & (other < gap)).any()

    def marks(index: int) -> tuple[bool, bool]:
        if len(lx) == count:  # one shape a letter: that letter's columns
            left, right = lx[index], lx[index] + lw[index]
            reach_up = ly[index] < cap_top - MARK_JOINED * cap_h
            reach_down = ly[index] + lh[index] > base + MARK_JOINED * cap_h
        else:  # letters touching: the word's width shared evenly
            span = (lx[-1] + lw[-1] - lx[0]) / count
            left, right = lx[0] + index * span, lx[0] + (index + 1) * span
            reach_up = reach_down = False
        over = np.nonzero(~big & (middle >= left) & (middle <= right))[0]
        above = reach_up or any(
            -MARK_JOINED * cap_h <= cap_top - (y[i] + h[i]) <= MARK_GAP * cap_h
            and ours_nearer(int(i), cap_top - (y[i] + h[i]), up=False) for i in over)
        below = reach_down or any(
            -MARK_JOINED * cap_h <= y[i] - base <= MARK_GAP * cap_h
            and ours_nearer(int(i), y[i] - base, up=True) for i in over)
        return bool(above), bool(below)

    return marks


def _core(text: str) -> str:
    return _ALNUM.sub("", text)


def _syllable(text: str) -> bool:
    bare = _core(text)
    return bare.isalpha() and is_valid_syllable(bare)
