from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from ocr_testpages import LINES, add_red_seal, cer, render_page, rotate

from ocr import preprocess as pp
from ocr.pages import RasterPage
from ocr.process import osd_rotation, prepare
from ocr.tesseract import TesseractEngine
from ocr.types import OcrOptions


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_page()


@pytest.mark.parametrize("angle", [0.0, 0.35, 1.7, -2.4, 4.2])
def test_skew_angle_recovered(page: np.ndarray, angle: float) -> None:
    skewed = rotate(page, angle)
    # The estimate is the counter-clockwise rotation that makes the lines horizontal again.
    assert pp.estimate_skew(skewed) == pytest.approx(-angle, abs=0.2)


def test_deskew_makes_lines_horizontal(page: np.ndarray) -> None:
    skewed = rotate(page, 2.2)
    fixed = pp.rotate_by(skewed, pp.estimate_skew(skewed))
    assert abs(pp.estimate_skew(fixed)) <= 0.1


@pytest.mark.parametrize("clockwise", [0, 90, 180, 270])
def test_rotated_skewed_page_corrected(page: np.ndarray, clockwise: int, tmp_path: Path) -> None:
    turned = pp.rotate_quarter(rotate(page, 1.5), clockwise)
    prepared = prepare(
        RasterPage(index=0, image=turned, dpi=300),
        OcrOptions(),
        TesseractEngine(),
        tmp_path / "osd.png",
    )
    assert (clockwise + prepared.rotation) % 360 == 0
    assert prepared.skew == pytest.approx(-1.5, abs=0.2)
    assert prepared.display.shape[:2] == page.shape and prepared.ocr_dpi == 300
    assert pp.upright_ratio(prepared.ocr) > 2


@pytest.mark.parametrize("clockwise", [90, 180])
def test_tesseract_osd_agrees(page: np.ndarray, clockwise: int, tmp_path: Path) -> None:
    needed = osd_rotation(
        pp.rotate_quarter(page, clockwise), 300, TesseractEngine(), tmp_path / "o.png", 30.0
    )
    assert (clockwise + needed) % 360 == 0


def test_upright_ratio_separates_upside_down(page: np.ndarray) -> None:
    assert pp.upright_ratio(page) > 2.0
    assert pp.upright_ratio(pp.rotate_quarter(page, 180)) < 0.5


def test_red_seal_removed(page: np.ndarray) -> None:
    sealed = add_red_seal(page, centre=(1300, 700), radius=320)
    grey, found = pp.suppress_red(sealed)
    assert found
    plain = pp.to_grey(sealed)
    region = (slice(380, 1020), slice(980, 1620))
    ink = page[region] < 128
    # Without suppression the seal darkens paper; after it, paper is paper again.
    baseline = (page[region][~ink] < 200).mean()  # anti-aliased edges of the letters
    assert (plain[region][~ink] < 200).mean() > baseline + 0.05
    assert (grey[region][~ink] < 200).mean() < baseline + 0.002
    # Black text under the seal stays black.
    assert (grey[region][ink] < 128).mean() > 0.9


def test_no_seal_on_black_and_white(page: np.ndarray) -> None:
    grey, found = pp.suppress_red(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    assert not found
    assert np.array_equal(grey, page)


def _speckle(page: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = page.copy()
    for _ in range(3000):
        y, x = int(rng.integers(0, page.shape[0])), int(rng.integers(0, page.shape[1]))
        cv2.circle(out, (x, y), int(rng.integers(0, 3)), 30, -1)
    return out


def test_speck_removal_only_on_speckled_pages(page: np.ndarray) -> None:
    speckled = _speckle(page)
    assert pp.speck_count(page) < 10 and pp.speck_count(speckled) > 1000
    same, clean_changed = pp.denoise_speckle(page)
    cleaned, speckle_changed = pp.denoise_speckle(speckled)
    assert not clean_changed and same is page
    assert speckle_changed and pp.speck_count(cleaned) < 10


def test_speck_removal_improves_ocr(page: np.ndarray, tmp_path: Path) -> None:
    speckled = _speckle(page, seed=2)
    engine = TesseractEngine()
    truth = "\n".join(LINES)
    scores = {}
    for name, grey in (("raw", speckled), ("clean", pp.denoise_speckle(speckled)[0])):
        png = tmp_path / f"{name}.png"
        cv2.imwrite(str(png), grey)
        out = engine.recognise(png, tmp_path / name, dpi=300, timeout_s=60)
        scores[name] = cer(truth, out.text)
    assert scores["clean"] < scores["raw"]
    assert scores["clean"] < 0.02


def test_dark_border_cleaned_text_kept(page: np.ndarray) -> None:
    framed = page.copy()
    framed[:, :40] = 0
    framed[-50:, :] = 10
    cleaned, changed = pp.clean_border(framed)
    assert changed
    assert cleaned[:, :40].min() == 255 and cleaned[-50:, :].min() == 255
    body = (slice(100, -100), slice(100, -100))
    assert np.array_equal(cleaned[body], page[body])


def test_upscale_low_dpi(page: np.ndarray) -> None:
    small = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    assert pp.resample(small, 150, 300).shape == (small.shape[0] * 2, small.shape[1] * 2)
    assert pp.resample(page, 300, 300) is page


def test_seal_page_reads_better_after_suppression(page: np.ndarray, tmp_path: Path) -> None:
    sealed = add_red_seal(page, centre=(1200, 1150), radius=380)
    engine = TesseractEngine()
    truth = "\n".join(LINES)
    scores = {}
    for name, grey in (("plain", pp.to_grey(sealed)), ("red", pp.suppress_red(sealed)[0])):
        png = tmp_path / f"{name}.png"
        cv2.imwrite(str(png), grey)
        out = engine.recognise(png, tmp_path / name, dpi=300, timeout_s=60)
        scores[name] = cer(truth, out.text)
    assert scores["red"] <= scores["plain"]
    assert scores["red"] < 0.01


def test_rule_under_heading_removed_text_kept(page: np.ndarray) -> None:
    ruled = page.copy()
    cv2.line(ruled, (300, 262), (1100, 262), 0, 3)  # just under the first line of capitals
    cleaned, changed = pp.remove_rules(ruled)
    assert changed
    assert (cleaned[258:267, 300:1100] < 128).sum() < (page[258:267, 300:1100] < 128).sum() + 20
    same, untouched = pp.remove_rules(page)
    assert not untouched and same is page


def test_transparent_png_is_read_on_white() -> None:
    from PIL import Image as PilImage

    from ocr.pages import pil_to_array

    rgba = PilImage.new("RGBA", (40, 20), (0, 0, 0, 0))
    rgba.putpixel((5, 5), (0, 0, 0, 255))
    arr = pil_to_array(rgba)
    assert arr[0, 0].tolist() == [255, 255, 255] and arr[5, 5].tolist() == [0, 0, 0]
