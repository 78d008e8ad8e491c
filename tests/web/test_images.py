"""Page images: a PDF page rendered to PNG at the asked width, with the signature stamp."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from PIL import Image

from pipeline.i18n import use_language
from sohoa.web.images import PageNotFound, render_pdf_page


def _two_pages() -> bytes:
    pdf = FPDF(format="A4")
    for text in ("trang 1", "trang 2"):
        pdf.add_page()
        pdf.set_font("helvetica", size=40)
        pdf.cell(100, 20, text)
    return bytes(pdf.output())


def test_a_page_becomes_a_png_of_the_asked_width() -> None:
    png = render_pdf_page(_two_pages(), 2, width=600)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 600
    assert 840 <= image.height <= 850  # A4 keeps its proportions
    darkest, _brightest = image.convert("L").getextrema()
    assert isinstance(darkest, int) and darkest < 100  # the text is drawn, not a blank page


def test_a_missing_page_is_named() -> None:
    with use_language("vi"), pytest.raises(PageNotFound, match="2 trang"):
        render_pdf_page(_two_pages(), 3, width=600)
