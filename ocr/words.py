"""Recognised words: drop what is not text, rebuild page text, keep the PDF layer in step."""

from __future__ import annotations

import re
import statistics
import threading
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import pikepdf
from numpy.typing import NDArray

from ocr.types import WORD_SPACE, LineRepair, Word

NOISE_HEIGHT = 2.3  # × median word height: signature scribbles and seals read as "words"
# A "word" of letters far shorter than any printed word (a speck of a signature read as "co",
# 6 px in a page of 45-px words) below `NOISE_CONF` is not text either.
TINY_HEIGHT = 0.3
NOISE_CONF = 60.0
SYMBOL_CONF = 50.0
# A scribble read with fair confidence ("Và", "am", "YY" at 68-85 %) is still far taller than
# any printed line (a title in capitals with stacked marks is under 2.5 × the median word) or
# far wider per letter than any glyph (a stroke read as "1", 4.7 × its height).
SCRIBBLE_HEIGHT = 3.0
SCRIBBLE_CONF = 90.0
SCRIBBLE_WIDTH_PER_CHAR = 2.5  # × median word height; "M", "W", "—" stay under 1.5
LEADER_MIN_WIDTH = 0.25
GLUE_GAP = 0.3  # × letter height: punctuation split off the word it ends (`glued_punctuation`)
# A tone mark read apart from its letter: a word of symbols ("_", "~", "¬") under
# `TINY_HEIGHT` × the median word height (0.14-0.25 on the dev pages, at 69-84 % confidence)
# whose box ends just above a word of letters (within `MARK_ABOVE` × the median height) and
# over it. A period or a hyphen sits on or beside its line, never over a word.
MARK_ABOVE = 0.6
MARK_SHARE = 0.25  # of a mark word's width over a word of the next line
TALL_SYMBOL_HEIGHT = 1.8  # printed punctuation is not taller than a line ("./." 1.4 ×)
# The sentence punctuation of printed pages, which Tesseract often reads at low confidence
# (the "./." closing an administrative text: 8 %) but which is text when it follows a word.
_SENTENCE_PUNCTUATION = set(".,;:/!?)")
# A printed mark fills a good part of the box Tesseract gives it (a dot a third, a hyphen all
# of it); a box with hardly a dark pixel in it was read from nothing.
MIN_INK_SHARE = 0.02
INKLESS_CONF = 90.0  # those read from nothing came at 57-73 %; printed hyphens at 93 %
# A mark's ink ends at its box; a rule's goes on: a table's rule read as "|" (78-81 %) belongs to
# a shape reaching past the box by more than the box's own height or width.
RULE_REACH = 2.0
# A signature's stroke (`stroke_word_indices`): a shape at least this many × the median word
# height tall, inking less than this share of its bounding box; words under this confidence.
# On the dev pages the strokes read as words inked 3-6 % of their box, printed words touching
# a rule or each other 18 % or more.
STROKE_HEIGHT = 2.0
STROKE_FILL = 0.07
STROKE_CONF = 85.0
# A word whose ink is all thin strokes: nearly all of it (`THIN_SHARE`) in shapes longer than
# `THIN_SIZE` × the median word height and at least `THIN_MIN_HEIGHT` of it tall, each inking
# under `THIN_FILL` of its bounding box: a signature's loops and its sloped underline, read as
# "mm...", "V____———" or "Ý" at 0-88 % confidence. Printed letters are compact shapes (a fifth
# of their box or more, under 1.5 lines); a leader line is flat; a word touching a rule or a
# signature keeps the ink of its letters apart. Words Tesseract is sure of are not judged.
THIN_SHARE = 0.9
THIN_SIZE = 1.5
THIN_MIN_HEIGHT = 0.5
THIN_FILL = 0.12
# A word read from a solid dark band (`_on_a_band`): the edge of a photographed sheet against
# the desk, a copier's dark bar, straightened into a line of "words" at 0-44 % confidence. Its
# box's ink (`BAND_SHARE` of it) is one shape at least `BAND_LINES` median word heights long
# and `RULE_REACH` × the word's width, half a line tall or more, inking `BAND_FILL` of its
# bounding box (the band's words: 60-94 %). No doubted word of the dev pages (118 synthetic
# and real) is one: letters touching a rule ink a fifth to a third of the shape, a rule is
# thin, letters run together stay short.
BAND_CONF = 50.0
BAND_SHARE = 0.9
BAND_LINES = 3.0
BAND_MIN_HEIGHT = 0.5
BAND_FILL = 0.5
_TJ = re.compile(rb"\[ <([0-9A-Fa-f]*)> \] TJ")
_T = TypeVar("_T")


def _is_scribble(word: Word, median: float) -> bool:
    if word.conf >= SCRIBBLE_CONF:
        return False
    if word.height > SCRIBBLE_HEIGHT * median:
        return True
    return word.width > SCRIBBLE_WIDTH_PER_CHAR * median * max(1, len(word.text))


def _ends_a_word(words: Sequence[Word], i: int, median: float) -> bool:
    """Sentence punctuation set right after a word of its line (no wider gap than a letter
    height), not taller than a line: text, whatever its confidence."""
    word = words[i]
    if i == 0 or not set(word.text) <= _SENTENCE_PUNCTUATION:
        return False
    before = words[i - 1]
    gap = word.left - (before.left + before.width)
    # The boxes may overlap: Tesseract's box of "hành" ran 46 px over the "./." after it.
    return (before.line == word.line and any(c.isalnum() for c in before.text)
            and word.left > before.left and gap <= median
            and word.height <= TALL_SYMBOL_HEIGHT * median)


def noise_word_indices(words: Sequence[Word]) -> set[int]:
    """Words that are not text: tall low-confidence shapes (a signature or seal read as
    "Ji", "[V4", "TW" at 20-50 % confidence, 3-4 lines high) and tiny ones (a speck read as
    "co" at 8 %, a seventh of a line high), scribbles far taller or wider
    than any printed word, symbol runs that are low-confidence (rules and dots read as
    "—", "|", "°") or taller than a line, except sentence punctuation closing a word, and
    tone marks read apart from their letters (`_a_mark_apart`)."""
    if not words:
        return set()
    median = statistics.median(w.height for w in words)
    drop = set()
    for i, w in enumerate(words):
        tall = w.height > NOISE_HEIGHT * median and w.conf < NOISE_CONF
        tiny = w.height < TINY_HEIGHT * median and w.conf < NOISE_CONF
        symbols = not any(c.isalnum() for c in w.text) and (
            w.conf < SYMBOL_CONF or w.height > TALL_SYMBOL_HEIGHT * median
        ) and not _ends_a_word(words, i, median)
        if tall or tiny or symbols or _is_scribble(w, median) or _a_mark_apart(words, i, median):
            drop.add(i)
    return drop


