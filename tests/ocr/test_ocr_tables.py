"""Table grids (real Tesseract on rendered pages): the row number in a table's first column,
set against the cell's vertical rule, is read as a number and the rules leave no "|" behind;
boxed stamps and lone rules are not taken for a table."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import preprocess as pp
from ocr.pages import RasterPage
from ocr.process import process_page
from ocr.tesseract import TesseractEngine
from ocr.types import FLAG_TABLE_GRID_REMOVED, OcrOptions
from tests.ocr.ocr_testpages import FONT

DPI = 300
ROWS = [
    ("TT", "Họ và tên", "Nhiệm vụ"),
    ("1", "Phạm Văn Hùng", "Tổ trưởng"),
    ("2", "Nguyễn Thị Lan", "Tổ phó"),
    ("3", "Trần Quốc Bảo", "Thành viên"),
    ("4", "Lê Minh Châu", "Thành viên"),
]
INTRO = "Danh sách tổ công tác gồm các ông (bà) có tên sau:"
LEFT, TOP = int(0.8 * DPI), int(0.5 * DPI)
COLS = [LEFT, LEFT + 150, LEFT + 1000, LEFT + 1650]  # the table's vertical rules
ROW_H, Y0 = 85, TOP + 110


def _table_page(*, number_gap: int) -> np.ndarray:
    """An A4-wide page: a line of text, then a ruled table whose first column is narrow; the
    row numbers stand `number_gap` px left of the column's right-hand rule (0: touching)."""
    w, h = int(8.27 * DPI), int(5.0 * DPI)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), int(13 * DPI / 72))
    draw.text((LEFT, TOP), INTRO, font=font, fill=0)
    cols, row_h, y0 = COLS, ROW_H, Y0
    for r, cells in enumerate(ROWS):
        y = y0 + r * row_h
        for c, text in enumerate(cells):
            tw = draw.textlength(text, font=font)
            x = cols[1] - number_gap - 4 - tw if c == 0 else cols[c] + 20.0
            draw.text((x, y + 14), text, font=font, fill=0)
    for r in range(len(ROWS) + 1):
        draw.line([(cols[0], y0 + r * row_h), (cols[-1], y0 + r * row_h)], fill=0, width=3)
    for x in cols:
        draw.line([(x, y0), (x, y0 + len(ROWS) * row_h)], fill=0, width=3)
    return np.asarray(img, dtype=np.uint8).copy()


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    engine = TesseractEngine()
    engine.check()
    return engine


@pytest.mark.parametrize("number_gap", [0, 12])
def test_row_numbers_beside_cell_rules_are_read(engine: TesseractEngine, tmp_path: Path,
                                                number_gap: int) -> None:
    # Read with its rules, this page gave "1 |", "2 |", "4|" (gap 12) and "1|" (touching).
    raster = RasterPage(index=0, image=_table_page(number_gap=number_gap), dpi=DPI)
    page = process_page(raster, OcrOptions(), engine, tmp_path).page
    assert FLAG_TABLE_GRID_REMOVED in page.flags
    assert "|" not in page.text, page.text
    first_column = COLS[1]
    for row, (number, _, _) in enumerate(ROWS[1:], start=1):
        top, bottom = Y0 + row * ROW_H, Y0 + (row + 1) * ROW_H
        in_cell = ["".join(c for c in w.text if c.isalnum()) for w in page.words
                   if top <= w.top + w.height / 2 <= bottom and w.left < first_column]
        assert in_cell == [number], (row, page.text)


def test_grid_mask_takes_the_rules_and_leaves_the_letters() -> None:
    page = _table_page(number_gap=0)
    letter = pp.text_height(page)
    mask = pp.table_grid_mask(page, letter)
    ink = page < 128
    # Every long rule is in the mask; the letters' ink is not (except where it lies on a rule).
    assert mask[ink].mean() > 0.3
    cleaned, done = pp.remove_table_grid(page, letter)
    assert done
    h_rules = cv2.morphologyEx((cleaned < 128).astype(np.uint8), cv2.MORPH_OPEN,
                               np.ones((1, 200), np.uint8))
    assert int(h_rules.sum()) == 0
    assert int((cleaned < 128).sum()) > 0.5 * int((ink & ~mask).sum())


def test_a_boxed_stamp_and_a_lone_rule_are_not_a_table() -> None:
    page = np.full((1200, 1800), 255, np.uint8)
    cv2.putText(page, "DEN", (140, 300), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4)
    cv2.rectangle(page, (100, 150), (800, 420), 0, 3)  # a received-mail stamp: two cells
    cv2.line(page, (100, 230), (800, 230), 0, 3)
    cv2.line(page, (200, 700), (1400, 700), 0, 3)  # the rule under a heading
    for x in range(200, 1400, 60):
        cv2.putText(page, "ab", (x, 650), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    assert not pp.table_grid_mask(page, pp.text_height(page)).any()
    assert pp.remove_table_grid(page, pp.text_height(page)) == (page, False)
