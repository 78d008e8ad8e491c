"""A seal that lost its colour (a photocopy, a grey scan) is found by its ring (`ocr.seal`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from ocr_testpages import BOLD, LINES, add_grey_seal, render_page, render_table, save_png
from PIL import Image, ImageDraw, ImageFont

from ocr import preprocess as pp
from ocr.document import ocr_file
from ocr.seal import remove_seal_rings, seal_rings
from ocr.types import OcrOptions

CENTRE, RADIUS = (1330, 1600), 280
NAME = "Trần Minh Khoa"


def _signed_page() -> np.ndarray:
    """Six lines of a decision, then a signer's title and name in bold, 13 pt at 300 dpi."""
    image = Image.fromarray(render_page(LINES[:6], height_in=7.5))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(BOLD), int(13 * 300 / 72))
    draw.text((1250, 1330), "PHÓ GIÁM ĐỐC", font=font, fill=0)
    draw.text((1180, 1820), NAME, font=font, fill=0)
    return np.asarray(image).copy()


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return _signed_page()


@pytest.fixture(scope="module")
def sealed(page: np.ndarray) -> np.ndarray:
    # The ring crosses the title at its top and the name at its bottom.
    return add_grey_seal(page, centre=CENTRE, radius=RADIUS)


def _ink(grey: np.ndarray) -> np.ndarray:
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return binary


def test_both_rings_of_a_grey_seal_are_found(sealed: np.ndarray) -> None:
    rings = seal_rings(_ink(sealed), pp.text_height(sealed))
    assert len(rings) == 2
    (outer, _), (inner, _) = rings
    for (cx, cy, radius), drawn in ((outer, RADIUS), (inner, RADIUS * 0.72)):
        assert abs(cx - CENTRE[0]) < 4 and abs(cy - CENTRE[1]) < 4
        assert abs(radius - drawn) < 6


def test_letters_crossing_the_ring_keep_their_ink(page: np.ndarray, sealed: np.ndarray) -> None:
    cleaned, found = remove_seal_rings(sealed, pp.text_height(sealed))
    assert found
    text = _ink(page) > 0
    seal = (_ink(sealed) > 0) & ~text
    yy, xx = np.mgrid[: page.shape[0], : page.shape[1]]
    distance = np.hypot(xx - CENTRE[0], yy - CENTRE[1])
    on_ring = (np.abs(distance - RADIUS) < 6) | (np.abs(distance - RADIUS * 0.72) < 4)
    left = cleaned < 128
    # the rings go where no letter crosses them ...
    assert left[seal & on_ring].mean() < 0.1
    # ... and the letters keep their ink; where they cross a ring, all but the strokes that run
    # along it (a serif lying on the ring is ink of both)
    assert left[text].mean() > 0.98
    assert left[text & on_ring].mean() > 0.7


def test_no_ring_on_signatures_circles_or_tables() -> None:
    letter = 36.0
    humps = np.zeros((400, 900), np.uint8)  # a signature: arcs over a sloped underline
    for k in range(3):
        cv2.ellipse(humps, (150 + 220 * k, 200), (100, 90), 0, 180, 360, 255, 4)
    cv2.line(humps, (40, 300), (860, 280), 255, 3)
    assert seal_rings(humps, letter) == []
    small = np.zeros((400, 400), np.uint8)  # a circle of 2 letters' radius (a round logo)
    cv2.circle(small, (200, 200), 72, 255, 8)
    assert seal_rings(small, letter) == []
    table, _ = render_table([("1", "Nguyễn Văn An", "Tổ trưởng", "x")] * 4)
    assert seal_rings(_ink(table), pp.text_height(table)) == []


def test_a_name_under_a_grey_seal_is_read(sealed: np.ndarray, tmp_path: Path) -> None:
    # Tesseract's layout takes a seal whose ring runs through the lines for a picture and reads
    # nothing there: without the ring the signer's name is read.
    source = save_png(cv2.cvtColor(sealed, cv2.COLOR_GRAY2BGR), tmp_path / "copy.png")
    result = ocr_file(source, kind="png", options=OcrOptions(), workdir=tmp_path / "work")
    (found,) = result.pages
    assert "seal-removed" in found.flags
    assert "Trần Minh" in found.text