def _a_mark_apart(words: Sequence[Word], i: int, median: float) -> bool:
    """Word `i` is a tone mark read as a word of its own (`MARK_ABOVE`): over a word of its
    own line when Tesseract doubts it; however sure, over a word of the next line, whose
    row of marks Tesseract took into the line above ("~" read from the marks of "Hội
    đồng" under "- Như trên;", at 90 %)."""
    w = words[i]
    if w.height >= TINY_HEIGHT * median or any(c.isalnum() for c in w.text):
        return False
    middle, bottom = w.left + w.width / 2, w.top + w.height

    def over(o: Word) -> bool:
        """Its middle over `o`; or, on another line, a share of it, reaching into `o`'s box
        (whose marks it is)."""
        if w.conf < SCRIBBLE_CONF and o.left <= middle <= o.left + o.width:
            return True
        shared = min(w.left + w.width, o.left + o.width) - max(w.left, o.left)
        return o.line != w.line and shared >= MARK_SHARE * w.width and bottom > o.top

    return any(over(o) and any(c.isalpha() for c in o.text)
               and o.top - MARK_ABOVE * median <= bottom <= o.top + o.height / 2
               for o in words if o is not w)


def inkless_word_indices(words: Sequence[Word],
                         load_grey: Callable[[], NDArray[Any] | None]) -> set[int]:
    """Symbol words read where the image has no ink of their own: in a wide gap between two
    fields of a form line, or beside a table's cell edge, Tesseract's line model writes a "."
    or a "_" (at 57-73 % confidence) over white paper; a table's rule that stayed on the page
    is read as "|". The first kind's box holds almost no dark pixel (darker than the page's
    Otsu level); the second's ink is mostly one shape reaching far past it (`_on_a_rule`).
    Only words without letters or digits that Tesseract doubts (`INKLESS_CONF`) are judged (a
    faint word may be lighter than the level; a stray dot lost costs one character), and the
    image is loaded only when the page has one."""
    symbols = [i for i, w in enumerate(words)
               if not any(c.isalnum() for c in w.text) and w.conf < INKLESS_CONF
               and w.width > 0 and w.height > 0]
    out = set()
    for i, grey, level in _with_ink(symbols, load_grey):
        w = words[i]
        box = grey[max(0, w.top):w.top + w.height, max(0, w.left):w.left + w.width]
        if box.size and (np.count_nonzero(box <= level) < MIN_INK_SHARE * box.size
                         or _on_a_rule(grey, level, w)):
            out.add(i)
    return out


def _on_a_rule(grey: NDArray[Any], level: float, w: Word) -> bool:
    """Most of the ink in the word's box is one shape that reaches past the box by more than
    `RULE_REACH` times its height or width (looked for around the box only)."""
    shape = _main_shape(grey, level, w)
    return shape is not None and _reaches_past(shape, w)


def _reaches_past(shape: tuple[int, int, float], w: Word) -> bool:
    return shape[1] > RULE_REACH * w.height or shape[0] > RULE_REACH * w.width


def _main_shape(grey: NDArray[Any], level: float, w: Word) -> tuple[int, int, float] | None:
    """The shape holding most of the ink in the word's box, looked for around the box only:
    (width, height, share of its own bounding box it inks); None when no shape does."""
    return _largest(_shapes_in_box(grey, level, w))


_Shapes = tuple[NDArray[Any], NDArray[Any], NDArray[Any]]


def _largest(found: _Shapes) -> tuple[int, int, float] | None:
    """Of `_shapes_in_box`'s shapes, the one holding most of the box's ink, as `_main_shape`."""
    shapes, counts, stats = found
    if not len(shapes) or counts.max() < 0.5 * counts.sum():
        return None
    width, height, area = (int(v) for v in stats[shapes[np.argmax(counts)], 2:5])
    return width, height, area / max(1, width * height)


def _shapes_in_box(grey: NDArray[Any], level: float, w: Word) -> _Shapes:
    """The shapes with ink in the word's box, looked for around the box only: their labels,
    their pixel counts inside the box, and the stats (x, y, width, height, area) of all."""
    y0, x0 = max(0, w.top - 2 * w.height), max(0, w.left - 2 * w.width)
    window = (grey[y0:w.top + 3 * w.height, x0:w.left + 3 * w.width] <= level).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(window, connectivity=8)
    box = labels[w.top - y0:w.top - y0 + w.height, w.left - x0:w.left - x0 + w.width]
    shapes, counts = np.unique(box[box > 0], return_counts=True)
    return shapes, counts, stats


def _on_a_band(found: _Shapes, w: Word, line: float) -> bool:
    """Nearly all the ink in the word's box (`BAND_SHARE`) is one solid shape far longer than
    the word and than any letter (`BAND_LINES`)."""
    shapes, counts, stats = found
    if not len(shapes) or counts.max() < BAND_SHARE * counts.sum():
        return False
    width, height, area = (int(v) for v in stats[shapes[np.argmax(counts)], 2:5])
    return (width >= max(BAND_LINES * line, RULE_REACH * w.width)
            and height >= BAND_MIN_HEIGHT * line and area >= BAND_FILL * width * height)


def _all_thin(found: _Shapes, line: float) -> bool:
    """Nearly all the ink in the word's box (`_shapes_in_box`) belongs to thin strokes
    (`THIN_SHARE`)."""
    shapes, counts, stats = found
    if not len(shapes):
        return False
    width, height, area = (stats[shapes, k].astype(float) for k in (2, 3, 4))
    thin = ((np.maximum(width, height) >= THIN_SIZE * line)
            & (height >= THIN_MIN_HEIGHT * line) & (area < THIN_FILL * width * height))
    return bool(counts[thin].sum() >= THIN_SHARE * counts.sum())


