"""Lines Tesseract's layout analysis left out, found in the ink and read on their own.

Tesseract's page segmentation sometimes takes a whole printed line for part of a picture and
does not read it at all: a short line beside a signature ("- Lưu: …" under a recipient list),
a boxed stamp word, a title line next to a seal. Plain Tesseract loses those lines too. Here
the page's letter-sized ink components that no recognised word covers are grouped into rows;
each row is cut out with everything that is not letter-sized (signature strokes, rules, frames)
erased, the rows are stacked on a blank sheet and read in one run as a block of text, and a
row's reading joins the page only when it reads as text (confident, valid syllables). The
recovered words get their place in the page's reading order and in the searchable layer.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from numpy.typing import NDArray

from ocr.compose import glyph_width
from ocr.engine import EngineOutput
from ocr.preprocess import Image, components, write_for_engine
from ocr.quality import reading_quality
from ocr.types import WORD_SPACE, LineRepair, Word
from ocr.words import rewrite_words_in_text_pdf

# A component is letter-sized when its height is within these multiples of the page's median
# letter and it is not much wider than tall (a few touching letters at most).
LETTER_MIN, LETTER_MAX, LETTER_MAX_WIDTH = 0.45, 2.0, 4.0
# Ink far larger than a letter (a signature stroke, a rule, a stamp's frame) is erased from a
# row before it is read.
STROKE_HEIGHT, STROKE_WIDTH = 2.2, 10.0
COVER_MARGIN = 0.35  # × letter height either side of a word's box: its punctuation
ROW_GAP = 1.6  # × letter height: components further apart are not one row of text
MIN_ROW_LETTERS = 4
MAX_UNCOVERED = 800  # more loose "letters" than this is noise, not a missed line: no re-read
MAX_ROWS = 12
OBSTRUCTION = 1.5  # × letter height either side of a row where a large shape obstructs it
FRAME_INNER_SHARE = 0.15  # a frame has almost all of its ink along its box's edges
# A grid: runs of 2 letters, under half a letter's square left over; a rule may slant (a
# curled page) by a tenth of a letter over the run. It reaches 6 letters or more: a straight
# pen stroke in the row (a handwritten "1", 2-3 letters tall) is no rule.
RULE_RUN, RULE_RESIDUE, RULE_SLANT, RULE_MIN_LENGTH = 2.0, 0.5, 0.1, 6.0
_RIM = np.ones((3, 3), np.uint8)
# A recovered row is kept only when it reads as text: Tesseract's mean word confidence and
# the share of valid syllables among its judged tokens.
MIN_ROW_CONF = 75.0
MIN_ROW_QUALITY = 0.75
# A word under this confidence is garbled rather than read (a line run into a bold title
# beside it: "c HA TH Mi co" at 0-34 %); a doubtful word (under `DOUBT_CONF`) touching it
# goes with it. Their ink is read again as a row, and replaced when that reads as text.
WEAK_CONF = 50.0
DOUBT_CONF = 80.0
# A column read down the page: this many words of one line, one under another. A mark read
# apart within this many letter heights right of one of them is cut out with it.
STACK_MIN = 3
STACK_JOIN = 0.5
# A word's box this many times the page's median word height may hold two lines: it does
# when its ink makes two bands of rows this many letters tall, parted by a blank this tall.
TWO_LINE_HEIGHT, TWO_LINE_BAND, TWO_LINE_GAP = 1.6, 0.6, 0.3
MARK_REACH = 0.8  # × letter height above a row: its marks
LEVEL = 0.25  # × a line's word height: a recovered word that far from its middle is level


@dataclass(frozen=True)
class Row:
    """A row of uncovered letters: its box in page pixels."""

    left: int
    top: int
    right: int
    bottom: int


Reader = Callable[[Path], EngineOutput | None]


def _letter_height(words: Sequence[Word]) -> float:
    # A word's box holds ascenders, descenders and marks; the letters' own median is about
    # two thirds of it.
    return 0.66 * statistics.median(w.height for w in words)


def missed_rows(grey: Image, words: Sequence[Word]) -> tuple[list[Row], NDArray[np.int32],
                                                                NDArray[np.bool_]]:
    """Rows of letter-sized ink that no recognised word covers; also the page's component
    labels and which labels a row's cut-out erases (strokes, ink of words already read)."""
    empty: tuple[list[Row], NDArray[np.int32], NDArray[np.bool_]] = (
        [], np.zeros((1, 1), np.int32), np.zeros(1, bool))
    if not words:
        return empty
    rows, labels, strokes, read = _missed_rows(grey, words)
    return (rows, labels, strokes | read) if rows else empty


