"""Which pages are resampled before Tesseract reads them: only those whose letters are too small
or too big; a 150-300 dpi scan keeps its own pixels (resampling cost tone marks on real scans)."""

from __future__ import annotations

import cv2
import pytest

from ocr import preprocess as pp
from ocr.process import _text_scale
from ocr.types import OcrOptions
from tests.ocr.ocr_testpages import render_page


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