def stroke_word_indices(words: Sequence[Word],
                        load_grey: Callable[[], NDArray[Any] | None]) -> set[int]:
    """Words read from a drawn stroke: a signature's curve read as "V", "Vi", "ý", "ƒ" (at
    0-83 % confidence, one to two lines high, so the height rules of `noise_word_indices` let
    them through). Most of such a word's ink is one shape reaching past its box
    (`_on_a_rule`) that is taller than `STROKE_HEIGHT` lines and inks less than `STROKE_FILL`
    of its own bounding box: a thin curve. Printed letters are compact shapes; letters touching
    an underline (the motto's "lập", "Hạnh") or each other on a dark scan make a shape one line
    high that inks a fifth of its box or more. Only words Tesseract doubts are judged.
    A word of any characters whose ink is all thin strokes (`_all_thin`) is a stroke too: the
    loops and underline of a signature read as "mm..." or "V____———", where no one shape
    holds most of the ink or reaches past the box. So is a word read from a solid dark band
    (`_on_a_band`)."""
    doubted = [i for i, w in enumerate(words)
               if w.conf < SCRIBBLE_CONF and w.width > 0 and w.height > 0]
    line = statistics.median(w.height for w in words) if words else 0.0
    out = set()
    for i, grey, level in _with_ink(doubted, load_grey):
        w = words[i]
        found = _shapes_in_box(grey, level, w)  # one labelling for all the tests
        if _all_thin(found, line) or (w.conf < BAND_CONF and _on_a_band(found, w, line)):
            out.add(i)
            continue
        if w.conf >= STROKE_CONF or not any(c.isalnum() for c in w.text):
            continue
        shape = _largest(found)
        if (shape is not None and _reaches_past(shape, w)
                and shape[1] >= STROKE_HEIGHT * line and shape[2] < STROKE_FILL):
            out.add(i)
    return out


# A unit of area or volume printed with a raised "2" or "3" ("m²", "km²", "m³"): Debian's `vie`
# model has no character for it, so Tesseract writes "m", "m?", "m”'", "mỶ" or "m2" after a
# number.
_UNIT = re.compile(r"(\d[\d.,]*)?([kcdm]?m)(\S{0,2}?)([.,;:)]?)")
_NUMBER = re.compile(r"\d[\d.,]*")
# Around the "m" (× its height): a raised digit starts within `RAISED_REACH` of its right edge,
# ends above its middle and is `RAISED_MIN`-`RAISED_MAX` of its height tall.
RAISED_REACH, RAISED_MIN, RAISED_MAX = 0.6, 0.4, 1.2
M_MIN_WIDTH = 0.9  # an "m" is wider than tall (× its height)
# × the "m"'s height: a word space (0.61-0.70 between a number and its unit in table cells
# Tesseract read as one word); a number printed against its unit leaves 0.03-0.57.
SPACE_GAP = 0.6
# The lower half of a "2" (its diagonal and base) has about as much ink left of its middle as
# right of it; a "3"'s lower bowl lies right (left/right 0.77-1.6 against 0.29-0.68 over nine
# fonts at 150-300 dpi, sharp and blurred).
LOWER_LEFT = 0.72


