"""The candidate cascade on pages made here with OpenCV (real Tesseract): a shadowed page, a
sideways photocopy, a 70-dpi phone photo, and the cascade picking the better of two reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.pages import RasterPage
from ocr.process import _recognise, cascade, prepare, process_page
from ocr.quality import reading_quality
from ocr.tesseract import TesseractEngine
from ocr.types import OcrOptions
from tests.ocr.ocr_testpages import LINES, cer, render_page

TRUTH = "\n".join(LINES)


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    engine = TesseractEngine()
    engine.check()
    return engine


def _shadowed(grey: np.ndarray) -> np.ndarray:
    """A hand's shadow over the left half and a lamp's fall-off: paper from 255 down to ~70."""
    h, w = grey.shape
    x = np.linspace(0.0, 1.0, w, dtype=np.float32)
    light = 0.28 + 0.72 / (1.0 + np.exp(-(x - 0.45) * 14))
    light = np.tile(light, (h, 1)) * np.linspace(1.0, 0.85, h, dtype=np.float32)[:, None]
    return np.clip(grey.astype(np.float32) * light, 0, 255).astype(np.uint8)


def _photocopy(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Toner gain (strokes thickened), a mottled grey ground, a drum streak, a dark lid edge."""
    ink = cv2.erode(grey, np.ones((3, 3), np.uint8))
    ground = 200 + rng.normal(0, 10, grey.shape).astype(np.float32)
    page = np.minimum(ink.astype(np.float32), ground)
    h, w = grey.shape
    page[:, int(w * 0.62) : int(w * 0.62) + 6] *= 0.6  # drum streak
    page[:, : int(w * 0.03)] = 25  # the lid's dark edge
    return np.clip(page, 0, 255).astype(np.uint8)


def _phone70(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The page photographed at ~70 dpi: area-averaged down, noise, JPEG quality 70."""
    small = cv2.resize(grey, None, fx=70 / 300, fy=70 / 300, interpolation=cv2.INTER_AREA)
    noisy = np.clip(small.astype(np.float32) + rng.normal(0, 4, small.shape), 0, 255)
    ok, jpeg = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    photo = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    assert ok and photo is not None
    return np.asarray(photo, dtype=np.uint8)


def _read(image: np.ndarray, dpi: int, engine: TesseractEngine, tmp_path: Path,
          options: OcrOptions | None = None):  # noqa: ANN202
    raster = RasterPage(index=0, image=image, dpi=dpi)
    tmp_path.mkdir(parents=True, exist_ok=True)
    return process_page(raster, options or OcrOptions(), engine, tmp_path).page


def test_cascade_replaces_a_poor_read_with_a_better_one(engine: TesseractEngine,
                                                        tmp_path: Path) -> None:
    raster = RasterPage(index=0, image=render_page(), dpi=300)
    options = OcrOptions()
    prepared = prepare(raster, options, engine, tmp_path / "osd.png")
    # A poor first read: the fast path handed the page over turned on its side.
    sideways = replace(prepared, ocr=cv2.rotate(prepared.ocr, cv2.ROTATE_90_CLOCKWISE))
    first, _ = _recognise(sideways, engine, tmp_path / "first", 60)
    assert first is not None and reading_quality(first.text).score < options.fast_min_quality
    chosen, output = cascade(raster, (sideways, first), options, engine, tmp_path / "c")
    assert output is not None and chosen.name != "fast"
    assert reading_quality(output.text).score > reading_quality(first.text).score
    assert cer(TRUTH, output.text) < 0.05


def test_shadowed_page_is_read(engine: TesseractEngine, tmp_path: Path) -> None:
    page = _read(_shadowed(render_page()), 300, engine, tmp_path)
    assert page.rotation == 0
    assert cer(TRUTH, page.text) < 0.03, page.text


@pytest.mark.slow
def test_sideways_photocopy_is_turned_upright_and_read(engine: TesseractEngine,
                                                       tmp_path: Path) -> None:
    copy = _photocopy(render_page(), np.random.default_rng(8))
    page = _read(cv2.rotate(copy, cv2.ROTATE_90_COUNTERCLOCKWISE), 300, engine, tmp_path)
    assert page.rotation == 90
    assert page.width > page.height  # the stored page image is upright (landscape sheet)
    assert cer(TRUTH, page.text) < 0.05, page.text


def test_70_dpi_photo_is_scaled_by_its_letters_not_its_metadata(engine: TesseractEngine,
                                                                 tmp_path: Path) -> None:
    photo = _phone70(render_page(), np.random.default_rng(70))
    # The file claims 300 dpi (a phone writes 72 or nothing): the letters decide the scale.
    page = _read(photo, 300, engine, tmp_path)
    assert cer(TRUTH, page.text) < 0.08, page.text
    plain_scale = _read(photo, 300, engine, tmp_path / "m",
                        OcrOptions(scale_by_text_height=False, cascade=False))
    assert cer(TRUTH, page.text) < cer(TRUTH, plain_scale.text)


SIGNER_BLOCK = [
    "Nơi nhận:                                KT. CHỦ TỊCH",
    "- Như Điều 3;                  PHÓ CHỦ TỊCH THƯỜNG TRỰC",
    "- Lưu: VT, TH.",
    "                                           Nguyễn Thị Hằng",
]


@pytest.mark.slow
@pytest.mark.parametrize("clockwise", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_sideways_text_sparse_page_is_stored_upright(engine: TesseractEngine, tmp_path: Path,
                                                     clockwise: int) -> None:
    # A last page holding only the signer block, on a full A4 sheet: too little text for the
    # line-direction check, the kind of page that came out sideways.
    sheet = render_page(SIGNER_BLOCK, width_in=8.27, height_in=11.69)
    page = _read(cv2.rotate(sheet, clockwise), 300, engine, tmp_path)
    assert page.height > page.width  # the stored page image is upright (portrait sheet)
    assert page.rotation in (90, 270)
    assert "CHỦ TỊCH" in page.text and "Nguyễn Thị Hằng" in page.text, page.text


TONE_OVER_CIRCUMFLEX = [
    "Công bố thủ tục hành chính thuộc thẩm quyền giải quyết của tỉnh.",
    "Quyết định này có hiệu lực kể từ ngày ký, các tổ chức liên quan chịu trách nhiệm.",
    "Bộ phận tiếp nhận và trả kết quả thực hiện việc kiểm tra hồ sơ đề nghị.",
]


@pytest.mark.parametrize("dpi", [200, 300])
def test_tone_marks_over_circumflexes_are_kept(engine: TesseractEngine, tmp_path: Path,
                                                dpi: int) -> None:
    # The most frequent error on real scans: "công bô" for "công bố", "thâm quyền" for
    # "thẩm quyền". A 200- or 300-dpi scan must keep the mark over the circumflex.
    page = _read(render_page(TONE_OVER_CIRCUMFLEX, dpi=dpi, size_pt=12.0), dpi, engine, tmp_path)
    for word in ("bố", "thẩm", "quyết", "tổ", "kể", "Bộ", "kết", "đề"):
        assert word in page.text.split(), (word, page.text)
