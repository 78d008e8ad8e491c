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
_TJ = re.compile(rb"\[ <([0-9A-Fa-f]*)> \] TJ")


def noise_word_indices(words: Sequence[Word]) -> set[int]:
    """Words that are not text: tall low-confidence shapes (a signature or seal read as
    "Ji", "[V4", "TW" at 20-50 % confidence, 3-4 lines high) and low-confidence runs of
    symbols only (rules and dots read as "—", "|", "°")."""
    if not words:
        return set()
    median = statistics.median(w.height for w in words)
    drop = set()
    for i, w in enumerate(words):
        tall = w.height > NOISE_HEIGHT * median and w.conf < NOISE_CONF
        symbols = not any(c.isalnum() for c in w.text) and w.conf < SYMBOL_CONF
        if tall or symbols:
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
