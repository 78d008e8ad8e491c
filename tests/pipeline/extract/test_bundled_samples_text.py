"""Every bundled sample against its truth file, field by field, without OCR.

Each sample's pages are laid out again (`samples.layout`, the same lines and boxes the scans
were drawn from) and handed to extraction as word boxes, so this runs in a second and checks
extraction alone: the truth files are the generator's, regenerated when the generator changes
(`tests/samples` checks they are byte-identical). The real-OCR version of this check is
`test_samples_truth.py` (marked slow).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ocr.types import Word
from pipeline.extract import FIELDS, ExtractOptions, PageInput, extract_metadata
from samples.bundled import good_samples
from samples.layout import layout
from samples.specs import DocSpec

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
OPTIONS = ExtractOptions(today=date(2026, 11, 30))


def text_pages(spec: DocSpec) -> list[PageInput]:
    """The drawn lines as Tesseract-like word boxes: each word placed along its line's box."""
    pages = []
    for page in layout(spec):
        words: list[Word] = []
        for k, line in enumerate(page.lines):
            left, top, right, bottom = line.box
            n = max(1, len(line.text))
            for m in re.finditer(r"\S+", line.text):
                x0 = left + (right - left) * m.start() / n
                x1 = left + (right - left) * m.end() / n
                words.append(Word(m.group(0), int(x0), top, max(1, int(x1 - x0)), bottom - top,
                                  95.0, k, 0))
        text = "\n".join(line.text for line in page.lines)
        pages.append(PageInput(text, words, page.width, page.height, 95.0))
    return pages


def printed(iso: str, drawn: str) -> bool:
    d = date.fromisoformat(iso)
    return any(f in drawn for f in (f"{d.day:02d}/{d.month:02d}/{d.year}",
                                    f"{d.day}/{d.month}/{d.year}",
                                    f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}",
                                    f"ngày {d.day:02d} tháng {d.month} năm {d.year}"))


def expected(truth: dict[str, Any]) -> dict[str, Any]:
    """The truth file's fields; a date the generator records but never prints (a builder's
    birth date on a permit) cannot be read, so it is expected null."""
    fields = dict(truth["fields"])
    drawn = " ".join(line for page in truth["pages"] for line in page["lines"])
    for name in ("owner_birth_date", "valid_until"):
        value = fields.get(name)
        if isinstance(value, str) and value != "permanent" and not printed(value, drawn):
            fields[name] = None
    return fields


def _norm(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.split())
    return None if value == [] else value


@pytest.mark.parametrize("good", good_samples(), ids=lambda g: Path(g.file).stem)
def test_every_field_of_every_bundled_sample(good: Any) -> None:
    truth = json.loads((SAMPLES / "truth" / f"{Path(good.file).stem}.json").read_text("utf-8"))
    want = expected(truth)
    ex = extract_metadata(text_pages(good.spec), options=OPTIONS)
    wrong = {name: (ex.fields[name].value, want.get(name)) for name in FIELDS
             if _norm(ex.fields[name].value) != _norm(want.get(name))}
    assert not wrong, f"{good.file}: (got, want) {wrong}"
    assert not ex.needs_review, ex.review_reasons  # clean text: nothing left to a reviewer
