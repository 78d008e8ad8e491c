"""Dewarp of curled / bent pages (`ocr.dewarp`), with real Tesseract.

A page drawn here is bent as a sheet lifted off the table and photographed from above (a
cylinder across the page and one edge curling up), at phone-photo resolution: its lines bow,
more so towards the top and bottom. The dewarp must straighten them, the OCR read back from
the searchable PDF must improve, and a flat page must come back untouched.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest

from ocr import dewarp
from ocr.document import ocr_file
from ocr.tesseract import usable_cores
from ocr.types import OcrOptions
from tests.ocr.ocr_testpages import LINES, cer, render_page, save_png

REAL = Path(__file__).resolve().parents[3] / "shared" / "realdocs"
THANH_HOA = REAL / "KaiKenju__Vietnamese_OCR_documents" / "thanh-hoa-6.png"
THANH_HOA_TRUTH = (Path(__file__).resolve().parents[2] / "bench" / "realdocs"
                   / "KaiKenju__Vietnamese_OCR_documents" / "thanh-hoa-6.png.p1.txt")


def _sheet() -> np.ndarray:
    """An A4 page of body text: the ten test lines, twice, at 300 dpi."""
    return render_page(LINES + LINES, width_in=8.27, height_in=11.69)


def _bent(page: np.ndarray, *, lift: float = 0.12, dpi: float = 110) -> np.ndarray:
    """The sheet bent across (cylinder of relative height `lift`) with its right edge curling
    up, seen from above the page's centre, then shrunk to `dpi`."""
    h, w = page.shape
    u = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    return _lifted(page, lift * (1.0 - u**2) + 0.05 * np.clip(u, 0.0, 1.0) ** 3, dpi)