def _missed_rows(grey: Image, words: Sequence[Word]) -> tuple[
        list[Row], NDArray[np.int32], NDArray[np.bool_], NDArray[np.bool_]]:
    """`missed_rows` with the page's labels, its strokes and the components under the words
    apart, even when no row is missed (a column read down the page is cut from the same
    labels)."""
    letter = _letter_height(words)
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats = components(binary)
    h = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    w = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    strokes = (h > STROKE_HEIGHT * letter) | (w > STROKE_WIDTH * letter)
    strokes[0] = False
    # Where a word was read: its box (whose ink a row's cut-out erases), and that box widened
    # sideways (a letter there is the word's own, a stroke of a letter it ran into). A letter
    # whose middle lies above or below every box is another line's: a tightly set list's next
    # line, under the descenders of the one above.
    boxes = np.zeros(grey.shape[:2], np.uint8)
    beside = np.zeros(grey.shape[:2], np.uint8)
    pad = round(COVER_MARGIN * letter)
    for word in words:
        right, bottom = word.left + word.width, word.top + word.height
        cv2.rectangle(boxes, (word.left, word.top), (right, bottom), 1, -1)
        cv2.rectangle(beside, (word.left - pad, word.top), (right + pad, bottom), 1, -1)
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    cy = np.minimum(y + stats[:, cv2.CC_STAT_HEIGHT] // 2, grey.shape[0] - 1)
    cx = np.minimum(x + stats[:, cv2.CC_STAT_WIDTH] // 2, grey.shape[1] - 1)
    read = boxes[cy, cx].astype(bool)
    read[0] = False
    sized = (h >= LETTER_MIN * letter) & (h <= LETTER_MAX * letter) & (w <= LETTER_MAX_WIDTH * h)
    inside = beside[cy, cx].astype(bool)
    loose = np.flatnonzero(sized & ~inside & ~strokes)
    loose = loose[loose > 0]
    # What a row's cut-out must not show: strokes, and the ink of words already read (the
    # descenders of the line above, a neighbouring column), but not the row's own tone marks
    # in the margin under the line above.
    ids: NDArray[np.int32] = np.asarray(labels, np.int32)
    if not len(loose) or len(loose) > MAX_UNCOVERED:
        return [], ids, strokes, read
    letters = [(int(x[k]), int(y[k]), int(x[k] + w[k]), int(y[k] + h[k])) for k in loose]
    boxes_of: NDArray[np.int32] = np.asarray(stats, np.int32)
    rows = [r for r in _rows(letters, letter)
            if not _obstructed(r, ids, strokes, boxes_of, letter)]
    return rows, ids, strokes, read


def _obstructed(row: Row, labels: NDArray[np.int32], strokes: NDArray[np.bool_],
                stats: NDArray[np.int32], letter: float) -> bool:
    """A shape larger than a letter reaches into the row's band (within `OBSTRUCTION` letters
    either side): a seal over a signer's title, a signature across a line. Its letters that
    touch the shape are erased with it, so the row would be read in part ("Ủ TƯỚNG" for "PHÓ
    THỦ TƯỚNG" under a seal) and stored as if whole: such a row is left unread. A rectangular
    frame around the row (a boxed copy mark) does not obstruct it."""
    reach = round(OBSTRUCTION * letter)
    band = labels[row.top:row.bottom, max(0, row.left - reach):row.right + reach]
    for k in np.unique(band[strokes[band]]):
        x, y, w, h = (int(v) for v in stats[k, :4])
        ink = labels[y:y + h, x:x + w] == k
        edge = max(3, round(0.1 * min(w, h)))
        inner = ink[edge:h - edge, edge:w - edge]
        framed = inner.size > 0 and inner.sum() <= FRAME_INNER_SHARE * ink.sum()
        if not framed and not _ruled(ink, letter):
            return True
    return False


def _ruled(ink: NDArray[np.bool_], letter: float) -> bool:
    """A table's grid (or a lone rule): ink made of straight horizontal and vertical runs at
    least `RULE_RUN` letters long, with less than `RULE_RESIDUE` of a letter's square left
    over (a letter run into a rule, a seal's ring or a signature's curve leaves more). Each
    run may drift `RULE_SLANT` of a letter to either side: the rules of a curled page slant.
    The shape reaches `RULE_MIN_LENGTH` letters: a handwritten "1" in the row is straight too,
    and erasing it would store "4" for a day written "14"."""
    if max(ink.shape) < RULE_MIN_LENGTH * letter:
        return False
    run = max(3, round(RULE_RUN * letter))
    drift = 2 * max(1, round(RULE_SLANT * letter)) + 1
    mask = ink.astype(np.uint8)
    flat = np.asarray(cv2.dilate(mask, np.ones((drift, 1), np.uint8)))
    upright = np.asarray(cv2.dilate(mask, np.ones((1, drift), np.uint8)))
    across = np.asarray(cv2.morphologyEx(flat, cv2.MORPH_OPEN, np.ones((1, run), np.uint8)))
    down = np.asarray(cv2.morphologyEx(upright, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8)))
    lines = np.asarray(cv2.dilate(np.maximum(across, down), np.ones((3, 3), np.uint8))) > 0
    left = int(np.count_nonzero(ink & ~lines))
    return left < RULE_RESIDUE * letter * letter


def _rows(boxes: list[tuple[int, int, int, int]], letter: float) -> list[Row]:
    """Group letter boxes into rows: overlapping vertically by half a letter, no wider gap
    than `ROW_GAP` letters between neighbours."""
    boxes.sort()
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    gap = ROW_GAP * letter
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if b[0] - a[2] > gap:
                break  # sorted by left edge: every later box is further right
            overlap = min(a[3], b[3]) - max(a[1], b[1])
            if overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1]):
                parent[root(j)] = root(i)
    groups: dict[int, list[tuple[int, int, int, int]]] = {}
    for i, box in enumerate(boxes):
        groups.setdefault(root(i), []).append(box)
    rows = []
    for members in groups.values():
        left, right = min(b[0] for b in members), max(b[2] for b in members)
        if len(members) >= MIN_ROW_LETTERS and right - left >= 3 * letter:
            rows.append(Row(left, min(b[1] for b in members), right,
                            max(b[3] for b in members)))
    rows.sort(key=lambda r: (r.top, r.left))
    return rows[:MAX_ROWS]


