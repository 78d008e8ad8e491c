"""A phone photo of a text-sparse A4 page lying on a dark desk, at about 70 dpi, the file
claiming 72 dpi (real Tesseract, the page drawn here).

The failure class: the paper's outline against the desk (dark after the light is divided out)
has a line structure of its own that outweighed the few text lines, so the page was turned
sideways; and the enlarged photo was told to Tesseract at file-dpi x enlargement (1000 dpi),
which makes body letters look like 2-pt print and loses whole lines.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest

from ocr import preprocess as pp
from ocr.document import ocr_file
from ocr.process import _text_scale, _text_scale_and_dpi
from ocr.types import OcrOptions
from tests.ocr.ocr_testpages import LINES, cer, render_page

TRUTH = "\n".join(LINES)


def _photo_on_desk(page: np.ndarray, rng: np.random.Generator, dpi: float = 70) -> np.ndarray:
    """The sheet at `dpi`, lit by a lamp, in perspective on a dark desk, JPEG quality 70."""
    small = cv2.resize(page, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - 0.35 * np.clip(np.hypot(xx - 0.8 * w, yy + 0.2 * h) / np.hypot(w, h), 0, 1)
    lit = small.astype(np.float32) * light
    mx, my = int(w * 0.1), int(h * 0.07)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src + np.array([[mx, my], [mx, my], [mx, my], [mx, my]], np.float32)
    dst += rng.uniform(-0.03, 0.03, (4, 2)).astype(np.float32) * np.array([w, h], np.float32)
    desk = cv2.warpPerspective(lit, cv2.getPerspectiveTransform(src, dst),
                               (w + 2 * mx, h + 2 * my), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=60)
    desk = desk + rng.normal(0, 3, desk.shape)
    ok, jpeg = cv2.imencode(".jpg", np.clip(desk, 0, 255).astype(np.uint8),
                            [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return np.asarray(cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)


def _save(image: np.ndarray, path: Path, dpi: int) -> Path:
    from PIL import Image

    Image.fromarray(image).save(path, dpi=(dpi, dpi))
    return path


@pytest.mark.parametrize("seed", [0, 2])
def test_text_sparse_phone_photo_on_a_desk_is_read_upright(tmp_path: Path, seed: int) -> None:
    sheet = render_page(LINES[:6], width_in=8.27, height_in=11.69)  # text in the top third
    photo = _photo_on_desk(sheet, np.random.default_rng(seed))
    image = _save(photo, tmp_path / "photo.png", 72)
    result = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "w")
    page = result.pages[0]
    truth = "\n".join(LINES[:6])
    assert page.rotation == 0 and page.height > page.width
    assert cer(truth, page.text) < 0.05, page.text
    # The searchable PDF reads back as well: an A4-sized page (not 2 inches wide: the text
    # layer of a tiny page comes back with its lines interleaved).
    with pdfplumber.open(io.BytesIO(result.pdf)) as pdf:
        first = pdf.pages[0]
        assert 6.5 < float(first.width) / 72 < 11
        assert cer(truth, first.extract_text() or "") < 0.05


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 5])
def test_paper_outline_does_not_decide_the_line_direction(seed: int) -> None:
    sheet = render_page(LINES[:4], width_in=8.27, height_in=11.69)
    photo = pp.flatten_illumination(_photo_on_desk(sheet, np.random.default_rng(seed)), 300)
    scale = _text_scale(photo, 300, OcrOptions())
    enlarged = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    vertical, skew = pp.estimate_layout(enlarged)
    assert not vertical and abs(skew) < 3


def test_enlarged_photo_is_told_the_resolution_of_its_letters() -> None:
    sheet = render_page(LINES[:4], width_in=8.27, height_in=11.69)
    photo = _photo_on_desk(sheet, np.random.default_rng(0))
    scale, told = _text_scale_and_dpi(photo, 300, OcrOptions())
    assert scale > 3  # letters ~9 px tall, enlarged to ~30 px
    assert 250 <= told <= 350  # what 30-px body letters are: 300-dpi print, not 1000 dpi