def raised_units(words: Sequence[Word], texts: dict[int, str],
                 load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of the units after a number as the image prints them: the raised "2" or
    "3" Tesseract could not write ("305 m?" -> "305 m²"; one shape beside the "m", ending above
    its middle), and the space it lost between the number and the unit ("61m" -> "61 m"; a gap
    a word space wide, `SPACE_GAP`), see `_unit_shapes`. `texts` holds the words' current texts
    where they differ from `words`; the image is loaded only when the page has such a unit."""
    found = []
    for k, w in enumerate(words):
        m = _UNIT.fullmatch(texts.get(k, w.text))
        if m is None or w.width <= 0 or w.height <= 0 or not _read_as_raised(m.group(3)):
            continue
        before = texts.get(k - 1, words[k - 1].text) if k and words[k - 1].line == w.line else ""
        if m.group(1) or _NUMBER.fullmatch(before.rstrip(".,")):
            found.append((k, m))
    out = {}
    for (k, m), grey, level in _with_ink(found, load_grey):
        shapes = _unit_shapes(grey, level, words[k])
        if shapes is None:
            continue
        spaced, digit = shapes
        number = (m.group(1) + WORD_SPACE if spaced else m.group(1)) if m.group(1) else ""
        text = f"{number}{m.group(2)}{digit or m.group(3)}{m.group(4)}"
        if digit or spaced:
            out[k] = text
    return out


def _with_ink(found: Sequence[_T], load_grey: Callable[[], NDArray[Any] | None]
              ) -> Iterator[tuple[_T, NDArray[Any], float]]:
    """Each of the words `found` (an index, or an index with what was matched in its text),
    with the page's grey image and its ink level (`_with_level`). The image is loaded only
    when a word is found, and nothing is yielded when the page has none."""
    image = _with_level(load_grey) if found else None
    if image is not None:
        grey, level = image
        for item in found:
            yield item, grey, level


def _with_level(load_grey: Callable[[], NDArray[Any] | None]
                ) -> tuple[NDArray[Any], float] | None:
    """The page image and its Otsu ink level (ink is at or below it); None without an image."""
    grey = load_grey()
    if grey is None:
        return None
    return grey, _otsu_level(grey)


# A reading's checks (inkless symbols, strokes, units, marks, separators) each need the level
# of the one image they share: it is computed once per image (7 ms on an A4 page at 300 dpi).
_levels: dict[int, tuple[weakref.ref[NDArray[Any]], float]] = {}
_levels_lock = threading.Lock()


def _otsu_level(grey: NDArray[Any]) -> float:
    with _levels_lock:
        known = _levels.get(id(grey))
        if known is not None and known[0]() is grey:
            return known[1]
    level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    with _levels_lock:
        for key in [k for k, (ref, _) in _levels.items() if ref() is None]:
            del _levels[key]
        _levels[id(grey)] = (weakref.ref(grey), float(level))
    return float(level)


def _read_as_raised(text: str) -> bool:
    """What Tesseract wrote for a raised digit: nothing, symbols, a letter ("Ỷ"; a vowel with a
    mark: "mẻ", "mô") or a digit ("m7"); the image tells it from a word (`_unit_shapes`). Two
    digits are a number, not a raised one."""
    return sum(c.isdigit() for c in text) <= 1


def _unit_shapes(grey: NDArray[Any], level: float, w: Word) -> tuple[bool, str] | None:
    """Around the word's last "m" (its rightmost shape wider than tall): whether a word space
    parts it from the shape before it, and "²" or "³" when one shape just right of it ends above
    its middle (`LOWER_LEFT` tells which), "" when none does. None when the "m" is not found
    or a shape on the line follows it (a digit as printed: "m2")."""
    y0, x0 = max(0, w.top - w.height // 2), max(0, w.left)
    window = (grey[y0:w.top + w.height, x0:w.left + w.width + w.height] <= level)
    boxes = _boxes(window)
    wide = [b for b in boxes if b[2] >= M_MIN_WIDTH * b[3] and b[3] >= 0.25 * w.height
            and b[0] < w.left - x0 + w.width]
    if not wide:
        return None
    mx, my, mw, mh = max(wide, key=lambda b: b[0])
    middle = my + mh / 2
    reach = mx + mw + RAISED_REACH * mh
    if any(mx + mw <= b[0] <= reach and b[1] + b[3] > middle and b[3] >= mh / 2 for b in boxes):
        return None
    ends = [b[0] + b[2] for b in boxes if b[0] + b[2] <= mx and b[1] + b[3] > middle]
    spaced = bool(ends) and mx - max(ends) >= SPACE_GAP * mh
    raised = [b for b in boxes if mx + mw / 2 <= b[0] <= reach and b[1] + b[3] <= middle
              and RAISED_MIN * mh <= b[3] <= RAISED_MAX * mh]
    if len(raised) != 1:
        return spaced, ""
    x, y, width, height = raised[0]
    lower = window[y + height // 2:y + height, x:x + width]
    left = int(np.count_nonzero(lower[:, :width // 2]))
    right = int(np.count_nonzero(lower[:, (width + 1) // 2:]))
    return spaced, "²" if left >= LOWER_LEFT * max(1, right) else "³"


# A mark Tesseract left off a line's last word, as parts of its letters' height (`_letters`):
# within `MARK_GAP` of the word, at most `MARK_WIDTH` wide; a dot ends at the baseline
# (`BASELINE_SLACK`) and is at most `DOT_HEIGHT` tall, a comma's tail goes below it.
MARK_GAP, MARK_WIDTH, DOT_HEIGHT, BASELINE_SLACK = 0.6, 0.45, 0.35, 0.12
MIN_MARK = 0.08  # smaller than this is a speck, not a printed mark
SEGMENT_GAP = 2.0  # × a word's height: white after it wider than any word space
_CLOSED = re.compile(r".*\d[.,;:]")  # a number closed by a mark (`phantom_marks`)
ONE_LINE = 1.25  # × the median word height: a box of one line
MARK_CLEAR = 0.1  # white between a mark and the letters, × their height


def dropped_marks(words: Sequence[Word], texts: dict[int, str],
                  load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a line's last word (or a part's, `_segment_ends`) with the mark after
    it that the image prints and Tesseract left off ("VP" for "VP.", "tư" for "tư;"): the only
    ink just right of the word is a dot on the baseline ("."), a comma's shape (","), or a dot
    above either (":", ";"), and no other word's box reaches there (`_mark_after`). `texts`
    holds the words' current texts where they differ from `words`."""
    ends = [k for k in _segment_ends(words)
            if texts.get(k, words[k].text)[-1:].isalnum() and words[k].height > 0]
    out = {}
    for k, grey, level in _with_ink(ends, load_grey):
        mark = _mark_after(grey, level, words, k)
        if mark:
            out[k] = texts.get(k, words[k].text) + mark
    return out


def item_number_marks(words: Sequence[Word], texts: dict[int, str],
                      load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a list item's number ("5." opening its line) read with a comma ("5,
    Họ, chữ đệm …") where the ink after the digits is a dot on the baseline (`_mark_in_box`).
    `texts` holds the words' current texts where they differ from `words`."""
    first: dict[int, int] = {}
    for k, w in enumerate(words):
        first.setdefault(w.line, k)
    found = [k for k in first.values()
             if words[k].height > 0 and _ITEM_NUMBER.fullmatch(texts.get(k, words[k].text))]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        text = texts.get(k, words[k].text)
        if _mark_in_box(grey, level, words[k]) == ".":
            out[k] = text[:-1] + "."
    return out


def _mark_in_box(grey: NDArray[Any], level: float, w: Word) -> str:
    """"." or "," for the one small shape right of the digits inside word `w`'s box (the box
    taken down below the baseline, where a comma's tail goes); "" when the ink shows neither."""
    page_h, page_w = grey.shape[:2]
    top, x0, x1 = max(0, w.top), max(0, w.left), min(page_w, w.left + w.width)
    letters = _letters(grey[top:min(page_h, w.top + w.height), x0:x1] <= level)
    if letters is None:
        return ""
    baseline, height = letters[0], letters[1]
    shapes = _boxes(grey[top:min(page_h, round(top + baseline + 0.6 * height)), x0:x1] <= level)
    tall = [b for b in shapes if b[3] >= height / 2]
    if not tall:
        return ""
    end = max(b[0] + b[2] for b in tall)
    after = [b for b in shapes if b not in tall and b[0] >= end]
    if len(after) != 1 or len(after) + len(tall) != len(shapes):
        return ""
    x, y, bw, bh = after[0]
    mark = _dot_or_comma(y, bw, bh, baseline, height)
    # a dot is round: a short comma's tail can end within the baseline's slack
    return "" if mark == "." and bh > ROUND_DOT * bw else mark


ROUND_DOT = 1.3  # a dot's height at most this × its width
_ITEM_NUMBER = re.compile(r"\d{1,2},")


def phantom_marks(words: Sequence[Word], texts: dict[int, str],
                  load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a number without the closing mark Tesseract wrote where the image has
    none: "1993." for a year followed by the next field far right of it. Right of the
    middle of the word's last letter, up to `MARK_GAP` past its box (less where the next
    word starts), there is no ink shorter than the letters at all. Only boxes of one line
    are judged (`ONE_LINE`): a taller one holds pieces of the next line. `texts` holds the
    words' current texts where they differ from `words`."""
    line = statistics.median(w.height for w in words) if words else 0
    found = [k for k, w in enumerate(words) if 0 < w.height <= ONE_LINE * line and w.width > 0
             and _CLOSED.fullmatch(texts.get(k, w.text))]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        w = words[k]
        right = w.left + w.width + round(MARK_GAP * w.height)
        right = min([right, *(o.left for o in words if o.line == w.line and o.left > w.left)])
        box = grey[max(0, w.top):w.top + w.height, max(0, w.left):max(w.left + w.width, right)]
        _, shapes = _labelled(box <= level)
        tallest = max((h for _, _, _, h in shapes), default=0)
        tall = [b for b in shapes if b[3] >= tallest / 2]
        if not tall:
            continue
        lx, _, lw, _ = max(tall, key=lambda b: b[0] + b[2])
        if not any(b not in tall and b[0] + b[2] > lx + lw / 2 for b in shapes):
            out[k] = texts.get(k, w.text)[:-1]
    return out



def _segment_ends(words: Sequence[Word]) -> list[int]:
    """The words that end a line, or a part of one before a wide gap (`SEGMENT_GAP` × the
    word's height): Tesseract joins the recipient list and the signer's title beside it into
    one line."""
    by_line: dict[int, list[int]] = {}
    for k, w in enumerate(words):
        by_line.setdefault(w.line, []).append(k)
    out = []
    for ks in by_line.values():
        ks.sort(key=lambda k: words[k].left)
        for a, b in zip(ks, [*ks[1:], None], strict=True):
            w = words[a]
            if b is None or words[b].left - (w.left + w.width) > SEGMENT_GAP * w.height:
                out.append(a)
    return out


def _labelled(ink: NDArray[Any]) -> tuple[NDArray[Any], list[tuple[int, int, int, int]]]:
    """The ink's shapes: their label image (shape i is label i + 1) and boxes (x, y, w, h)."""
    if not ink.size:  # OpenCV crashes on an empty image
        return np.zeros(ink.shape, np.int32), []
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8),
                                                               connectivity=8)
    return labels, [(int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3]))
                    for i in range(1, count)]