@dataclass(frozen=True)
class _Cut:
    x0: int  # crop origin on the page
    y0: int
    top: int  # where the crop sits on the stacked sheet
    height: int


def _sheet(grey: Image, rows: Sequence[Row], labels: NDArray[np.int32],
           erase: NDArray[np.bool_], letter: float, marks: bool = False
           ) -> tuple[Image, list[_Cut]]:
    """The rows cut out (`erase`d components blanked) and stacked with blank space between
    them; with `marks`, each row keeps the small shapes just above it even where they lie in
    a word box of the line above (`_marks_over`)."""
    page_h, page_w = grey.shape[:2]
    margin = round(letter)
    cuts, pieces = [], []
    y = margin
    for row in rows:
        # A letter's width either side: the dash or bullet before a row is not letter-sized.
        x0 = max(0, row.left - round(1.2 * letter))
        x1 = min(page_w, row.right + round(0.8 * letter))
        y0 = max(0, row.top - round(0.9 * letter))  # the marks above capitals
        y1 = min(page_h, row.bottom + round(0.6 * letter))
        piece = grey[y0:y1, x0:x1].copy()
        # Only the row's own ink, with a rim for its anti-aliased edges; the rest blank.
        ids = labels[y0:y1, x0:x1]
        own = ~erase[ids]
        if marks:
            own |= _marks_over(ids, row, x0, y0, letter)
        keep = cv2.dilate(((ids > 0) & own).astype(np.uint8), _RIM)
        piece[keep == 0] = 255
        pieces.append(piece)
        cuts.append(_Cut(x0, y0, y, y1 - y0))
        y += (y1 - y0) + round(ROW_GAP * letter)
    width = max(p.shape[1] for p in pieces) + 2 * margin
    sheet = np.full((y + margin, width), 255, np.uint8)
    for cut, piece in zip(cuts, pieces, strict=True):
        sheet[cut.top:cut.top + piece.shape[0], margin:margin + piece.shape[1]] = piece
    return sheet, [replace(c, x0=c.x0 - margin) for c in cuts]