def _lifted(page: np.ndarray, height: np.ndarray, dpi: float) -> np.ndarray:
    """The page seen from above its centre with each point lifted by `height` (relative to the
    camera's distance, broadcast over the page), then shrunk to `dpi`."""
    h, w = page.shape
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    map_x = np.broadcast_to(w / 2 + (xs - w / 2) * (1.0 - height), (h, w))
    map_y = np.broadcast_to(h / 2 + (ys - h / 2) * (1.0 - height), (h, w))
    bent = cv2.remap(page, np.ascontiguousarray(map_x, dtype=np.float32),
                     np.ascontiguousarray(map_y, dtype=np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return cv2.resize(bent, None, fx=dpi / 300, fy=dpi / 300, interpolation=cv2.INTER_AREA)


def _pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[0].extract_text() or ""


def test_flat_page_is_left_alone() -> None:
    sheet = _sheet()
    assert dewarp.measure_curl(sheet) is None
    assert dewarp.straightened(sheet) is None
    lines, letter_px = dewarp.text_lines(sheet)
    assert len(lines) >= 10
    assert dewarp.page_bend(lines, letter_px) < 0.15


def test_bent_page_lines_come_out_straight() -> None:
    photo = _bent(_sheet())
    big = cv2.resize(photo, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    lines, letter_px = dewarp.text_lines(big)
    before = dewarp.page_bend(lines, letter_px)
    assert before > 0.5  # well above a flat page (< 0.15): the outer lines bow
    found = dewarp.straightened(big)
    assert found is not None
    straight, curl = found
    assert curl.bend > dewarp.FLAT_MAX_BEND  # measured on a half-size copy: not the same figure
    after_lines, after_px = dewarp.text_lines(straight)
    assert len(after_lines) >= 15
    assert dewarp.page_bend(after_lines, after_px) < dewarp.FLAT_MAX_BEND
    # The same field straightens the page at another size (the colour display image).
    assert curl.apply(photo).shape == photo.shape


def _read_without_and_with_dewarp(image: Path, tmp_path: Path) -> tuple[float, float]:
    """CER of the searchable PDF's text without and with the dewarp; the dewarped read won."""
    truth = "\n".join(LINES + LINES)
    kept = ocr_file(image, kind="png", options=OcrOptions(jobs=1, dewarp=False),
                    workdir=tmp_path / "off")
    read = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "on")
    assert read.pages[0].reading == "dewarp"
    return cer(truth, _pdf_text(kept.pdf)), cer(truth, _pdf_text(read.pdf))


def test_bent_photo_reads_better_dewarped(tmp_path: Path) -> None:
    image = save_png(_bent(_sheet()), tmp_path / "bent.png", dpi=72)
    before, after = _read_without_and_with_dewarp(image, tmp_path)
    assert after < 0.05
    # 20.6 % -> 1.8 % when written; 12.0 % -> 2.0 % once capitals were read again on their own
    # (`ocr.reread`), which mends part of the bent reading too
    assert after < before / 3, (before, after)


def test_sharp_photo_of_a_bent_sheet_is_read_straightened(tmp_path: Path) -> None:
    # Letters at the height Tesseract reads best: the first read is "clean" (valid words) but
    # its lines are sloped, and its text layer reads back with lines interleaved.
    image = save_png(_bent(_sheet(), dpi=300), tmp_path / "sharp.png", dpi=300)
    before, after = _read_without_and_with_dewarp(image, tmp_path)
    assert after < before - 0.1, (before, after)  # 23.8 % -> 4.6 % when written
    assert after < 0.06, (before, after)


def test_a_poorly_read_bent_page_read_clean_straightened_needs_no_other_candidate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bent hard at 110 dpi, the first reading is poor; straightened, it reads clean, and that
    # is what the page keeps: the sparse, plain and flattened candidates (a whole read each)
    # are not read at all. (Read before, the straightened one won all the same: 34 % CER.)
    from ocr.tesseract import TesseractEngine

    reads: list[str] = []
    run = TesseractEngine._run

    def counted(self: TesseractEngine, image: Path, out_base: Path, *args: object) -> float:
        reads.append(out_base.name)
        return run(self, image, out_base, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(TesseractEngine, "_run", counted)
    image = save_png(_bent(_sheet(), lift=0.3, dpi=110), tmp_path / "bent.png", dpi=110)
    read = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "on")
    assert read.pages[0].reading == "dewarp"
    assert "page-000000-dw" in reads and not [r for r in reads if re.search(r"-c\d", r)], reads
    # still far better than plain Tesseract on the same image (49 % CER when written)
    plain = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie"],
                           capture_output=True, text=True, check=True).stdout
    truth = "\n".join(LINES + LINES)
    assert cer(truth, _pdf_text(read.pdf)) < cer(truth, plain) - 0.1


@pytest.mark.skipif(usable_cores() < 2, reason="one core: readings take turns")
def test_a_curled_page_is_read_straightened_beside_its_first_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The straightened candidate of a curled page is read whatever the first reading gives:
    # it runs at the same time, on the other core, and the page keeps the same reading.
    import time

    from ocr.tesseract import TesseractEngine

    spans: dict[str, tuple[float, float]] = {}
    run = TesseractEngine._run

    def timed(self: TesseractEngine, image: Path, out_base: Path, *args: object) -> float:
        started = time.monotonic()
        try:
            return run(self, image, out_base, *args)  # type: ignore[arg-type]
        finally:
            spans[out_base.name] = (started, time.monotonic())

    monkeypatch.setattr(TesseractEngine, "_run", timed)
    image = save_png(_bent(_sheet(), dpi=300), tmp_path / "sharp.png", dpi=300)
    read = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "on")
    assert read.pages[0].reading == "dewarp"
    (first_start, first_end), (dw_start, dw_end) = spans["page-000000"], spans["page-000000-dw"]
    assert dw_start < first_end and first_start < dw_end, spans  # the two ran at once


@pytest.mark.skipif(not THANH_HOA.exists(), reason="../shared/realdocs is not here")
def test_curled_real_photo_reads_better_than_plain_tesseract(tmp_path: Path) -> None:
    truth_lines = [ln for ln in THANH_HOA_TRUTH.read_text(encoding="utf-8").splitlines()
                   if ln.strip() and not ln.startswith("# ")]
    truth = "\n".join(truth_lines)
    plain = subprocess.run(["tesseract", str(THANH_HOA), "stdout", "-l", "vie"],
                           capture_output=True, text=True, check=True).stdout
    result = ocr_file(THANH_HOA, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path)
    assert result.pages[0].reading == "dewarp"
    ours = cer(truth, _pdf_text(result.pdf))
    assert ours < cer(truth, plain) - 0.15, (ours, cer(truth, plain))