def _boxes(ink: NDArray[Any]) -> list[tuple[int, int, int, int]]:
    return _labelled(ink)[1]


def _letters(ink: NDArray[Any]) -> tuple[float, float] | None:
    """(baseline, letter height) of a word's ink: the median bottom and height of its shapes
    at least a third of its box tall (marks and dots left out)."""
    shapes = [b for b in _boxes(ink) if b[3] >= ink.shape[0] / 3]
    if not shapes:
        return None
    return (float(np.median([y + h for _, y, _, h in shapes])),
            float(np.median([h for _, _, _, h in shapes])))


def _mark_after(grey: NDArray[Any], level: float, words: Sequence[Word], k: int) -> str:
    """The mark right of word `k`'s last letter (inside its box, where Tesseract often leaves
    it, or in the gap after it), or "" when that ink is anything else."""
    w = words[k]
    page_h, page_w = grey.shape[:2]
    top, bottom = max(0, w.top), min(page_h, w.top + w.height)
    letters = _letters(grey[top:bottom, max(0, w.left):w.left + w.width] <= level)
    if letters is None:
        return ""
    baseline, height = letters[0] + top, letters[1]
    right = w.left + w.width
    x0, x1 = max(0, w.left), min(page_w, right + round(MARK_GAP * height))
    y0, y1 = max(0, round(baseline - 1.2 * height)), min(page_h, round(baseline + 0.6 * height))
    if x1 - right < 2 or any(i != k and o.left < x1 and o.left + o.width > right and o.top < y1
                             and o.top + o.height > y0 for i, o in enumerate(words)):
        return ""
    labels, shapes = _labelled(grey[y0:y1, x0:x1] <= level)
    tall = [b for b in shapes if b[3] >= height / 2]
    if not tall:
        return ""
    # Right of the last letter's middle: a dot tucks under a "P"'s or "V"'s overhang; a mark
    # above or below a letter sits at its middle. A piece of a broken letter (a serif's foot
    # on a photo) lies against the rest of it: a mark keeps `MARK_CLEAR` from every letter.
    lx, _, lw, _ = max(tall, key=lambda b: b[0] + b[2])
    last = lx + lw
    body = np.isin(labels, [i + 1 for i, b in enumerate(shapes) if b in tall])
    clear = max(2, round(MARK_CLEAR * height))
    after = [b for b in shapes if b not in tall and b[0] >= lx + lw / 2 and not body[
        max(0, b[1] - clear):b[1] + b[3] + clear, max(0, b[0] - clear):b[0] + b[2] + clear].any()]
    if len(after) != sum(1 for b in shapes if b not in tall and b[0] >= lx + lw / 2):
        return ""  # ink against the last letter: a broken letter, not a mark
    if not after or len(after) > 2 or any(
            y == 0 or x + bw >= x1 - x0 or y + bh >= y1 - y0 or bw > MARK_WIDTH * height
            or max(bw, bh) < MIN_MARK * height for x, y, bw, bh in after):
        return ""  # nothing, a letter running on, or specks
    line = baseline - y0
    x, y, bw, bh = max(after, key=lambda b: b[1])
    mark = _dot_or_comma(y, bw, bh, line, height)
    if not mark:
        return ""
    if len(after) == 1:
        return mark
    ux, uy, uw, uh = min(after, key=lambda b: b[1])
    dot_above = (uy + uh <= line - 0.3 * height and uh <= DOT_HEIGHT * height
                 and ux >= last - 1 and x >= last - 1 and ux < x + bw and x < ux + uw)
    return (":" if mark == "." else ";") if dot_above else ""


def _dot_or_comma(y: float, bw: float, bh: float, baseline: float, height: float) -> str:
    """"." for a shape `bw` × `bh` from `y` down that ends on the baseline and is at most
    `DOT_HEIGHT` of the letters' `height` tall, "," for one that starts above the baseline and
    goes below it, taller than wide; "" for anything else."""
    if abs(y + bh - baseline) <= BASELINE_SLACK * height and bh <= DOT_HEIGHT * height:
        return "."
    if y + bh > baseline + BASELINE_SLACK * height and y < baseline and bh >= 1.2 * bw:
        return ","
    return ""


_DIGITS = re.compile(r"\d{2,}")


