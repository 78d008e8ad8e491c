"""Lines Tesseract's layout left out, or garbled, are found in the ink and read on their own
(`ocr.recover`), with real Tesseract: a missed line comes back in its place in the text and in
the searchable layer, a garbled run is replaced by its reading; ink that is not text (a
scribble, blots) adds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest

from ocr.engine import EngineOutput
from ocr.recover import _reads_as_text, _ruled, missed_rows, recover_lines, stacked_words
from ocr.tesseract import TesseractEngine
from ocr.types import Word
from ocr.words import page_text, renumber_lines, rewrite_words_in_text_pdf
from tests.ocr.ocr_testpages import LINES, cer, render_page, render_table

DPI = 300


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    engine = TesseractEngine(psm=3)
    engine.check()
    return engine


def _reader(engine: TesseractEngine):  # type: ignore[no-untyped-def]
    block = engine.with_psm(6)
    return lambda png: block.recognise(png, png.with_suffix(""), dpi=DPI, timeout_s=60)


def _read(grey: np.ndarray, engine: TesseractEngine, tmp_path: Path) -> EngineOutput:
    png = tmp_path / "page.png"
    cv2.imwrite(str(png), grey)
    return engine.recognise(png, tmp_path / "page", dpi=DPI, timeout_s=120)


def _without_line(output: EngineOutput, number: int) -> EngineOutput:
    """The reading as if Tesseract had not seen line `number` (its words gone from the words,
    the text and the searchable layer)."""
    return _without(output, {k for k, w in enumerate(output.words) if w.line == number})


def _without(output: EngineOutput, gone: set[int]) -> EngineOutput:
    assert output.text_pdf is not None
    assert rewrite_words_in_text_pdf(output.text_pdf, dict.fromkeys(gone, ""),
                                     len(output.words))
    words = renumber_lines([w for k, w in enumerate(output.words) if k not in gone])
    return EngineOutput(words=words, text=page_text(words), text_pdf=output.text_pdf)


def _garbled_line(output: EngineOutput, number: int) -> EngineOutput:
    """The reading as if Tesseract had garbled line `number` (low-confidence nonsense in the
    words, the text and the searchable layer), as it does with a line run into a bold title."""
    assert output.text_pdf is not None
    bad = {k for k, w in enumerate(output.words) if w.line == number}
    assert rewrite_words_in_text_pdf(output.text_pdf, dict.fromkeys(bad, "xq"),
                                     len(output.words))
    words = tuple(replace(w, text="xq", conf=12.0) if k in bad else w
                  for k, w in enumerate(output.words))
    return EngineOutput(words=words, text=page_text(words), text_pdf=output.text_pdf)


def _layer_lines(text_pdf: Path) -> list[str]:
    with pdfplumber.open(text_pdf) as pdf:
        return (pdf.pages[0].extract_text() or "").splitlines()


def test_a_missed_line_is_read_and_put_back_in_its_place(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    assert len(full.text.splitlines()) == len(LINES)
    missing = 7  # "Điều 1. …", between two other lines of the body
    partial = _without_line(full, missing)
    assert LINES[missing] not in partial.text

    out = recover_lines(grey, partial, _reader(engine), tmp_path / "rows", DPI)

    lines = out.text.splitlines()
    assert len(lines) == len(LINES)
    assert cer(LINES[missing], lines[missing]) < 0.05
    assert cer(LINES[missing - 1], lines[missing - 1]) < 0.05  # its neighbours stay around it
    assert cer(LINES[missing + 1], lines[missing + 1]) < 0.05
    assert sorted({w.line for w in out.words}) == list(range(len(LINES)))
    # The searchable layer says it too, on its own line in the same place.
    assert out.text_pdf is not None
    layer = _layer_lines(out.text_pdf)
    assert len(layer) == len(LINES)
    assert cer(LINES[missing], layer[missing]) < 0.05


def test_a_page_read_whole_has_nothing_to_recover(engine: TesseractEngine, tmp_path: Path) -> None:
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    rows, _, _ = missed_rows(grey, full.words)
    assert rows == []
    assert recover_lines(grey, full, _reader(engine), tmp_path / "rows", DPI) is full


def test_ink_that_is_not_text_adds_nothing(engine: TesseractEngine, tmp_path: Path) -> None:
    grey = render_page(LINES[:4])
    full = _read(grey, engine, tmp_path)
    # Below the text: a scribble (one long stroke) and a row of letter-sized blots.
    h, w = grey.shape
    pts = np.array([[300 + 40 * k, int(0.75 * h) + (60 if k % 2 else 0)] for k in range(20)])
    cv2.polylines(grey, [pts.astype(np.int32)], False, 0, 4)
    rng = np.random.default_rng(5)
    for k in range(14):
        centre = (320 + 70 * k, int(0.9 * h))
        cv2.ellipse(grey, centre, (int(rng.integers(8, 16)), int(rng.integers(14, 22))),
                    float(rng.integers(0, 180)), 0, 360, 0, -1)
    rows, _, _ = missed_rows(grey, full.words)
    assert len(rows) == 1  # the blots form a row; the scribble is a stroke, not letters
    out = recover_lines(grey, full, _reader(engine), tmp_path / "rows", DPI)
    assert out.text == full.text
    assert out.words == full.words


def test_a_garbled_line_is_read_again_and_replaced(engine: TesseractEngine, tmp_path: Path) -> None:
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    garbled = _garbled_line(full, 4)
    assert "xq" in garbled.text.splitlines()[4]

    out = recover_lines(grey, garbled, _reader(engine), tmp_path / "rows", DPI)

    lines = out.text.splitlines()
    assert len(lines) == len(LINES)
    assert cer(LINES[4], lines[4]) < 0.05
    assert "xq" not in out.text
    assert all(w.text != "xq" for w in out.words)
    assert out.text_pdf is not None
    layer = _layer_lines(out.text_pdf)
    assert "xq" not in " ".join(layer)
    assert cer(LINES[4], layer[4]) < 0.05


def _line_box(output: EngineOutput, number: int) -> tuple[int, int, int, int]:
    words = [w for w in output.words if w.line == number]
    return (min(w.left for w in words), min(w.top for w in words),
            max(w.left + w.width for w in words), max(w.top + w.height for w in words))


def test_a_line_under_a_seal_is_left_unread(engine: TesseractEngine, tmp_path: Path) -> None:
    # A ring crossing the start of the line (a seal over a signer's title) takes the letters
    # it touches with it: the rest would be stored as if it were the whole line.
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    missing = 7
    left, top, right, bottom = _line_box(full, missing)
    cv2.circle(grey, (left + 40, (top + bottom) // 2), 260, 0, 9)
    partial = _without_line(full, missing)
    rows, _, _ = missed_rows(grey, partial.words)
    assert all(not (r.top < bottom and r.bottom > top) for r in rows)
    out = recover_lines(grey, partial, _reader(engine), tmp_path / "rows", DPI)
    assert out.text == partial.text


def test_a_framed_line_is_read(engine: TesseractEngine, tmp_path: Path) -> None:
    # A rectangle drawn around a line (a boxed copy mark) is a frame, not an obstruction.
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    missing = 3  # "QUYẾT ĐỊNH"
    left, top, right, bottom = _line_box(full, missing)
    cv2.rectangle(grey, (left - 25, top - 25), (right + 25, bottom + 25), 0, 5)
    partial = _without_line(full, missing)
    out = recover_lines(grey, partial, _reader(engine), tmp_path / "rows", DPI)
    assert cer(LINES[missing], out.text.splitlines()[missing]) < 0.05


def _word_garbled(full: EngineOutput, number: int) -> tuple[EngineOutput, list[int], int]:
    """The reading with the longest word inside line `number` (a row needs a few letters; its
    neighbours read well) garbled in the words, the text and the layer; the line's word
    indices and the garbled one's."""
    members = [k for k, w in enumerate(full.words) if w.line == number]
    k = max(members[1:-1], key=lambda j: len(full.words[j].text))
    assert full.text_pdf is not None
    assert rewrite_words_in_text_pdf(full.text_pdf, {k: "xq"}, len(full.words))
    words = tuple(replace(w, text="xq", conf=5.0) if j == k else w
                  for j, w in enumerate(full.words))
    return EngineOutput(words=words, text=page_text(words), text_pdf=full.text_pdf), members, k


