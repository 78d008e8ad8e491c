"""A page read as garbage is read again in the other orientations, the best reading is kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ocr.engine import EngineOutput
from ocr.pages import RasterPage
from ocr.process import PreparedPage, cascade, is_clean_read, overlapping_words, read_value
from ocr.types import OcrOptions, Word

UPRIGHT_TEXT = "Nơi nhận:\n- Như trên;\n- Lưu: VT, QLXD.\nBùi Văn Đạt"
GARBAGE_TEXT = "1ẺŒ ueA mg\n'qdXTTÒ “LA :IMT -\n:8uond “gX 289 NHI -\nHĐÏL HO"


class MarkerEngine:
    """Reads Vietnamese when the dark marker is at the bottom right (upright), garbage else."""

    def __init__(self) -> None:
        self.calls = 0

    def recognise(self, image_png: Path, out_base: Path, *, dpi: int,
                  timeout_s: float) -> EngineOutput:
        self.calls += 1
        grey = cv2.imread(str(image_png), cv2.IMREAD_GRAYSCALE)
        h, w = grey.shape
        upright = grey[h - 10:, w - 10:].mean() < 128
        text = UPRIGHT_TEXT if upright else GARBAGE_TEXT
        words = tuple(Word(t, 20 * i, 0, 10, 10, 90.0, 0, i) for i, t in enumerate(text.split()))
        return EngineOutput(words=words, text=text, text_pdf=None)

    def orientation(self, image_png: Path, *, timeout_s: float) -> tuple[int, float]:
        return 0, 0.0


def _prepared(marker_bottom_right: bool) -> PreparedPage:
    image = np.full((60, 40), 255, np.uint8)
    if marker_bottom_right:
        image[-10:, -10:] = 0
    else:
        image[:10, :10] = 0
    return PreparedPage(display=image, ocr=image, dpi=300, ocr_dpi=300, rotation=0, skew=0.0,
                        flags=())


def test_garbage_reading_is_retried_in_other_orientations(tmp_path: Path) -> None:
    engine = MarkerEngine()
    prepared = _prepared(marker_bottom_right=False)  # page arrived upside down
    first = engine.recognise(_png(prepared, tmp_path), tmp_path / "p", dpi=300, timeout_s=5)
    raster = RasterPage(index=0, image=prepared.ocr, dpi=300)
    page, output = cascade(raster, (prepared, first), OcrOptions(), engine, tmp_path / "p")
    assert output is not None and output.text == UPRIGHT_TEXT
    assert page.rotation == 180
    assert page.display[-10:, -10:].mean() == 0  # the output image is turned as well


def test_good_reading_is_not_retried(tmp_path: Path) -> None:
    engine = MarkerEngine()
    prepared = _prepared(marker_bottom_right=True)
    first = engine.recognise(_png(prepared, tmp_path), tmp_path / "p", dpi=300, timeout_s=5)
    raster = RasterPage(index=0, image=prepared.ocr, dpi=300)
    page, output = cascade(raster, (prepared, first), OcrOptions(), engine, tmp_path / "p")
    assert page is prepared and output is first and engine.calls == 1


def _png(prepared: PreparedPage, tmp_path: Path) -> Path:
    path = tmp_path / "first.png"
    cv2.imwrite(str(path), prepared.ocr)
    return path


SIDEWAYS_TEXT = "Nơi nhận: PHÓ CHỦ TỊCH\n- Như trên;\n- Lưu: VT, QLXD. bô\nMA\nBùi Văn Đạt"
UPRIGHT_BLOCK = "Nơi nhận:\n- Như trên;\n- Lưu: VT, QLXD.\nPHÓ CHỦ TỊCH\nBùi Văn Đạt"


class SidewaysEngine:
    """A landscape sheet whose lines run down the page (its marker in the top left corner) is
    read as Tesseract's default segmentation reads vertical lines: every word right, plus two
    syllables from the signature's strokes, each word's box taller than wide. The portrait
    sheet with its marker top right is upright; every other view reads as garbage."""

    def recognise(self, image_png: Path, out_base: Path, *, dpi: int,
                  timeout_s: float) -> EngineOutput:
        grey = cv2.imread(str(image_png), cv2.IMREAD_GRAYSCALE)
        h, w = grey.shape
        corner = "left" if grey[:10, :10].mean() < 128 else "right" if (
            grey[:10, w - 10:].mean() < 128) else "other"
        if w > h and corner == "left":
            text, box = SIDEWAYS_TEXT, (10, 40)
        elif h > w and corner == "right":
            text, box = UPRIGHT_BLOCK, (40, 10)
        else:
            text, box = GARBAGE_TEXT, (40, 10)
        words = tuple(Word(t, 50 * i, 0, *box, 90.0, 0, i) for i, t in enumerate(text.split()))
        return EngineOutput(words=words, text=text, text_pdf=None)

    def orientation(self, image_png: Path, *, timeout_s: float) -> tuple[int, float]:
        return 0, 0.0


def test_page_read_sideways_is_stored_upright_even_when_it_scores_more(tmp_path: Path) -> None:
    # Seed 4471's permit signature page: the sideways reading had every word right and two
    # more "valid" syllables (the signature read as "bô", "MA"), so it outscored the upright
    # reading, and the page was stored turned, its text layer one word per line.
    engine = SidewaysEngine()
    sheet = np.full((40, 60), 255, np.uint8)
    sheet[:10, :10] = 0  # as scanned: lines down the page
    raster = RasterPage(index=0, image=sheet, dpi=300)
    first_image = np.rot90(sheet, 2).copy()  # the cheap check turned it upside down
    prepared = PreparedPage(display=first_image, ocr=first_image, dpi=300, ocr_dpi=300,
                            rotation=180, skew=0.0, flags=())
    first = engine.recognise(_png(prepared, tmp_path), tmp_path / "p", dpi=300, timeout_s=5)
    page, output = cascade(raster, (prepared, first), OcrOptions(), engine, tmp_path / "p")
    assert output is not None and output.text == UPRIGHT_BLOCK
    assert page.display.shape[0] > page.display.shape[1]  # stored portrait, upright
    assert page.rotation in (90, 270)


def test_upright_page_with_tall_words_is_not_turned(tmp_path: Path) -> None:
    # The word-direction check needs most words taller than wide: an upright page with a few
    # narrow words ("III", "1.") keeps its reading and costs no extra read.
    engine = MarkerEngine()
    prepared = _prepared(marker_bottom_right=True)
    first = engine.recognise(_png(prepared, tmp_path), tmp_path / "p", dpi=300, timeout_s=5)
    narrow = tuple(replace(w, width=5, height=10) if n < 2 else w
                   for n, w in enumerate(first.words))
    first = replace(first, words=narrow)
    raster = RasterPage(index=0, image=prepared.ocr, dpi=300)
    page, output = cascade(raster, (prepared, first), OcrOptions(), engine, tmp_path / "p")
    assert page is prepared and output is first and engine.calls == 1


def _line(text: str, top: int, line: int, left: int = 100, height: int = 30) -> list[Word]:
    out, x = [], left
    for token in text.split():
        out.append(Word(token, x, top, 22 * len(token), height, 95.0, 0, line))
        x += 22 * len(token) + 15
    return out


def test_a_line_read_twice_counts_against_the_reading() -> None:
    # A curled header: Tesseract's layout took the motto for two crossing lines and read it
    # twice, each copy valid syllables; the copy lies on the same ink as the first.
    motto = "Độc lập - Tự do - Hạnh phúc"
    once = _line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA", 100, 0) + _line(motto, 150, 1)
    twice = once + _line(motto, 154, 2, left=104, height=20)
    header = _line("ỦY BAN NHÂN DÂN", 100, 0, left=0) + _line("CỘNG HÒA XÃ HỘI", 100, 1,
                                                               left=500)
    assert overlapping_words(tuple(once)) == 0 and overlapping_words(tuple(header)) == 0
    assert overlapping_words(tuple(twice)) == 2 * 6  # both copies of each word of 2+ letters
    text_once = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA\n" + motto
    read_once = EngineOutput(words=tuple(once), text=text_once, text_pdf=None)
    read_twice = EngineOutput(words=tuple(twice), text=text_once + "\n" + motto, text_pdf=None)
    assert read_value(read_once) > read_value(read_twice)
    assert is_clean_read(read_once, OcrOptions()) and not is_clean_read(read_twice, OcrOptions())