def number_separators(words: Sequence[Word], texts: dict[int, str],
                      load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a number with the comma or dot between its digits that the image
    prints and Tesseract left out ("185m" for "18,5 m", "1500000" for "1.500.000"): between
    two of the digits that start the word, a dot on the baseline or a comma's shape
    (`_separators`), where the number they make is grouped as Vietnamese numbers are
    (`_well_grouped`; a speck that lands between two digits seldom is). `texts` holds the
    words' current texts where they differ from `words`."""
    found = [(k, m.end()) for k, w in enumerate(words)
             if w.height > 0 and (m := _DIGITS.match(texts.get(k, w.text)))]
    out = {}
    for (k, digits), grey, level in _with_ink(found, load_grey):
        text = texts.get(k, words[k].text)
        marks = _separators(grey, level, words[k], digits, sum(c.isalnum() for c in text))
        if not marks:
            continue
        new = "".join(marks.get(i, "") + c for i, c in enumerate(text[:digits])) + text[digits:]
        number = _NUMBER.match(new)
        if number is not None and _well_grouped(number.group().rstrip(".,")):
            out[k] = new
    return out


def _well_grouped(number: str) -> bool:
    """A decimal comma once ("18,5"), or dots between thousands ("1.500.000", "1.500,25")."""
    whole, _, fraction = number.partition(",")
    groups = whole.split(".")
    return "," not in fraction and "." not in fraction and bool(groups[0]) and all(
        len(g) == 3 for g in groups[1:]) and (bool(fraction) or "," not in number)


def _separators(grey: NDArray[Any], level: float, w: Word, digits: int,
                letters: int) -> dict[int, str]:
    """Digit index -> the "." or "," printed just before that digit of word `w`, whose first
    `digits` characters are digits and whose `letters` letters and digits are each printed as
    one shape; {} when the shapes do not tell (as many shapes as characters read, digits
    touching, ink of another kind between them)."""
    page_h, page_w = grey.shape[:2]
    top, bottom = max(0, w.top), min(page_h, w.top + w.height)
    x0, x1 = max(0, w.left), min(page_w, w.left + w.width)
    found = _letters(grey[top:bottom, x0:x1] <= level)
    if found is None:
        return {}
    baseline, height = found[0] + top, found[1]
    y1 = min(page_h, round(baseline + 0.6 * height))
    shapes = _boxes(grey[top:y1, x0:x1] <= level)
    tall = sorted((b for b in shapes if b[3] >= height / 2), key=lambda b: b[0])
    if len(tall) != letters or any(b[2] > 0.9 * height for b in tall[:digits]):
        return {}  # a digit misread, lost or made up: the shapes cannot be matched to it
    end = tall[digits - 1][0] + tall[digits - 1][2]
    out = {}
    for x, y, bw, bh in shapes:
        if (x, y, bw, bh) in tall or x + bw / 2 >= end or max(bw, bh) < MIN_MARK * height:
            continue
        # one shape wholly between two digits, a dot or a comma (printed close to them)
        after = next((i for i, b in enumerate(tall[:digits]) if b[0] >= x + bw), None)
        mark = _dot_or_comma(y, bw, bh, baseline - top, height)
        if (after is None or after == 0 or after in out or not mark
                or tall[after - 1][0] + tall[after - 1][2] > x):
            return {}
        out[after] = mark
    return out


def renumber_lines(words: Sequence[Word]) -> tuple[Word, ...]:
    """Consecutive 0-based line numbers in reading order after words were dropped."""
    mapping: dict[int, int] = {}
    out = []
    for w in words:
        mapping.setdefault(w.line, len(mapping))
        out.append(w if mapping[w.line] == w.line else replace(w, line=mapping[w.line]))
    return tuple(out)


def repaired_texts(words: Sequence[Word], repair: LineRepair | None) -> dict[int, str]:
    """Index -> new text of the words `repair` changes, handed one line's words at a time
    (a repair that returns another number of words is ignored for that line)."""
    if repair is None:
        return {}
    lines: dict[int, list[int]] = {}
    for k, w in enumerate(words):
        lines.setdefault(w.line, []).append(k)
    out: dict[int, str] = {}
    for members in lines.values():
        texts = [words[k].text for k in members]
        new = list(repair(texts))
        if len(new) == len(texts):
            out.update({k: t for k, t, old in zip(members, new, texts, strict=True) if t != old})
    return out


# A section heading's Roman numeral as Tesseract reads it: in bold serif capitals an "I" comes
# out "l", "|" or "T", two touching I's an "H", and one I of "III" is often lost. ("1." is an
# Arabic heading number, not a misread I.)
_HEADING_NUMERAL = re.compile(r"([IVXHTl|]{1,5})\.")
CURL = 0.2  # × its width: how far a curly apostrophe's tail ends left of its head
TEE_TOP = 1.4  # a T's bar against its stem and foot (1.6 in a bold serif); an I's serifs: 1.0
BAR_WIDTH = 0.6  # × its height: an I's stem with its serifs (0.5 in a bold serif face)
# A T touching the letter before it ("VT" set tight: the V's arm meets the T's bar) makes one
# shape of two letters. Its last full-height stem (columns inked over `STEM_INK` of the
# letters' height) is the T's: its bar runs right of the stem `OVERHANG` × the height or more
# and `TEE_TOP` times as far as its foot does. An I's serifs run as far at its top as at its
# foot.
STEM_INK = 0.75
OVERHANG = 0.2
# A Roman numeral of I's in running text ("quý III") with an I read as a T ("TII"); the other
# way round from the above: none of its letters carries a T's bar.
_NUMERAL_READ_WITH_T = re.compile(r"(?=[IT]*T)(?=[IT]*I)[IT]{2,3}[.,;:)]?")
_AS_I = str.maketrans({"l": "I", "|": "I", "T": "I"})
_ROMAN_VALUES = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_LONGEST_SEQUENCE = 39


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN_VALUES:
        while n >= value:
            out, n = out + letters, n - value
    return out


def numbered_headings(words: Sequence[Word], texts: dict[int, str]) -> dict[int, str]:
    """Index -> numeral of the section headings whose Roman numeral breaks the page's sequence
    where the next numeral of the sequence explains the reading: the heading after "I." read
    "H." or "l.", the one after "II." read "II." (an I lost). A heading opens its line with
    the numeral and a dot, and its other words are in capitals; "I." starts a sequence again
    (a new part), and a numeral that is neither the next one nor a reading of it is left as
    read. `texts` holds the words' current texts where they differ from `words`."""
    lines: dict[int, list[int]] = {}
    for k, w in enumerate(words):
        lines.setdefault(w.line, []).append(k)
    out: dict[int, str] = {}
    previous = 0
    for line in sorted(lines):
        first, *rest = lines[line]
        m = _HEADING_NUMERAL.fullmatch(texts.get(first, words[first].text))
        others = [texts.get(k, words[k].text) for k in rest]
        others = [t for t in others if any(c.isalpha() for c in t)]
        if m is None or not others or not all(_upper(t) for t in others):
            continue
        read = m.group(1).translate(_AS_I).replace("H", "II")
        expected = _roman(previous + 1)
        if read == "I":
            previous = 1  # a sequence starts (again)
        elif previous and (read == expected or (
                expected.count("I") >= 2 and read == expected.replace("I", "", 1))):
            if m.group(1) != expected:
                out[first] = expected + "."
            previous += 1
        elif read == m.group(1):  # a numeral as printed: the sequence goes on from it
            previous = next((n for n in range(1, _LONGEST_SEQUENCE + 1) if _roman(n) == read), 0)
        else:
            previous = 0
    return out


def counted_numerals(words: Sequence[Word], texts: dict[int, str],
                     load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> numeral of the section headings made of I's whose count Tesseract got wrong
    ("I." for a printed "II.", "II." for "III.", "H." for "II."), counted in the ink: the
    word opening its line holds one to three separate upright bars of one size, and one
    shape after them on the baseline (the dot). Touching letters, a "V" or an "X" are
    left as read. `texts` holds the words' current texts where they differ from `words`."""
    firsts: dict[int, int] = {}
    for k, w in enumerate(words):
        if w.line not in firsts or w.left < words[firsts[w.line]].left:
            firsts[w.line] = k
    found = [k for k in firsts.values() if words[k].height > 0 and (
        m := _HEADING_NUMERAL.fullmatch(texts.get(k, words[k].text))) and set(
            m.group(1)) <= set("IHl|T")]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        w = words[k]
        shapes = sorted(_boxes(grey[max(0, w.top):w.top + w.height,
                                    max(0, w.left):w.left + w.width] <= level))
        bars, rest = shapes[:-1], shapes[-1:]
        if not 1 <= len(bars) <= 3 or not rest:
            continue
        heights = [h for _, _, _, h in bars]
        widths = [bw for _, _, bw, _ in bars]
        x, y, bw, bh = rest[0]
        upright = all(bw_ <= BAR_WIDTH * h for bw_, h in zip(widths, heights, strict=True))
        alike = max(heights) <= 1.1 * min(heights) and max(widths) <= 1.25 * min(widths)
        dot = (bh <= DOT_HEIGHT * min(heights) and x >= bars[-1][0] + bars[-1][2]
               and abs(y + bh - (bars[-1][1] + bars[-1][3])) <= BASELINE_SLACK * min(heights))
        numeral = "I" * len(bars) + "."
        if upright and alike and dot and numeral != texts.get(k, w.text):
            out[k] = numeral
    return out


def tees_read_as_i(words: Sequence[Word], texts: dict[int, str],
                   load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a word in capitals with an "I" whose ink is a "T" ("VI," for the
    "VT," of every recipient list's "Lưu: VT"): each letter of the word is one upright shape
    (marks and punctuation left out), and the one read "I" is as wide as a T's bar at its top
    and `TEE_TOP` times narrower at its foot, where an I's serifs are as wide as at its
    top. A word ending in an "I" or "Ị" whose letters make one shape fewer than it reads
    ("VT" set tight, the V touching the T's bar) is a "T" when its last stem carries a bar
    (`_last_stem_a_tee`); so is a last letter read with a mark above that no ink above the
    letters shows ("VỀ,"). A numeral of I's read with a T ("TII") whose letters are all
    upright bars without a T's bar is read as I's. `texts` holds the words' current texts
    where they differ from `words`."""
    found = [k for k, w in enumerate(words) if w.height > 0 and ("I" in (
        t := texts.get(k, w.text)) or "Ị" in t or _marked_last(t))
        and sum(c.isalpha() for c in t) >= 2 and _upper(t)]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        w, text = words[k], texts.get(k, words[k].text)
        labels, shapes, letters = _word_ink(grey, level, w, 0.6)
        alpha = [c for c in text if c.isalpha()]
        chars = list(text)
        at = [n for n, c in enumerate(chars) if c.isalpha()]
        if len(letters) == len(alpha) - 1 and letters and (
                alpha[-1] in "IỊ" or (_marked_last(text) and not _ink_above(shapes, letters))):
            if _last_stem_a_tee(labels, shapes, letters):
                chars[at[-1]] = "T"
                out[k] = "".join(chars)
            continue
        if len(letters) != len(alpha):
            continue
        if _NUMERAL_READ_WITH_T.fullmatch(text) and all(
                b[2] <= BAR_WIDTH * b[3] and not _tee(labels == shapes.index(b) + 1, b)
                for b in letters):
            out[k] = text.replace("T", "I")  # "quý TII": the bars of a numeral, none a T
            continue
        changed = False
        for n, (c, box) in enumerate(zip(alpha, letters, strict=True)):
            if c in "IỊ" and _tee(labels == shapes.index(box) + 1, box):
                chars[at[n]] = "T"
                changed = True
        if changed:
            out[k] = "".join(chars)
    return out


def _marked_last(text: str) -> bool:
    """The word's last letter is a vowel with a mark above it ("VỀ,")."""
    alpha = [c for c in text if c.isalpha()]
    return bool(alpha) and bool(set(unicodedata.normalize("NFD", alpha[-1])[1:]) & _ABOVE)


def _ink_above(shapes: list[tuple[int, int, int, int]],
               letters: list[tuple[int, int, int, int]]) -> bool:
    """Some shape of the word lies wholly above its letters' tops: a mark's ink."""
    top = min(y for _, y, _, _ in letters)
    return any(b[1] + b[3] <= top for b in shapes if b not in letters)


_ABOVE = frozenset("\u0300\u0301\u0302\u0303\u0306\u0309")


def _word_ink(grey: NDArray[Any], level: float, w: Word, tall: float) -> tuple[
        NDArray[Any], list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """The ink in word `w`'s box: its label image, its shapes, and, left to right, its
    letters: the shapes at least `tall` of the tallest one's height (marks and punctuation
    left out)."""
    labels, shapes = _labelled(grey[max(0, w.top):w.top + w.height,
                                    max(0, w.left):w.left + w.width] <= level)
    tallest = max((h for _, _, _, h in shapes), default=0)
    return labels, shapes, sorted((b for b in shapes if b[3] >= tall * tallest),
                                  key=lambda b: b[0])


def _tee(mask: NDArray[Any], box: tuple[int, int, int, int]) -> bool:
    """The shape in `box` of `mask` is a T: its top rows span `TEE_TOP` times its stem's width
    and its foot, and half its height or more (a bar, not a serif)."""
    x, y, bw, bh = box
    ink = mask[y:y + bh, x:x + bw]
    band = max(2, round(0.12 * bh))

    def span(rows: NDArray[Any]) -> int:
        cols = np.flatnonzero(rows.any(axis=0))
        return int(cols[-1] - cols[0] + 1) if len(cols) else 0

    top, foot = span(ink[:band]), span(ink[-band:])
    stem = float(np.median([span(ink[r:r + 1]) for r in range(bh // 3, 2 * bh // 3)]))
    return top >= TEE_TOP * max(stem, foot) and top >= 0.5 * bh


def _last_stem_a_tee(labels: NDArray[Any], shapes: list[tuple[int, int, int, int]],
                     letters: list[tuple[int, int, int, int]]) -> bool:
    """The last full-height stem of the word's letters (`STEM_INK`) lies in its last letter
    shape and carries a T's bar: one running right of it `OVERHANG` × the letters' height or
    more, and `TEE_TOP` times as far as its foot does."""
    top = min(y for _, y, _, _ in letters)
    bottom = max(y + h for _, y, _, h in letters)
    ink = np.isin(labels, [shapes.index(b) + 1 for b in letters])[top:bottom]
    height = bottom - top
    stems = np.flatnonzero(ink.sum(axis=0) >= STEM_INK * height)
    last = letters[-1]
    if not len(stems) or stems[-1] < last[0]:
        return False
    end = int(stems[-1])
    band = max(2, round(0.12 * height))

    def reach(rows: NDArray[Any]) -> int:
        inked = np.asarray(rows.any(axis=0))[end + 1:]
        gaps = np.flatnonzero(~inked)
        return int(gaps[0]) if len(gaps) else len(inked)

    bar, foot = reach(ink[:band]), reach(ink[-band:])
    return bar >= OVERHANG * height and bar >= TEE_TOP * foot


def curly_apostrophes(words: Sequence[Word], texts: dict[int, str],
                      load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a word with its apostrophe printed curly ("M’Drắk", "Ea H’leo"):
    Tesseract's Vietnamese model writes every apostrophe straight. The shape between the
    two letters around it, in the upper half of the word, is a raised comma (its lowest
    ink `CURL` of its width left of its head's middle) rather than an upright wedge or
    bar. `texts` holds the words' current texts where they differ from `words`."""
    found = [k for k, w in enumerate(words) if w.height > 0 and "'" in texts.get(k, w.text)
             and texts.get(k, w.text).count("'") == 1]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        w, text = words[k], texts.get(k, words[k].text)
        before = sum(c.isalnum() for c in text[:text.index("'")])
        if before == 0 or before == sum(c.isalnum() for c in text):
            continue
        labels, shapes, letters = _word_ink(grey, level, w, 0.45)
        if len(letters) != sum(c.isalnum() for c in text):
            continue
        left, right = letters[before - 1], letters[before]
        between = [b for b in shapes if b not in letters and b[0] >= left[0] + left[2] - 1
                   and b[0] + b[2] <= right[0] + 1 and b[1] + b[3] <= left[1] + left[3] / 2]
        if len(between) != 1:
            continue
        x, y, bw, bh = between[0]
        ink = labels[y:y + bh, x:x + bw] == shapes.index(between[0]) + 1
        head = np.flatnonzero(ink[: max(1, bh // 3)].any(axis=0))
        low = np.flatnonzero(ink[-1])
        if len(head) and len(low) and (head[0] + head[-1]) / 2 - low.mean() >= CURL * bw:
            out[k] = text.replace("'", "’")
    return out


_LAST_W = re.compile(r".*[^\W\d_].*?(w)[.,;:)]?")  # a word ending in a "w"
FOOT = 0.15  # the bottom rows of a letter where a "v" is one point and a "w" two


def vees_read_as_w(words: Sequence[Word], texts: dict[int, str],
                   load_grey: Callable[[], NDArray[Any] | None]) -> dict[int, str]:
    """Index -> text of a word ending in a "w" whose ink is a "v" ("V/w" for the "V/v" of a
    letter's subject): no Vietnamese word has a "w", and the word's last shape of letter
    height comes to one point at its foot, where a "w" has two. `texts` holds the words'
    current texts where they differ from `words`."""
    found = [k for k, w in enumerate(words) if w.height > 0
             and _LAST_W.fullmatch(texts.get(k, w.text))]
    out = {}
    for k, grey, level in _with_ink(found, load_grey):
        w, text = words[k], texts.get(k, words[k].text)
        labels, shapes, letters = _word_ink(grey, level, w, 0.4)
        if len(letters) < 2:
            continue
        x, y, bw, bh = letters[-1]
        ink = labels[y:y + bh, x:x + bw] == shapes.index(letters[-1]) + 1
        foot = ink[-max(2, round(FOOT * bh)):].any(axis=0)
        runs = int(np.count_nonzero(foot[1:] & ~foot[:-1])) + int(foot[0])
        if runs == 1 and bw >= 0.5 * bh:  # one point at the foot, and no "l" or "i"
            m = _LAST_W.fullmatch(text)
            assert m is not None
            out[k] = text[:m.start(1)] + "v" + text[m.end(1):]
    return out



def _upper(text: str) -> bool:
    return all(c.isupper() for c in text if c.isalpha())


def page_text(words: Sequence[Word]) -> str:
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w.text)
    return "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))


def glued_punctuation(words: Sequence[Word]) -> dict[int, int]:
    """Index of a word of punctuation -> index of the word it ends: Tesseract's layout took
    them for one word ("hành./."), its line model put a space inside ("hành ./."). Such a
    split gives both words the one confidence of that reading; the two are on one line,
    `GLUE_GAP` × the letters' height apart or closer."""
    out = {}
    for i in range(1, len(words)):
        w, before = words[i], words[i - 1]
        if (w.line == before.line and w.block == before.block and w.conf == before.conf
                and w.text and not any(c.isalnum() for c in w.text)
                and any(c.isalnum() for c in before.text)
                and w.left - (before.left + before.width)
                <= GLUE_GAP * min(w.height, before.height)):
            out[i] = i - 1
    return out


def trimmed_leaders(words: Sequence[Word]) -> dict[int, str]:
    """Words Tesseract ended with dots the page does not have: a row number alone in a wide
    table cell read as "1..." in a box 18 px wide and 33 px tall (its LSTM fills the gap with
    a leader). A box narrower than `LEADER_MIN_WIDTH` of its height per character cannot hold
    those dots; printed dots ("ngày..." on a form) take their room. Index -> text without
    the dots."""
    out = {}
    for i, w in enumerate(words):
        core = w.text.rstrip(".…")
        tail = w.text[len(core):]
        if not any(c.isalnum() for c in core) or not (len(tail) >= 2 or "…" in tail):
            continue
        if w.width < LEADER_MIN_WIDTH * w.height * len(w.text):
            out[i] = core
    return out


def rewrite_words_in_text_pdf(pdf_path: Path, texts: dict[int, str], word_count: int, *,
                              drawn_only: bool = False) -> bool:
    """Give words of Tesseract's text-only PDF page new text ("" blanks a word), so that the
    searchable PDF says what the record says. Tesseract writes one `[ <utf-16 hex> ] TJ` per
    word in TSV order; when the counts disagree the layer is left as it is (returns False).
    With `drawn_only`, indices and count are those of the words still drawn (not blank): once
    the dropped words are blanked, those are the reading's words in order."""
    if not texts:
        return True
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        data = b"".join(s.read_bytes() for s in streams)
        found = _TJ.findall(data)
        if drawn_only:
            drawn = [n for n, hexed in enumerate(found) if hexed]
            if len(drawn) != word_count:
                return False
            texts, word_count = {drawn[k]: t for k, t in texts.items()}, len(found)
        if len(found) != word_count:
            return False
        counter = iter(range(word_count))

        def rewrite(match: re.Match[bytes]) -> bytes:
            text = texts.get(next(counter))
            if text is None:
                return match.group(0)
            spaced = text.replace(WORD_SPACE, " ")
            hexed = (spaced + " ").encode("utf-16-be").hex().upper() if text else ""
            return b"[ <" + hexed.encode("ascii") + b"> ] TJ"

        page.obj.Contents = pdf.make_stream(_TJ.sub(rewrite, data))
        pdf.save(pdf_path)
    return True
