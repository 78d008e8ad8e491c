"""The searchable PDF's text layer reads back line by line (pdfplumber groups characters into
lines by their top): a line Tesseract sized far taller than its neighbours must not swallow the
line above it, and a word whose box ran over its neighbours must not interleave with them."""

from __future__ import annotations

import subprocess
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


def _tesseract_text_page(tmp_path: Path, words: str) -> Path:
    """Tesseract's own text-only page for one printed line (its glyph-less font, a `Tz` per
    word sized to the word's box)."""
    image = np.full((120, 900), 255, np.uint8)
    cv2.putText(image, words, (20, 80), cv2.FONT_HERSHEY_DUPLEX, 1.6, 0, 3)
    png = tmp_path / "line.png"
    cv2.imwrite(str(png), image)
    subprocess.run(["tesseract", str(png), str(tmp_path / "line"), "-l", "vie", "--psm", "7",
                    "--dpi", "300", "-c", "textonly_pdf=1", "pdf"],
                   check=True, capture_output=True)
    return tmp_path / "line.pdf"


def _stretch_first_word(text_pdf: Path, factor: float) -> None:
    """Make the first word's glyphs run over the next ones, as Tesseract does when it gives a
    word a box spanning its whole line."""
    with pikepdf.open(text_pdf, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        ops = list(pikepdf.parse_content_stream(page))
        at = next(k for k, op in enumerate(ops) if str(op.operator) == "Tz")
        tz = float(ops[at].operands[0])
        ops[at] = pikepdf.ContentStreamInstruction([round(tz * factor, 3)], ops[at].operator)
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        pdf.save(text_pdf)


def _page_text(tmp_path: Path, text_pdf: Path) -> str:
    out = tmp_path / "page.pdf"
    write_page_pdf(out, jpeg=encode_jpeg(np.full((120, 900), 255, np.uint8), 75),
                   width_px=900, height_px=120, dpi=300, colour=False, text_pdf=text_pdf)
    with pdfplumber.open(out) as doc:
        return doc.pages[0].extract_text() or ""


def test_a_word_whose_box_ran_over_its_neighbours_reads_back_whole(tmp_path: Path) -> None:
    text_pdf = _tesseract_text_page(tmp_path, "TRUONG CONG AN")
    assert _page_text(tmp_path, text_pdf) == "TRUONG CONG AN"
    _stretch_first_word(text_pdf, 3.0)
    # Unnarrowed, the characters of the three words interleave ("TRUOCONNGG A N").
    assert _page_text(tmp_path, text_pdf) == "TRUONG CONG AN"