def _marks_over(ids: NDArray[np.int32], row: Row, x0: int, y0: int,
                letter: float) -> NDArray[np.bool_]:
    """Of a row's cut-out `ids` (page labels from `x0`, `y0`), the shapes smaller than a
    letter lying just above the row's letters, within its width: the row's tone marks where a
    word box of the line above reaches over them (a tightly set list: "- Như Điều 3;" under
    "Nơi nhận:" read "Đieu"), or that line's comma or descender."""
    top, bottom = max(0, row.top - round(MARK_REACH * letter) - y0), row.top - y0
    band = ids[top:bottom + round(0.3 * letter), row.left - x0:row.right - x0]
    out = np.zeros(ids.shape, bool)
    for k in np.unique(band[band > 0]):
        ys, xs = np.nonzero(ids == k)
        if (ys.min() > top and ys.max() < bottom + 0.3 * letter
                and ys.max() - ys.min() < LETTER_MIN * letter and xs.max() - xs.min() < letter):
            out[ys, xs] = True
    return out


def weak_words(words: Sequence[Word]) -> set[int]:
    """Words read so poorly that their ink counts as not read: under `WEAK_CONF`, and the
    doubtful words touching them on their line (a dash read as "c" before a garbled run)."""
    weak = {k for k, w in enumerate(words) if w.conf < WEAK_CONF}
    if not weak:
        return weak
    letter = _letter_height(words)
    grown = True
    while grown:
        grown = False
        for k, w in enumerate(words):
            if k in weak or w.conf >= DOUBT_CONF:
                continue
            if any(words[j].line == w.line and _gap(w, words[j]) <= letter for j in weak):
                weak.add(k)
                grown = True
    return weak


def _gap(a: Word, b: Word) -> int:
    return max(b.left - (a.left + a.width), a.left - (b.left + b.width), 0)


def recover_lines(grey: Image, output: EngineOutput, read: Reader, scratch: Path,
                  dpi: int, repair: LineRepair | None = None) -> EngineOutput:
    """`output` with the rows it missed, the rows it garbled (`weak_words`) and the columns it
    read down the page (`stacked_words`), read on their own and placed in reading order (and
    in its text layer). A garbled run is replaced only by a row that reads as text; `output`
    itself when nothing does. A word read again that joins a line is repaired (`repair`)
    with that line's words around it: read alone, it has no neighbour to decide its marks
    ("tren;" cut out of "- Như trên;")."""
    if not output.words:
        return output
    stacked = stacked_words(output.words)
    weak = (weak_words(output.words) | two_line_words(grey, output.words)) - stacked
    strong = [w for k, w in enumerate(output.words) if k not in weak]
    if not strong:
        return output
    rows, labels, strokes, inked = _missed_rows(grey, strong)
    letter = _letter_height(strong)
    columns = _stacked_rows(output.words, stacked, letter)
    if not rows and not columns:
        return output
    erase = strokes | inked
    for row, _ in columns:
        # the column's own ink is what its cut-out reads
        ids = np.unique(labels[row.top:row.bottom, row.left:row.right])
        erase[ids] = strokes[ids]
    sheet, cuts = _sheet(grey, [*rows, *(row for row, _ in columns)], labels, erase, letter)
    found = read_sheet(sheet, read, scratch)
    if found is None or not found.words:
        return output
    placed = _placed(found, cuts)
    # A row that does not read as text is cut again with the small shapes above it, which a
    # word box of the line above may hold: its own marks, or that line's comma (read in
    # the first cut, or kept out of it).
    again = [n for n in range(len(rows)) if not any(
        m == n and _reads_as_text(text, words) for m, text, words in placed)]
    if again:
        sheet, cuts = _sheet(grey, [rows[n] for n in again], labels, erase, letter, marks=True)
        found = read_sheet(sheet, read, scratch)
        if found is not None:
            placed = [p for p in placed if p[0] not in again] + [
                (again[n], text, words) for n, text, words in _placed(found, cuts)]
            placed.sort(key=lambda p: p[0])
    lines = [(text, words) for n, text, words in placed
             if n < len(rows) and _reads_as_text(text, words)]
    # Each recovered line replaces the garbled words its own words lie over.
    owner = _owners(output.words, weak, [words for _, words in lines], letter)
    recovered = [(text, words, {k for k, o in owner.items() if o == mine})
                 for mine, (text, words) in enumerate(lines)]
    recovered += [(text, words, columns[n - len(rows)][1]) for n, text, words in placed
                  if n >= len(rows) and _reads_as_item(text, words)]
    if not recovered:
        return output
    merged, text, slots, drawn = _merge(output, recovered, stacked, repair)
    if output.text_pdf is not None:
        if slots and not rewrite_words_in_text_pdf(output.text_pdf, slots, len(output.words),
                                                   drawn_only=True):
            return output  # the layer could not follow: the reading stays as it was
        add_lines_to_text_pdf(output.text_pdf, drawn, dpi=dpi, page_height_px=grey.shape[0])
    return EngineOutput(words=merged, text=text, text_pdf=output.text_pdf)