def test_a_garbled_word_inside_a_line_is_replaced_in_that_line(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    number = 7
    garbled, members, k = _word_garbled(full, number)

    out = recover_lines(grey, garbled, _reader(engine), tmp_path / "rows", DPI)

    assert out.text.splitlines()[number] == full.text.splitlines()[number]
    line = [w for w in out.words if w.line == number]
    assert [w.text for w in line] == [full.words[j].text for j in members]
    assert {w.block for w in line} == {full.words[members[0]].block}  # one line, one block
    assert out.text_pdf is not None
    assert cer(LINES[number], _layer_lines(out.text_pdf)[number]) < 0.05


def test_a_line_read_again_keeps_its_repairs_in_the_layer(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    # The engine's fixes to a reading ("VI," made "VT," from the ink, a line's marks restored)
    # are in its text, not in its words: a recovered line is drawn with that text.
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    missing = 7
    partial = _without_line(full, missing)
    block = engine.with_psm(6)

    def fixed(png: Path) -> EngineOutput:
        read = block.recognise(png, png.with_suffix(""), dpi=DPI, timeout_s=60)
        return replace(read, text=read.text.replace("Điều", "ĐIỀU"))

    out = recover_lines(grey, partial, fixed, tmp_path / "rows", DPI)
    assert out.text.splitlines()[missing].startswith("ĐIỀU 1.")
    assert out.text_pdf is not None
    assert _layer_lines(out.text_pdf)[missing].startswith("ĐIỀU 1.")


def test_a_word_read_again_inside_a_line_is_repaired_with_its_neighbours(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    # A garbled word is read again cut out of its line, with no neighbour to decide its marks
    # ("tren;" for "- Như trên;"); once back in its line it is repaired with the line's words
    # around it, in the text and in the layer.
    grey = render_page()
    full = _read(grey, engine, tmp_path)
    number = 7
    garbled, members, k = _word_garbled(full, number)
    target, before = full.words[k].text, full.words[k - 1].text

    def repair(tokens: Sequence[str]) -> list[str]:  # decides a word by the one before it
        return [t.upper() if n and tokens[n - 1] == before and t == target else t
                for n, t in enumerate(tokens)]

    out = recover_lines(grey, garbled, _reader(engine), tmp_path / "rows", DPI, repair)
    line = out.text.splitlines()[number].split(" ")
    assert line[members.index(k)] == target.upper()
    assert [t for n, t in enumerate(line) if n != members.index(k)] == [
        full.words[j].text for j in members if j != k]
    assert out.text_pdf is not None
    assert target.upper() in _layer_lines(out.text_pdf)[number].split(" ")


TABLE = [
    ("TT", "Họ và tên", "Ngày sinh", "Số định danh"),
    ("1", "Phạm Văn Hùng", "12/04/1986", "001086012345"),
    ("2", "Nguyễn Thị Lan", "03/11/1990", "001190054321"),
    ("3", "Trần Quốc Bảo", "27/08/1979", "001079098765"),
]


def test_a_missed_table_row_is_read_beside_the_grid(engine: TesseractEngine,
                                                    tmp_path: Path) -> None:
    # On a phone photo the grid stays on the page (it is not removed before reading). The last
    # row's cells touch no letter of the grid, and the grid is not a seal: the row is read,
    # its name and also its cells of digits alone (a date, an id number).
    grey, rows = render_table(TABLE)
    full = _read(grey, engine, tmp_path)
    top, bottom = rows[-1]
    last = {k for k, w in enumerate(full.words) if top <= w.top + w.height / 2 <= bottom}
    assert [full.words[k].text for k in sorted(last)] == " ".join(TABLE[-1]).split()
    partial = _without(full, last)
    assert "27/08/1979" not in partial.text
    out = recover_lines(grey, partial, _reader(engine), tmp_path / "rows", DPI)
    found = [w.text for w in out.words if top <= w.top + w.height / 2 <= bottom]
    assert "Bảo" in found and "27/08/1979" in found and "001079098765" in found, found
    assert out.text_pdf is not None
    assert "27/08/1979" in " ".join(_layer_lines(out.text_pdf))


def test_a_missed_cell_joins_its_row(engine: TesseractEngine, tmp_path: Path) -> None:
    # Only the last cell of a row is missed: it is read, and it joins its row's line at the
    # end, as Tesseract reads a row across the columns (not a line of its own elsewhere).
    grey, rows = render_table(TABLE)
    full = _read(grey, engine, tmp_path)
    top, bottom = rows[2]
    row = [k for k, w in enumerate(full.words) if top <= w.top + w.height / 2 <= bottom]
    partial = _without(full, {row[-1]})
    line = next(n for n, text in enumerate(partial.text.splitlines()) if "Lan" in text)
    assert "001190054321" not in partial.text
    out = recover_lines(grey, partial, _reader(engine), tmp_path / "rows", DPI)
    assert out.text.splitlines()[line].split() == " ".join(TABLE[2]).split()
    assert len(out.text.splitlines()) == len(partial.text.splitlines())


def _grid(slant: float) -> np.ndarray:
    """A table grid's ink (2 px rules, 4 rows, 4 columns) whose last column's rules slant by
    `slant` (a curled page: they drift a few pixels over a cell)."""
    ink = np.zeros((400, 1600), np.uint8)
    for r in range(5):
        y = 20 + 90 * r
        cv2.line(ink, (20, y), (1200, y), 1, 2)
        cv2.line(ink, (1200, y), (1580, y + round(slant * 380)), 1, 2)
    for x in (20, 400, 800, 1200):
        cv2.line(ink, (x, 20), (x, 380), 1, 2)
    cv2.line(ink, (1580, 20 + round(slant * 380)), (1580, 380 + round(slant * 380)), 1, 2)
    return ink > 0


def test_a_grid_is_ruled_and_a_seal_or_signature_is_not() -> None:
    letter = 24.0
    assert _ruled(_grid(0.0), letter)
    assert _ruled(_grid(0.08), letter)  # slanting 4.6 degrees
    ring = np.zeros((600, 600), np.uint8)
    cv2.circle(ring, (300, 300), 260, 1, 9)
    assert not _ruled(ring > 0, letter)
    signature = np.zeros((200, 700), np.uint8)
    points = [[20 + 30 * k, 100 + round(60 * np.sin(k / 2))] for k in range(22)]
    cv2.polylines(signature, [np.array(points, np.int32)], False, 1, 4)
    assert not _ruled(signature > 0, letter)
    # a straight pen stroke in the row (a handwritten "1" of a day, 2.5 letters tall) is not a
    # rule: taken for one, it was erased and a day written "14" was stored as "4"
    stroke = np.zeros((60, 12), np.uint8)
    cv2.line(stroke, (6, 0), (4, 59), 1, 4)
    assert not _ruled(stroke > 0, letter)
    lettered = _grid(0.0)  # a word run into a rule is not part of the grid
    word = np.zeros((40, 100), np.uint8)  # "ooo" run into the column's rule at x=400
    for k in range(3):
        cv2.circle(word, (13 + 22 * k, 20), 12, 1, 3)
    lettered[60:100, 400:500] |= word > 0
    assert not _ruled(lettered, letter)


def _word(text: str, conf: float) -> Word:
    return Word(text=text, conf=conf, left=0, top=0, width=40, height=30, block=0, line=0)


def test_a_row_of_digits_is_kept_only_when_read_surely() -> None:
    # No syllable to judge a row of numbers by: every word must be a number read at 90 or more.
    sure = [_word("27/08/1979", 96.0), _word("001079098765", 93.0)]
    assert _reads_as_text("27/08/1979 001079098765", sure)
    assert not _reads_as_text("27/08/1979 001079098765", [sure[0], _word("001079098765", 80.0)])
    assert not _reads_as_text("27/08/1979 |", [sure[0], _word("|", 95.0)])
    assert not _reads_as_text("::", [_word("::", 95.0)])


NUMBERED = [
    "Xác nhận thông tin của công dân như sau:",
    "1. Họ, chữ đệm và tên: PHẠM VĂN HÙNG",
    "2. Ngày, tháng, năm sinh: 12/04/1986",
    "3. Số định danh cá nhân: 001086012345",
    "4. Nơi thường trú: thôn Đông, xã Hòa Bình",
    "5. Quan hệ với chủ hộ: con",
]


def _read_down_the_page(output: EngineOutput) -> tuple[EngineOutput, int]:
    """The reading as Tesseract gives it when it takes a list's row numbers for one line of
    vertical text (a residence form, the numbers above a table's numbered column): each "1."
    a glyph read sideways, all of them one line of their own."""
    assert output.text_pdf is not None
    firsts = {min((k for k, w in enumerate(output.words) if w.line == n),
                  key=lambda k: output.words[k].left) for n in range(1, len(NUMBERED))}
    column = max(w.line for w in output.words) + 1
    assert rewrite_words_in_text_pdf(output.text_pdf, dict.fromkeys(firsts, "¬"),
                                     len(output.words))
    words = [replace(w, text="¬", conf=83.0, line=column) if k in firsts else w
             for k, w in enumerate(output.words)]
    return EngineOutput(words=tuple(words), text=page_text(words),
                        text_pdf=output.text_pdf), column


def test_row_numbers_read_down_the_page_are_read_again_on_their_rows(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    grey = render_page(NUMBERED)
    full = _read(grey, engine, tmp_path)
    assert full.text.splitlines() == NUMBERED
    down, column = _read_down_the_page(full)
    assert stacked_words(down.words) == {k for k, w in enumerate(down.words) if w.line == column}
    assert "1." not in down.text

    out = recover_lines(grey, down, _reader(engine), tmp_path / "rows", DPI)

    # Each number back at the head of its row, in the text and in the searchable layer (read
    # alone, a number's dot may come back a comma).
    assert out.text_pdf is not None
    for lines in (out.text.splitlines(), _layer_lines(out.text_pdf)):
        assert len(lines) == len(NUMBERED)
        for line, truth in zip(lines[1:], NUMBERED[1:], strict=True):
            assert line.startswith(truth[0]) and cer(truth, line) < 0.04, (line, truth)
    assert "¬" not in out.text


def test_only_a_column_of_three_words_one_under_another_is_read_down_the_page() -> None:
    def word(left: int, top: int, line: int) -> Word:
        return Word(text="x", left=left, top=top, width=30, height=40, conf=90.0, block=1,
                    line=line)

    assert stacked_words([word(100, 100, 0), word(102, 200, 0), word(98, 300, 0)]) == {0, 1, 2}
    # a line across the page, two words one under the other, a staircase, a column's lines
    assert stacked_words([word(100, 100, 0), word(140, 100, 0), word(180, 102, 0)]) == set()
    assert stacked_words([word(100, 100, 0), word(102, 200, 0)]) == set()
    assert stacked_words([word(100, 100, 0), word(160, 200, 0), word(220, 300, 0)]) == set()
    assert stacked_words([word(100, 100, 0), word(100, 200, 1), word(100, 300, 2)]) == set()


LIST = [
    "Nơi nhận:",
    "- Như Điều 3;",
    "- Kho bạc Nhà nước khu vực;",
    "- Ủy ban Mặt trận Tổ quốc Việt Nam;",
    "- Lưu: VT, VP.",
]


def _tight_list() -> np.ndarray:
    """A recipient list set tightly, as under a decision's signer block: its lines a little
    over a letter apart, the first line's marks reaching up between the lines."""
    from PIL import Image, ImageDraw, ImageFont

    from tests.ocr.ocr_testpages import FONT
    img = Image.new("L", (1400, 700), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 46)
    for n, line in enumerate(LIST):
        draw.text((120, 120 + 58 * n), line, font=font, fill=0)
    return np.asarray(img, dtype=np.uint8).copy()


def test_a_line_merged_into_the_next_one_is_read_again(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    grey = _tight_list()
    full = _read(grey, engine, tmp_path)
    assert all(cer(t, line) < 0.05 for t, line in zip(LIST, full.text.splitlines(), strict=True))
    # As Tesseract reads it when it merges "- Như Điều 3;" into the next line: that line gone,
    # the first words of the next one in boxes over both lines, and the heading's boxes
    # reaching down over the marks of "Điều".
    gone = _without_line(full, 1)
    assert gone.text_pdf is not None
    above = [k for k, w in enumerate(gone.words) if w.line == 0]
    below = [k for k, w in enumerate(gone.words) if w.line == 1 and w.text.isalpha()][:3]
    top = min(w.top for w in full.words if w.line == 1)
    words = list(gone.words)
    for k in above:
        w = words[k]
        words[k] = replace(w, height=top + 6 - w.top)
    for k in below:
        w = words[k]
        words[k] = replace(w, top=top, height=w.top + w.height - top)
    merged = EngineOutput(words=tuple(words), text=gone.text, text_pdf=gone.text_pdf)
    assert LIST[1] not in merged.text

    out = recover_lines(grey, merged, _reader(engine), tmp_path / "rows", DPI)

    lines = out.text.splitlines()
    assert len(lines) == len(LIST)
    assert lines[1] == LIST[1]
    assert cer(LIST[2], lines[2]) < 0.05
    assert out.text_pdf is not None
    assert cer(LIST[1], _layer_lines(out.text_pdf)[1]) < 0.05


def test_a_sheet_read_ahead_is_not_read_again(engine: TesseractEngine, tmp_path: Path) -> None:
    """The rows are cut and read ahead, beside the capitals read again, on the reading before
    that step (`ocr.process._SheetsAhead`): the run after it takes the sheet it cuts the same
    from there, reads a sheet cut otherwise, and ends with the text the step alone gives."""
    from ocr.process import _SheetsAhead

    grey = render_page()
    full = _read(grey, engine, tmp_path)
    partial = _without_line(full, 7)
    assert partial.text_pdf is not None
    layer_before = partial.text_pdf.read_bytes()
    sheets: list[bytes] = []
    plain = _reader(engine)

    def counted(png: Path) -> EngineOutput | None:
        sheets.append(png.read_bytes())
        return plain(png)  # type: ignore[no-any-return]

    ahead = _SheetsAhead(counted)
    recover_lines(grey, replace(partial, text_pdf=None), ahead.read_ahead, tmp_path / "a", DPI)
    assert len(sheets) == 1
    assert partial.text_pdf.read_bytes() == layer_before  # read ahead, nothing written

    out = recover_lines(grey, partial, ahead.read, tmp_path / "rows", DPI)
    assert len(sheets) == 1  # the same sheet: taken from the reading ahead
    assert cer(LINES[7], out.text.splitlines()[7]) < 0.05
    assert out.text_pdf is not None
    assert len(_layer_lines(out.text_pdf)) == len(LINES)

    (tmp_path / "again").mkdir()
    other = _without_line(_read(grey, engine, tmp_path / "again"), 3)
    again = recover_lines(grey, other, ahead.read, tmp_path / "rows2", DPI)
    assert len(sheets) == 2  # another sheet: read
    assert cer(LINES[3], again.text.splitlines()[3]) < 0.05


def test_a_sheet_that_failed_ahead_is_read_in_its_turn(tmp_path: Path) -> None:
    from ocr.process import _SheetsAhead

    sheet = tmp_path / "sheet.pnm"
    sheet.write_bytes(b"P5 1 1 255 \x00")
    answers: list[EngineOutput | None] = [None, EngineOutput(words=(), text="x", text_pdf=None)]
    ahead = _SheetsAhead(lambda png: answers.pop(0))
    assert ahead.read_ahead(sheet) is None  # a timeout or a crash ahead is not kept
    found = ahead.read(sheet)
    assert found is not None and found.text == "x" and answers == []