HEADER = [("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
          ("HUYỆN TĨNH GIA", "Độc lập - Tự do - Hạnh phúc"),
          ("Số: 1113/UBND", "Tĩnh Gia, ngày 16 tháng 4 năm 2020")]


def _corner_curled(*, lift: float = 0.10, dpi: float = 110, top_only: bool = False) -> np.ndarray:
    """A letter with the usual two-column header over the body text, its right part (from 40 %
    of the width) lifting off the table, seen from above the page's centre: the left column and
    the body's start lie flat, the right header column rises with the curl. `top_only`: only
    the top right corner lifts (down to 40 % of the height)."""
    gaps = (24, 34, 32)
    head = [left + " " * gap + right for (left, right), gap in zip(HEADER, gaps, strict=True)]
    page = render_page(head + LINES + LINES, width_in=8.27, height_in=11.69)
    h, w = page.shape
    u = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :]
    height = lift * np.clip((u - 0.4) / 0.6, 0.0, 1.0) ** 2
    if top_only:
        v = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None]
        height = height * np.clip((0.4 - v) / 0.4, 0.0, 1.0) ** 2
    return _lifted(page, height, dpi)


def test_curled_corner_header_lands_on_the_rows_of_its_flat_neighbours(tmp_path: Path) -> None:
    # The right header column lies wholly in the curl: levelled onto its own mean row it stayed
    # lifted above the left column's lines, and Tesseract read "Độc lập" before "HUYỆN TĨNH
    # GIA" (2.8 % CER when written); levelled where the body's lines put it, the header's two
    # columns share their rows again.
    photo = _corner_curled()
    big = cv2.resize(photo, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    found = dewarp.straightened(big)
    assert found is not None
    straight, _ = found
    lines, letter_px = dewarp.text_lines(straight)
    w = straight.shape[1]
    left = sorted((ln for ln in lines if ln.x1 < 0.45 * w), key=lambda ln: ln.row)[:3]
    right = sorted((ln for ln in lines if ln.x0 > 0.35 * w), key=lambda ln: ln.row)[:3]

    def middle(line: dewarp.TextLine) -> float:
        return float(np.polyval(line.poly, (line.x0 + line.x1) / 2))

    offsets = [abs(middle(b) - middle(a)) / letter_px for a, b in zip(left, right, strict=True)]
    assert np.mean(offsets) < 0.5, offsets  # [0.68, 0.24, 0.08] when written

    image = save_png(photo, tmp_path / "corner.png", dpi=72)
    read = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "on")
    assert read.pages[0].reading == "dewarp"
    text = _pdf_text(read.pdf)
    truth = "\n".join([f"{left} {right}" for left, right in HEADER] + LINES + LINES)
    assert "HUYỆN TĨNH GIA Độc lập - Tự do - Hạnh phúc" in text, text[:300]
    assert cer(truth, text) < 0.01, cer(truth, text)


def test_curled_corner_is_not_taken_for_a_flat_page(tmp_path: Path) -> None:
    # Only the top right corner lifts: the typical line is straight (page bend well under
    # FLAT_MAX_BEND), the header's right column is not. Read unstraightened, Tesseract merged
    # the corner's lines with their neighbours (3.7 % CER, characters interleaved, when written).
    photo = _corner_curled(top_only=True)
    big = cv2.resize(photo, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    lines, letter_px = dewarp.text_lines(big)
    assert dewarp.page_bend(lines, letter_px) < dewarp.FLAT_MAX_BEND
    assert dewarp.corner_bend(lines, letter_px) >= dewarp.CORNER_MIN_BEND
    assert dewarp.measure_curl(big) is not None

    image = save_png(photo, tmp_path / "corner.png", dpi=72)
    read = ocr_file(image, kind="png", options=OcrOptions(jobs=1), workdir=tmp_path / "on")
    assert read.pages[0].reading == "dewarp"
    text = _pdf_text(read.pdf)
    truth = "\n".join([f"{left} {right}" for left, right in HEADER] + LINES + LINES)
    assert text.startswith("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), text[:200]
    assert cer(truth, text) < 0.01, cer(truth, text)
