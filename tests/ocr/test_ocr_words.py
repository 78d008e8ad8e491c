from __future__ import annotations

from pathlib import Path

import pdfplumber
from ocr_testpages import render_page, save_png

from ocr.tesseract import TesseractEngine
from ocr.types import Word
from ocr.words import noise_word_indices, page_text, renumber_lines


def _w(text: str, height: int, conf: float, line: int) -> Word:
    return Word(text=text, left=0, top=0, width=10, height=height, conf=conf, block=1, line=line)


def test_signature_scribbles_and_symbol_noise_dropped() -> None:
    words = [
        _w("Quyết", 34, 96, 0),
        _w("định", 33, 95, 0),
        _w("GIẤY", 52, 91, 1),
        _w("Ji", 140, 32, 2),
        _w("[V4", 141, 21, 2),
        _w("—", 49, 18, 3),
        _w("hành.", 34, 0, 4),
        _w("-", 30, 90, 5),
        _w("TỈNH", 120, 88, 6),
    ]
    assert noise_word_indices(words) == {3, 4, 5}


def test_text_rebuilt_with_consecutive_lines() -> None:
    words = [_w("a", 30, 90, 0), _w("b", 30, 90, 2), _w("c", 30, 90, 2), _w("d", 30, 90, 5)]
    kept = renumber_lines(words)
    assert [w.line for w in kept] == [0, 1, 1, 2]
    assert page_text(kept) == "a\nb c\nd"


def test_dropped_words_leave_the_pdf_layer_too(tmp_path: Path) -> None:
    page = render_page(["Quyết định số hóa", "Độc lập - Tự do - Hạnh phúc"])
    page[700:760, 1500:1700] = 0  # a blot the engine may read as a tall "word"
    png = save_png(page, tmp_path / "p.png")
    out = TesseractEngine().recognise(png, tmp_path / "p", dpi=300, timeout_s=60)
    assert out.text_pdf is not None
    with pdfplumber.open(out.text_pdf) as pdf:
        layer = " ".join((pdf.pages[0].extract_text() or "").split())
    assert layer == " ".join(out.text.split())
