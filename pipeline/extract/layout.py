"""Page layout for metadata extraction: word boxes → positioned text lines.

Words are grouped into rows by vertical overlap, and a row is split into segments where the
horizontal gap is wide (the two columns of an administrative header, "Nơi nhận" vs the signer
block). Each segment becomes a `Line` with its relative position and per-word confidences, so a
field value can be scored with the OCR confidence of exactly the words it came from. Pages without
boxes fall back to their flat text, where runs of 3+ spaces are treated as column gaps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Protocol

from pipeline.vntext import nfc


class WordBox(Protocol):
    """What extraction needs from an OCR word (ocr.types.Word satisfies it)."""

    @property
    def text(self) -> str: ...
    @property
    def left(self) -> int: ...
    @property
    def top(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def conf(self) -> float: ...


TEXT_AXIS = 0.535


@dataclass(frozen=True)
class Line:
    """One text segment: a line of one column, or a whole flat-text line."""

    text: str
    page: int
    y: float = -1.0  # relative vertical centre 0..1, -1 when unknown
    x0: float = -1.0  # relative left edge
    x1: float = -1.0  # relative right edge
    row: int = 0  # row number on the page: segments of one row share it
    h: float = 0.0  # relative height of the line (0 when unknown)
    word_spans: tuple[tuple[int, int, float], ...] = field(default=(), repr=False)
    conf: float = 1.0  # mean confidence 0..1 of the line's words (page confidence if none)
    words: tuple[WordBox, ...] = field(default=(), repr=False)
    page_size: tuple[float, float] = (0.0, 0.0)
    axis: float = TEXT_AXIS  # relative x of the page's text axis (centre between margins)

    @property
    def has_box(self) -> bool:
        return self.x0 >= 0

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2 if self.has_box else -1.0

    def zone(self) -> str:
        """"left", "right", "centre" or "" (unknown) by horizontal position.

        A4 administrative pages have a 30-35 mm left and 15-20 mm right margin, so the text
        axis sits at ~0.535 of the page width; the header columns and the signer block are
        centred at ~0.3 and ~0.7.
        """
        if not self.has_box:
            return ""
        if abs(self.centre - self.axis) < 0.05:
            return "centre"
        if self.x1 <= self.axis + 0.025:
            return "left"
        if self.x0 >= self.axis - 0.035:
            return "right"
        if abs(self.centre - self.axis) < 0.08:
            return "centre"
        return "left" if self.centre < self.axis else "right"

    def span_conf(self, start: int, end: int) -> float:
        """Confidence of the words overlapping text[start:end] (mix of mean and minimum)."""
        confs = [c for s, e, c in self.word_spans if s < end and e > start]
        if not confs:
            return self.conf
        return 0.5 * (sum(confs) / len(confs)) + 0.5 * min(confs)


@dataclass(frozen=True)
class PageLayout:
    page: int
    lines: tuple[Line, ...]
    has_boxes: bool


def _word_conf(conf: float) -> float:
    """Tesseract confidence 0..100 → 0..1 (negative = not a word → 0)."""
    return max(0.0, min(1.0, conf / 100.0))


def _rows(words: Sequence[WordBox]) -> list[list[WordBox]]:
    """Group words into rows by vertical overlap with the row's median line."""
    rows: list[list[WordBox]] = []
    centres: list[float] = []
    heights: list[float] = []
    for w in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        c = w.top + w.height / 2
        if rows and abs(c - centres[-1]) <= 0.5 * max(heights[-1], 1):
            rows[-1].append(w)
            n = len(rows[-1])
            centres[-1] += (c - centres[-1]) / n
            heights[-1] = median(x.height for x in rows[-1])
        else:
            rows.append([w])
            centres.append(c)
            heights.append(float(w.height))
    return rows


def _engine_lines(words: Sequence[WordBox]) -> list[list[WordBox]] | None:
    """Words grouped by the engine's own (block, line) numbers, when it gives them.

    Tesseract separates columns into blocks, which is more reliable than re-clustering words by
    position when two columns sit on almost the same baseline.
    """
    keys = [(getattr(w, "block", None), getattr(w, "line", None)) for w in words]
    if any(b is None or ln is None for b, ln in keys):
        return None
    groups: dict[tuple[object, object], list[WordBox]] = {}
    for key, w in zip(keys, words, strict=True):
        groups.setdefault(key, []).append(w)
    return [sorted(g, key=lambda w: w.left) for g in groups.values()]


def _rows_of_segments(segs: Sequence[Sequence[WordBox]]) -> list[int]:
    """Row number per segment: segments whose vertical centres are close share a row."""
    centre = [median(w.top + w.height / 2 for w in s) for s in segs]
    height = [median(w.height for w in s) for s in segs]
    order = sorted(range(len(segs)), key=lambda k: centre[k])
    rows = [0] * len(segs)
    r, ref = -1, None
    for k in order:
        if ref is None or abs(centre[k] - centre[ref]) > 0.5 * max(height[ref], 1):
            r, ref = r + 1, k
        rows[k] = r
    return rows


def _segments(row: list[WordBox], page_width: float) -> list[list[WordBox]]:
    """Split a row where the gap between words is wider than a column gap."""
    row = sorted(row, key=lambda w: w.left)
    h = median(w.height for w in row)
    gap_limit = max(3.0 * h, 0.06 * page_width)
    segs: list[list[WordBox]] = [[row[0]]]
    for prev, w in zip(row, row[1:], strict=False):
        if w.left - (prev.left + prev.width) > gap_limit:
            segs.append([w])
        else:
            segs[-1].append(w)
    return segs


