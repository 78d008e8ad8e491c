"""The searchable PDF's text layer reads back line by line (pdfplumber groups characters into
lines by their top): a line Tesseract sized far taller than its neighbours must not swallow the
line above it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pikepdf

from ocr.compose import encode_jpeg, write_page_pdf

UPPER, LOWER = "SO KE HOACH VA DAU TU", "TINH BINH PHUOC"


def _text_only_page(path: Path, lower_size: float) -> Path:
    """A text-only page as Tesseract writes one (invisible text, a Tf per line, a Tz per
    word): two lines 12 pt apart, the lower one sized `lower_size`, the body lines 10 pt."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 300))
    page = pdf.pages[0]
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    body = " ".join(f"0 -14 Td /F1 10 Tf 100 Tz (BODY LINE {n}) Tj" for n in range(4))
    stream = (f"BT 3 Tr 1 0 0 1 40 250 Tm /F1 10 Tf 100 Tz ({UPPER}) Tj "
              f"0 -12 Td /F1 {lower_size} Tf 40 Tz ({LOWER}) Tj {body} ET")
    page.Contents = pdf.make_stream(stream.encode("ascii"))
    pdf.save(path)
    return path


def _read_back(tmp_path: Path, lower_size: float) -> list[str]:
    text_pdf = _text_only_page(tmp_path / f"text-{lower_size}.pdf", lower_size)
    image = np.full((300, 400), 255, np.uint8)
    out = tmp_path / f"page-{lower_size}.pdf"
    write_page_pdf(out, jpeg=encode_jpeg(image, 75), width_px=400, height_px=300, dpi=72,
                   colour=False, text_pdf=text_pdf)
    with pdfplumber.open(out) as doc:
        return (doc.pages[0].extract_text() or "").splitlines()


def test_a_line_sized_like_its_neighbours_reads_back_whole(tmp_path: Path) -> None:
    lines = _read_back(tmp_path, 10)
    assert lines[:2] == [UPPER, LOWER]


def test_an_oversized_line_does_not_interleave_with_the_line_above(tmp_path: Path) -> None:
    # At 26 pt the lower line's glyph tops sit within pdfplumber's 3-pt tolerance of the upper
    # line's: unevened, both read as one line with their characters interleaved.
    lines = _read_back(tmp_path, 26)
    assert lines[:2] == [UPPER, LOWER]
    assert len(lines) == 6


def test_image_only_page_is_unchanged(tmp_path: Path) -> None:
    image = cv2.cvtColor(np.full((30, 40), 200, np.uint8), cv2.COLOR_GRAY2BGR)
    out = tmp_path / "blank.pdf"
    write_page_pdf(out, jpeg=encode_jpeg(image, 75), width_px=40, height_px=30, dpi=72,
                   colour=True, text_pdf=None)
    with pdfplumber.open(out) as doc:
        assert (doc.pages[0].extract_text() or "") == ""
