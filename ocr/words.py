"""Recognised words: drop what is not text, rebuild page text, keep the PDF layer in step."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pikepdf

from ocr.types import Word

NOISE_HEIGHT = 2.3  # × median word height: signature scribbles and seals read as "words"
NOISE_CONF = 60.0
SYMBOL_CONF = 50.0
# A scribble read with fair confidence ("Và", "am", "YY" at 68-85 %) is still far taller than
# any printed line (a title in capitals with stacked marks is under 2.5 × the median word) or
# far wider per letter than any glyph (a stroke read as "1", 4.7 × its height).
SCRIBBLE_HEIGHT = 3.0
SCRIBBLE_CONF = 90.0
SCRIBBLE_WIDTH_PER_CHAR = 2.5  # × median word height; "M", "W", "—" stay under 1.5
TALL_SYMBOL_HEIGHT = 1.8  # printed punctuation is not taller than a line ("./." 1.4 ×)
# The sentence punctuation of printed pages, which Tesseract often reads at low confidence
# (the "./." closing an administrative text: 8 %) but which is text when it follows a word.
_SENTENCE_PUNCTUATION = set(".,;:/!?)")
_TJ = re.compile(rb"\[ <([0-9A-Fa-f]*)> \] TJ")


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
    return (before.line == word.line and any(c.isalnum() for c in before.text)
            and -median < gap <= median and word.height <= TALL_SYMBOL_HEIGHT * median)


def noise_word_indices(words: Sequence[Word]) -> set[int]:
    """Words that are not text: tall low-confidence shapes (a signature or seal read as
    "Ji", "[V4", "TW" at 20-50 % confidence, 3-4 lines high), scribbles far taller or wider
    than any printed word, and symbol runs that are low-confidence (rules and dots read as
    "—", "|", "°") or taller than a line, except sentence punctuation closing a word."""
    if not words:
        return set()
    median = statistics.median(w.height for w in words)
    drop = set()
    for i, w in enumerate(words):
        tall = w.height > NOISE_HEIGHT * median and w.conf < NOISE_CONF
        symbols = not any(c.isalnum() for c in w.text) and (
            w.conf < SYMBOL_CONF or w.height > TALL_SYMBOL_HEIGHT * median
        ) and not _ends_a_word(words, i, median)
        if tall or symbols or _is_scribble(w, median):
            drop.add(i)
    return drop


def renumber_lines(words: Sequence[Word]) -> tuple[Word, ...]:
    """Consecutive 0-based line numbers in reading order after words were dropped."""
    mapping: dict[int, int] = {}
    out = []
    for w in words:
        mapping.setdefault(w.line, len(mapping))
        out.append(w if mapping[w.line] == w.line else replace(w, line=mapping[w.line]))
    return tuple(out)


def page_text(words: Sequence[Word]) -> str:
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w.text)
    return "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))


def blank_words_in_text_pdf(pdf_path: Path, drop: set[int], word_count: int) -> bool:
    """Blank the dropped words in Tesseract's text-only PDF page, so that the searchable PDF
    says what the record says. Tesseract writes one `[ <utf-16 hex> ] TJ` per word in TSV
    order; when the counts disagree the layer is left as it is (returns False)."""
    if not drop:
        return True
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        data = b"".join(s.read_bytes() for s in streams)
        if len(_TJ.findall(data)) != word_count:
            return False
        counter = iter(range(word_count))

        def blank(match: re.Match[bytes]) -> bytes:
            return b"[ <> ] TJ" if next(counter) in drop else match.group(0)

        page.obj.Contents = pdf.make_stream(_TJ.sub(blank, data))
        pdf.save(pdf_path)
    return True