def _line_from_words(seg: list[WordBox], page: int, row: int, width: float,
                     height: float) -> Line:
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    pos = 0
    for w in seg:
        t = nfc(w.text)
        if not t:
            continue
        if parts:
            pos += 1
        spans.append((pos, pos + len(t), _word_conf(w.conf)))
        parts.append(t)
        pos += len(t)
    text = " ".join(parts)
    confs = [c for _, _, c in spans]
    top = min(w.top for w in seg)
    bottom = max(w.top + w.height for w in seg)
    return Line(text=text, page=page, y=(top + bottom) / 2 / height,
                x0=min(w.left for w in seg) / width,
                x1=max(w.left + w.width for w in seg) / width, row=row,
                h=median(w.height for w in seg) / height,
                word_spans=tuple(spans), conf=sum(confs) / len(confs) if confs else 0.0,
                words=tuple(seg), page_size=(width, height))


@dataclass(frozen=True)
class Box:
    """A word box extraction made itself (a WordBox): part of an OCR word cut where two
    overprinted columns ran together, or a word of a page turned upright."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int = 0
    line: int = 0


def _cut_word(word: WordBox, at: int) -> tuple[Box, Box]:
    text = nfc(word.text)
    split_x = round(word.width * at / max(1, len(text)))
    return (Box(text[:at], word.left, word.top, max(1, split_x), word.height, word.conf),
            Box(text[at:], word.left + split_x, word.top, max(1, word.width - split_x),
                   word.height, word.conf))


def split_line(line: Line, offsets: Sequence[int]) -> list[Line]:
    """Split a positioned line at character offsets (inside a word if needed)."""
    if not line.words or not offsets:
        return [line]
    cuts = sorted(set(offsets))
    groups: list[list[WordBox]] = [[]]
    for (start, end, _), word in zip(line.word_spans, line.words, strict=True):
        inside = [c for c in cuts if start < c < end]
        if inside and inside[0] - start < 2:  # cut at the word's first letter: before it
            groups.append([word])
            continue
        if inside:
            head, tail = _cut_word(word, inside[0] - start)
            groups[-1].append(head)
            groups.append([tail])
            continue
        if groups[-1] and any(start >= c > 0 and start - c < 2 for c in cuts):
            groups.append([])
        groups[-1].append(word)
    if len(groups) == 1:
        return [line]
    w, h = line.page_size
    return [replace(_line_from_words(g, line.page, line.row, w, h), axis=line.axis)
            for g in groups if g]


def layout_from_words(words: Sequence[WordBox], page: int, width: int = 0,
                      height: int = 0) -> PageLayout:
    """Positioned lines of one page from its word boxes."""
    real = [w for w in words if nfc(w.text) and w.width > 0 and w.height > 0]
    if not real:
        return PageLayout(page=page, lines=(), has_boxes=False)
    w_px = float(width or max(w.left + w.width for w in real))
    h_px = float(height or max(w.top + w.height for w in real))
    lines: list[Line] = []
    engine_lines = _engine_lines(real)
    if engine_lines is None:
        for r, row in enumerate(_rows(real)):
            for seg in _segments(row, w_px):
                line = _line_from_words(seg, page, r, w_px, h_px)
                if line.text:
                    lines.append(line)
    else:
        segs = [seg for group in engine_lines for seg in _segments(group, w_px)]
        rows = _rows_of_segments(segs)
        for seg, r in zip(segs, rows, strict=True):
            lines.append(_line_from_words(seg, page, r, w_px, h_px))
    axis = text_axis(lines)
    return PageLayout(page=page, lines=tuple(replace(ln, axis=axis) for ln in lines),
                      has_boxes=True)


def text_axis(lines: Sequence[Line]) -> float:
    """Centre between the page's text margins, from lines of several words.

    Scans are not centred on the paper and margins differ per agency, so the centred title and
    the column split are judged against this axis, not against the middle of the image.
    """
    body = [ln for ln in lines if len(ln.text.split()) >= 4]
    if len(body) < 3:
        return TEXT_AXIS
    lefts = sorted(ln.x0 for ln in body)
    rights = sorted(ln.x1 for ln in body)
    k = max(0, len(body) // 20)
    axis = (lefts[k] + rights[-1 - k]) / 2
    return axis if 0.35 < axis < 0.7 else TEXT_AXIS


def layout_from_text(text: str, page: int, confidence: float = 100.0) -> PageLayout:
    """Lines of one page from flat text; wide space runs split columns."""
    conf = _word_conf(confidence)
    lines: list[Line] = []
    raw_lines = unicode_lines(text)
    for r, raw in enumerate(raw_lines):
        for part in re.split(r"\s{3,}|\t", raw):
            part = nfc(part)
            if part:
                lines.append(Line(text=part, page=page, row=r, conf=conf))
    return PageLayout(page=page, lines=tuple(lines), has_boxes=False)


def unicode_lines(text: str) -> list[str]:
    """Split on any line break, NFC each line but keep inner space runs (column gaps)."""
    return [unicodedata.normalize("NFC", raw).rstrip() for raw in text.splitlines()]