def two_line_words(grey: Image, words: Sequence[Word]) -> set[int]:
    """Words whose box holds two lines of print: Tesseract merged a line into the next one
    in a tightly set list ("Kho", "bạc", "Nhà" in boxes 90 px tall over "- Như Điều 3;" and
    "- Kho bạc Nhà nước khu vực;") and read one of them. A box `TWO_LINE_HEIGHT` times the
    page's median word height whose ink makes two bands of rows `TWO_LINE_BAND` letters tall
    or more, with blank rows between (a capital's marks above it make a thinner band; the top
    of the next line's capitals, caught in the box, too)."""
    median = statistics.median(w.height for w in words)
    tall = [k for k, w in enumerate(words) if w.height >= TWO_LINE_HEIGHT * median]
    if not tall:
        return set()
    letter = _letter_height(words)
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    found = set()
    for k in tall:
        w = words[k]
        box = np.asarray(binary[max(0, w.top):w.top + w.height, max(0, w.left):w.left + w.width])
        rows = np.asarray(np.count_nonzero(box, axis=1) > 0)
        # bands of rows parted by blank runs as tall as the white between two lines (a seal
        # or a signature over the word leaves only thin gaps)
        blank = ~rows
        edges = np.flatnonzero(np.diff(np.concatenate(([0], blank.astype(np.int8), [0]))))
        gaps = [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True)
                if b - a >= TWO_LINE_GAP * letter]
        cuts = [0, *[x for gap in gaps for x in gap], len(rows)]
        bands = [int(rows[a:b].sum()) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        if sum(1 for n in bands if n >= TWO_LINE_BAND * letter) >= 2:
            found.add(k)
    return found


def _owners(words: Sequence[Word], weak: set[int], lines: Sequence[Sequence[Word]],
            letter: float) -> dict[int, int]:
    """Index of a weak word -> the recovered line (index in `lines`) that replaces it: the
    one its box lies over; of two (a box over two lines), the one with a word read like it
    beside it."""
    out = {}
    for k in weak:
        word = words[k]
        over = [n for n, line in enumerate(lines) if _overlaps(word, line, letter)]
        if len(over) > 1:
            over.sort(key=lambda n: -max(
                (SequenceMatcher(None, word.text, w.text).ratio() for w in lines[n]
                 if min(w.left + w.width, word.left + word.width) > max(w.left, word.left)),
                default=0.0))
        if over:
            out[k] = over[0]
    return out


def stacked_words(words: Sequence[Word]) -> set[int]:
    """Words of a line Tesseract read down the page: `STACK_MIN` or more words of one line,
    each wholly below the one before, in one column. Tesseract takes such a column (the row
    numbers of a list above a table's numbered column) for a line of vertical text and reads
    it turned, so each word is a glyph read sideways ("¬" for "1.", "C2)" for "3.")."""
    lines: dict[int, list[int]] = {}
    for k, word in enumerate(words):
        lines.setdefault(word.line, []).append(k)
    found: set[int] = set()
    for members in lines.values():
        if len(members) < STACK_MIN:
            continue
        down = sorted(members, key=lambda k: words[k].top)
        if all(_below(words[a], words[b]) for a, b in zip(down, down[1:], strict=False)):
            found.update(members)
    return found


def _below(a: Word, b: Word) -> bool:
    """`b` lies wholly below `a`, overlapping half the narrower one's width."""
    across = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    return b.top >= a.top + a.height and across >= 0.5 * min(a.width, b.width)


def _stacked_rows(words: Sequence[Word], stacked: set[int],
                  letter: float) -> list[tuple[Row, set[int]]]:
    """Each stacked word's box, with the marks read apart just right of it on its row (the
    dot of "1.", the bracket of "a)"), and the indices of the words it replaces."""
    rows = []
    for k in sorted(stacked, key=lambda k: (words[k].top, words[k].left)):
        w = words[k]
        took, left, top, right, bottom = {k}, w.left, w.top, w.left + w.width, w.top + w.height
        for j in sorted(range(len(words)), key=lambda j: words[j].left):
            o = words[j]
            if (j not in stacked and not any(c.isalnum() for c in o.text)
                    and w.top <= o.top + o.height / 2 <= w.top + w.height
                    and 0 <= o.left - right <= STACK_JOIN * letter):
                took.add(j)
                top, right, bottom = min(top, o.top), o.left + o.width, max(bottom,
                                                                           o.top + o.height)
        rows.append((Row(left, top, right, bottom), took))
    return rows


def _reads_as_item(text: str, words: Sequence[Word]) -> bool:
    """A stacked word's own reading replaces its reading down the page, which is a glyph
    read sideways whatever its confidence, unless Tesseract garbles this one too."""
    return any(c.isalnum() for c in text) and statistics.mean(
        w.conf for w in words) >= WEAK_CONF


def read_sheet(sheet: Image, read: Reader, scratch: Path) -> EngineOutput | None:
    """The sheet of stacked rows written to `scratch` for `read`, and removed."""
    image = write_for_engine(sheet, scratch)
    try:
        return read(image)
    finally:
        image.unlink(missing_ok=True)


def _overlaps(word: Word, words: Sequence[Word], letter: float) -> bool:
    """The word's centre lies within the span of `words` (with the marks above and below)."""
    cx, cy = word.left + word.width / 2, word.top + word.height / 2
    return (min(w.left for w in words) - letter / 2 <= cx
            <= max(w.left + w.width for w in words) + letter / 2
            and min(w.top for w in words) - letter <= cy
            <= max(w.top + w.height for w in words) + letter)


def _placed(found: EngineOutput, cuts: Sequence[_Cut]) -> list[tuple[int, str, list[Word]]]:
    """The sheet's lines, as (the cut they were read from, line text, words in page
    pixels)."""
    texts = found.text.split("\n")
    lines: dict[int, list[Word]] = {}
    for word in found.words:
        lines.setdefault(word.line, []).append(word)
    out = []
    for number, words in sorted(lines.items()):
        text = texts[number] if number < len(texts) else " ".join(w.text for w in words)
        middle = statistics.median(w.top + w.height / 2 for w in words)
        n = next((n for n, c in enumerate(cuts) if c.top <= middle < c.top + c.height), None)
        if n is None:
            continue
        cut = cuts[n]
        out.append((n, text, [replace(w, left=w.left + cut.x0, top=w.top - cut.top + cut.y0)
                              for w in words]))
    return out


def _reads_as_text(text: str, words: Sequence[Word]) -> bool:
    if sum(c.isalnum() for c in text) < 3:
        return False
    if statistics.mean(w.conf for w in words) < MIN_ROW_CONF:
        return False
    quality = reading_quality(text)
    if quality.tokens == 0:
        # a table cell of digits (a date, an id number): no syllable to judge, so only a sure
        # reading of digits and their separators counts
        return (all(_NUMBER.fullmatch(t) for t in text.split())
                and min(w.conf for w in words) >= MIN_NUMBER_CONF)
    return quality.score >= MIN_ROW_QUALITY


_NUMBER = re.compile(r"\d[\d/.,:-]*\d")
MIN_NUMBER_CONF = 90.0


Drawn = tuple[list[Word], list[Word]]  # words to draw in the text layer, the line they sit on


def _merge(output: EngineOutput, recovered: list[tuple[str, list[Word], set[int]]],
           stacked: frozenset[int] | set[int] = frozenset(), repair: LineRepair | None = None
           ) -> tuple[tuple[Word, ...], str, dict[int, str], list[Drawn]]:
    """The page's lines without the words the recovered lines replace. A recovered line that
    replaced words of a line that keeps others, and no whole line, joins that line, in
    left-to-right order (a garbled word or two inside a line; `stacked` words, read down the
    page, do not count); so does one beside a line at its height (a table's
    cell beside its row's other cells, `_beside`); any other is a line of its own, put after
    the nearest line above it in the same column (before the page's first line when none is
    above). Words are renumbered in that order.

    Also how the text layer follows: the replaced words' new text (a joining line's text takes
    the place of the first word it replaces, in Tesseract's own line; the others are blanked),
    and the lines of their own to draw."""
    replaced = set().union(*(r for _, _, r in recovered))
    slots = dict.fromkeys(replaced, "")
    texts = output.text.split("\n")
    lines: dict[int, list[int]] = {}
    for k, word in enumerate(output.words):
        lines.setdefault(word.line, []).append(k)
    order: list[list[tuple[str, Word]]] = []
    host: dict[int, int] = {}  # index of an output word kept -> its line in `order`
    for n, members in sorted(lines.items()):
        # The text's tokens are the line's words (repaired): one per word.
        tokens = texts[n].split(" ") if n < len(texts) else []
        if len(tokens) != len(members):
            tokens = [output.words[k].text for k in members]
        kept = [(t, k) for t, k in zip(tokens, members, strict=True) if k not in replaced]
        if kept:
            host.update({k: len(order) for _, k in kept})
            order.append([(t, output.words[k]) for t, k in kept])
    block = max(w.block for w in output.words) + 1
    drawn: list[Drawn] = []
    for text, words, took in recovered:
        tokens = text.split(" ")
        pairs = list(zip(tokens, (replace(w, block=block) for w in words), strict=True)) if len(
            tokens) == len(words) else [(w.text, replace(w, block=block)) for w in words]
        # It joins the one line whose words it replaces in part (a garbled word inside a
        # line); not when it replaces a whole line too (a garbled line that took a word of the
        # next along), nor through a column read down the page.
        inline = [k for k in took if k not in stacked]
        mates = {host[j] for k in inline for j in lines[output.words[k].line] if j in host}
        whole = any(all(j in replaced for j in lines[output.words[k].line]) for k in inline)
        if len(mates) == 1 and inline and not whole:
            line = order[mates.pop()]
            # Words of that line: its block too (extraction reads a line's columns by block).
            joined = [(t, replace(w, block=line[0][1].block)) for t, w in pairs]
            line.extend(joined)
            line.sort(key=lambda pair: pair[1].left)
            if repair is not None:
                pairs = _repaired_in_line(line, joined, repair)
            # drawn in place of the first word it replaces there
            slots[min(inline, key=lambda k: output.words[k].left)] = " ".join(
                t for t, _ in pairs)
            continue
        page_lines = [[w for _, w in line] for line in order]
        beside = _beside(page_lines, words)
        # drawn on the baseline and at the size of the line it joins when it sits level
        # with it, so that the layer reads it as part of that line
        level = beside is not None and _level(page_lines[beside], words)
        # drawn with their repaired text (the tokens), as the page's own words are
        drawn.append(([replace(w, text=t) for t, w in pairs], [w for _, w in pairs] + (
            page_lines[beside] if beside is not None and level else [])))
        if beside is not None:
            # a cell of a table row (or a column's line) whose neighbours were read: it takes
            # its place in their line, left to right, as Tesseract reads a row across columns
            order[beside].extend(pairs)
            order[beside].sort(key=lambda pair: pair[1].left)
            continue
        at = _insert_at(page_lines, words)
        order.insert(at, pairs)
        host = {k: n + (n >= at) for k, n in host.items()}
    merged = [replace(w, line=n) for n, line in enumerate(order) for _, w in line]
    text = "\n".join(" ".join(t for t, _ in line) for line in order)
    return tuple(merged), text, slots, drawn


def _repaired_in_line(line: list[tuple[str, Word]], joined: list[tuple[str, Word]],
                      repair: LineRepair) -> list[tuple[str, Word]]:
    """The words `joined` to `line` (in place) repaired with the line's words around them;
    the others keep their text. Returns the joined words as they now read, left to right."""
    fixed = list(repair([t for t, _ in line]))
    ours = {id(w) for _, w in joined}
    if len(fixed) == len(line):
        line[:] = [(f if id(w) in ours else t, w) for (t, w), f in zip(line, fixed, strict=True)]
    return [(t, w) for t, w in line if id(w) in ours]


def _beside(order: Sequence[Sequence[Word]], words: Sequence[Word]) -> int | None:
    """The line whose height holds the middle of `words` and none of whose words they lie
    over (the nearest by middle when several do); None when no line does."""
    left, right, middle = _span(words)
    best, best_gap = None, float("inf")
    for n, ws in enumerate(order):
        if not min(w.top for w in ws) <= middle <= max(w.top + w.height for w in ws):
            continue
        if any(min(right, w.left + w.width) > max(left, w.left) for w in ws):
            continue
        gap = abs(statistics.median(w.top + w.height / 2 for w in ws) - middle)
        if gap < best_gap:
            best, best_gap = n, gap
    return best


def _level(line: Sequence[Word], words: Sequence[Word]) -> bool:
    """`words` sit level with `line`: their middles within `LEVEL` of its words' height."""
    height = statistics.median(w.height for w in line)
    return abs(_span(words)[2] - _span(line)[2]) <= LEVEL * height


def _span(words: Sequence[Word]) -> tuple[int, int, float]:
    """Left and right edges of `words`, and the median of their middles."""
    return (min(w.left for w in words), max(w.left + w.width for w in words),
            statistics.median(w.top + w.height / 2 for w in words))


def _insert_at(order: Sequence[Sequence[Word]], words: Sequence[Word]) -> int:
    left, right, middle = _span(words)
    best, best_bottom = 0, float("-inf")
    for n, ws in enumerate(order):
        bottom = max(w.top + w.height / 2 for w in ws)
        same_column = min(right, max(w.left + w.width for w in ws)) > max(
            left, min(w.left for w in ws))
        if same_column and bottom < middle and bottom > best_bottom:
            best, best_bottom = n + 1, bottom
    return best


def add_lines_to_text_pdf(pdf_path: Path, lines: Sequence[Drawn], *, dpi: int,
                          page_height_px: int) -> bool:
    """Draw each line's words (boxes in the pixels of the image Tesseract read at `dpi`) as
    invisible text on Tesseract's text-only page, as it draws its own: its glyph-less font,
    the baseline and size of the line they sit on, a `Tz` stretching each word over its box.
    False when the page has no such font (nothing drawn)."""
    lines = [(words, on) for words, on in lines if words and on]
    if not lines:
        return True
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        fonts = page.Resources.get("/Font")
        if not fonts:
            return False
        name = next(iter(fonts.keys()))
        glyph = glyph_width(page)
        pt = 72.0 / dpi
        ops = []
        for words, on in lines:
            # As Tesseract sizes a line: its box's height; the baseline from its tall words
            # (a dash's or a comma's box does not sit on it).
            tallest = max(w.height for w in on)
            tall = [w for w in on if w.height >= 0.6 * tallest]
            base = statistics.median(w.top + w.height for w in tall)
            size = round((max(w.top + w.height for w in on) - min(w.top for w in on)) * pt, 2)
            y = (page_height_px - base) * pt
            neighbours = sorted({*on, *words}, key=lambda w: w.left)
            for w in sorted(words, key=lambda w: w.left):
                text = w.text.replace(WORD_SPACE, " ") + " "
                # A box Tesseract ran over the next word ends where that word starts.
                after = next((n for n in neighbours if n.left > w.left), None)
                width = w.width if after is None else min(w.width, after.left - w.left)
                tz = 100 * (max(1, width) * pt) / (len(text) * glyph * size)
                hexed = text.encode("utf-16-be").hex().upper()
                ops.append(f"BT 3 Tr 1 0 0 1 {w.left * pt:.2f} {y:.2f} Tm {name} {size} Tf "
                           f"{tz:.3f} Tz [ <{hexed}> ] TJ ET")
        page.contents_add(pikepdf.Stream(pdf, ("\n" + "\n".join(ops) + "\n").encode("ascii")))
        pdf.save(pdf_path)
    return True
