"""Which pages are resampled before Tesseract reads them: only those whose letters are too small
or too big; a 150-300 dpi scan keeps its own pixels (resampling cost tone marks on real scans)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pdfplumber
import pytest

from ocr import preprocess as pp
from ocr.document import ocr_file
from ocr.pages import RasterPage, iter_image_pages
from ocr.process import _text_scale, page_dpi
from ocr.types import OcrOptions
from tests.ocr.ocr_testpages import render_page, save_png


@pytest.mark.parametrize("dpi", [150, 200, 300])
def test_ordinary_scan_keeps_its_own_pixels(dpi: int) -> None:
    page = render_page(dpi=dpi)
    assert OcrOptions().min_text_px <= pp.text_height(page) <= OcrOptions().max_text_px
    assert _text_scale(page, dpi, OcrOptions()) == 1.0


def test_small_letters_are_enlarged_whatever_the_file_claims() -> None:
    photo = cv2.resize(render_page(), None, fx=70 / 300, fy=70 / 300,
                       interpolation=cv2.INTER_AREA)
    scale = _text_scale(photo, 300, OcrOptions())  # a phone saving "300 dpi"
    assert scale > 3
    assert abs(pp.text_height(photo) * scale - OcrOptions().target_text_px) < 4


def test_huge_letters_are_reduced() -> None:
    page = render_page(dpi=600, height_in=3.0)
    assert pp.text_height(page) > OcrOptions().max_text_px
    assert 0.4 < _text_scale(page, 600, OcrOptions()) < 0.8


def test_scaling_can_be_switched_off() -> None:
    photo = cv2.resize(render_page(), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    assert _text_scale(photo, 300, OcrOptions(normalise_dpi=False)) == 1.0



def test_a_page_without_a_stated_resolution_gets_its_size_from_its_letters(
        tmp_path: Path) -> None:
    # A phone photo saved at "72 dpi" (taken as 300): its letters, not the fallback, give its
    # size in the output PDF; a file that states its resolution keeps it.
    page = render_page(dpi=160)  # 13-pt letters at 160 dpi, read as they are (in range)
    assert _text_scale(page, 300, OcrOptions()) == 1.0
    photo = save_png(page, tmp_path / "photo.png", dpi=72)
    raster = next(iter_image_pages(photo))
    assert raster.dpi == 300 and not raster.dpi_known
    assert 130 <= page_dpi(raster, page, OcrOptions()) <= 190
    scan = next(iter_image_pages(save_png(page, tmp_path / "scan.png", dpi=160)))
    assert scan.dpi_known and page_dpi(scan, page, OcrOptions()) == 160
    stated = RasterPage(index=0, image=page, dpi=300)  # a PDF page's render is always known
    assert page_dpi(stated, page, OcrOptions()) == 300


def test_the_output_page_of_a_photo_is_as_wide_as_the_paper(tmp_path: Path) -> None:
    # The page's 8.27 inches at 160 dpi, saved as "72 dpi": told 300 it was a 4.4-inch page,
    # on which a curled page's neighbouring lines lay a few points apart and read back mixed.
    photo = save_png(render_page(dpi=160), tmp_path / "photo.png", dpi=72)
    result = ocr_file(photo, kind="png", options=OcrOptions(), workdir=tmp_path / "w")
    (tmp_path / "out.pdf").write_bytes(result.pdf)
    with pdfplumber.open(tmp_path / "out.pdf") as pdf:
        width_in = float(pdf.pages[0].width) / 72
        assert 7.0 < width_in < 9.5
        assert "chịu trách nhiệm thi hành" in (pdf.pages[0].extract_text() or "")
