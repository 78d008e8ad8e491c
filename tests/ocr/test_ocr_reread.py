"""Lines holding words in capitals are read again on their own (`ocr.reread`), with real
Tesseract: a capitals word whose marks the first reading lost is replaced in the words, the
text and the searchable layer; a reading Tesseract is surer of, or a word not in capitals, is
left as it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest

from ocr.engine import EngineOutput
from ocr.preprocess import components
from ocr.reread import (
    _better,
    _marks_shown,
    _taken,
    _unshown_marks,
    in_capitals,
    reread_capitals,
)
from ocr.tesseract import TesseractEngine
from ocr.types import Word
from ocr.words import page_text, rewrite_words_in_text_pdf
from tests.ocr.ocr_testpages import LINES, render_page

DPI = 300
TITLE = 0  # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
DATE = 2  # "Quảng Trị, ngày 05 tháng 3 năm 2024"
BODY = 4  # "Về việc cấp giấy chứng nhận …"


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    engine = TesseractEngine(psm=3)
    engine.check()
    return engine


@pytest.fixture(scope="module")
def page(engine: TesseractEngine, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[np.ndarray, EngineOutput]:
    grey = render_page()
    tmp = tmp_path_factory.mktemp("page")
    png = tmp / "page.png"
    cv2.imwrite(str(png), grey)
    full = engine.recognise(png, tmp / "page", dpi=DPI, timeout_s=120)
    assert full.text.splitlines()[TITLE] == LINES[TITLE]
    return grey, full


def _reader(engine: TesseractEngine):  # type: ignore[no-untyped-def]
    block = engine.with_psm(6)
    return lambda png: block.recognise(png, png.with_suffix(""), dpi=DPI, timeout_s=60)


def _misread(output: EngineOutput, tmp_path: Path, line: int,
             changes: dict[str, tuple[str, float]]) -> EngineOutput:
    """A copy of the reading whose words on `line` read as `changes` says (text, confidence),
    in the words, the text and its own copy of the searchable layer."""
    assert output.text_pdf is not None
    tmp_path.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / "layer.pdf"
    pdf.write_bytes(output.text_pdf.read_bytes())
    edits = {k: changes[w.text] for k, w in enumerate(output.words)
             if w.line == line and w.text in changes}
    assert len(edits) == len(changes)
    assert rewrite_words_in_text_pdf(pdf, {k: t for k, (t, _) in edits.items()},
                                     len(output.words))
    words = tuple(replace(w, text=edits[k][0], conf=edits[k][1]) if k in edits else w
                  for k, w in enumerate(output.words))
    return EngineOutput(words=words, text=page_text(words), text_pdf=pdf)


def _layer(pdf: Path) -> str:
    with pdfplumber.open(pdf) as doc:
        return doc.pages[0].extract_text() or ""


def test_capitals_whose_marks_were_lost_are_read_again(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    grey, full = page
    lost = _misread(full, tmp_path, TITLE, {"HÒA": ("HOA", 70.0), "NGHĨA": ("NGHIA", 72.0)})
    assert "CỘNG HOA XÃ HỘI CHỦ NGHIA" in lost.text
    out = reread_capitals(grey, lost, _reader(engine), tmp_path / "caps")
    assert out.text.splitlines()[TITLE] == LINES[TITLE]
    assert [w.text for w in out.words if w.line == TITLE] == LINES[TITLE].split()
    assert out.text.splitlines()[1:] == lost.text.splitlines()[1:]
    assert out.text_pdf is not None
    assert LINES[TITLE] in _layer(out.text_pdf)
    # the words keep their boxes
    assert [(w.left, w.top) for w in out.words] == [(w.left, w.top) for w in lost.words]


def test_a_line_with_a_word_read_again_is_repaired_again(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    # "PHAN MEM" read again "PHẦN MEM": the mark read again decides its neighbour's
    # ("PHẦN MỀM"), which the line repair could not decide before. Here a repair that
    # changes the word after "HÒA" only once "HÒA" is there; the word read again keeps its
    # reading, and the layer follows.
    grey, full = page
    lost = _misread(full, tmp_path, TITLE, {"HÒA": ("HOA", 70.0)})

    def repair(tokens: Sequence[str]) -> list[str]:
        return [t.lower() if n and tokens[n - 1] == "HÒA" else t for n, t in enumerate(tokens)]

    assert repair(lost.text.splitlines()[TITLE].split(" ")) == lost.text.splitlines()[
        TITLE].split(" ")
    out = reread_capitals(grey, lost, _reader(engine), tmp_path / "caps", repair)
    assert out.text.splitlines()[TITLE] == LINES[TITLE].replace("HÒA XÃ", "HÒA xã")
    assert out.text_pdf is not None
    assert "HÒA xã" in _layer(out.text_pdf)
    assert out.text.splitlines()[1:] == lost.text.splitlines()[1:]


def test_a_doubted_day_is_read_again_in_its_lines_piece(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    # As a bold italic "28" read "26" inside its page: the day's own ink, read again, says
    # "05"; the title's capitals, read on the same sheet, come back as well.
    grey, full = page
    lost = _misread(full, tmp_path, TITLE, {"HÒA": ("HOA", 70.0)})
    lost = _misread(lost, tmp_path / "d", DATE, {"05": ("06", 90.0), "2024": ("2024", 91.0)})
    assert "ngày 06 tháng" in lost.text
    out = reread_capitals(grey, lost, _reader(engine), tmp_path / "caps")
    assert out.text.splitlines()[DATE] == LINES[DATE]
    assert out.text.splitlines()[TITLE] == LINES[TITLE]
    assert [w.text for w in out.words if w.line == DATE] == LINES[DATE].split()
    assert out.text_pdf is not None and LINES[DATE] in _layer(out.text_pdf)
    # a number Tesseract was sure of is not read again
    sure = _misread(full, tmp_path / "s", DATE, {"05": ("06", 99.0)})
    assert reread_capitals(grey, sure, _reader(engine), tmp_path / "caps") is sure


def test_a_reading_tesseract_was_surer_of_stays(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    grey, full = page
    # A valid syllable read with full confidence: the second reading is not clearly surer.
    sure = _misread(full, tmp_path, TITLE, {"HÒA": ("HÓA", 99.0)})
    out = reread_capitals(grey, sure, _reader(engine), tmp_path / "caps")
    assert out is sure


def test_words_not_in_capitals_are_not_read_again(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    grey, full = page
    lower = _misread(full, tmp_path, BODY, {"việc": ("viec", 40.0)})
    out = reread_capitals(grey, lower, _reader(engine), tmp_path / "caps")
    assert "Về viec cấp" in out.text


def _word(text: str, conf: float) -> Word:
    return Word(text=text, left=0, top=0, width=100, height=40, conf=conf, block=0, line=0)


def _two_lines(engine: TesseractEngine, tmp_path: Path, printed: list[str]
               ) -> tuple[EngineOutput, np.ndarray, list[int]]:
    """Two lines printed on a page and read whole: the reading, the page's ink shapes
    (`components` stats) and the two line numbers."""
    grey = render_page(printed)
    png = tmp_path / "two.png"
    cv2.imwrite(str(png), grey)
    read = engine.recognise(png, tmp_path / "two", dpi=DPI, timeout_s=60)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    lines = sorted({w.line for w in read.words})
    assert len(lines) == 2
    return read, components(ink)[2], lines


def test_the_second_reading_wins_only_when_clearly_better() -> None:
    assert in_capitals("VT,") and in_capitals("GIÁM") and not in_capitals("Số:")
    assert not in_capitals("A")
    # one of the two readings no syllable: a surer second reading of the same length wins
    assert _better(_word("VI,", 40.0), _word("VT,", 92.0), "VT,")
    assert _better(_word("VD", 82.0), _word("VT,", 91.0), "VT,")  # the comma lost at first
    assert _better(_word("ĐÔC", 57.0), _word("ĐỐC", 96.0), "ĐỐC")
    # two valid syllables: only by a clear margin
    assert not _better(_word("TỈNH", 92.0), _word("TĨNH", 93.0), "TĨNH")
    assert _better(_word("TÍNH", 91.0), _word("TỈNH", 93.0), "TỈNH")
    assert _better(_word("SÓNG", 82.0), _word("SÔNG", 93.0), "SÔNG")
    # not sure enough, not surer, another length, not capitals
    assert not _better(_word("GIAM", 60.0), _word("GIÁM", 80.0), "GIÁM")
    assert not _better(_word("GIAM", 95.0), _word("GIÁM", 93.0), "GIÁM")
    assert not _better(_word("H", 93.0), _word("TỊCH", 96.0), "TỊCH")
    assert not _better(_word("IH.", 80.0), _word("III.", 90.0), "III.")
    assert not _better(_word("VP", 70.0), _word("VP.", 90.0), "VP.")
    # a first reading Tesseract hardly believes gives way to one far surer, short of sure
    assert _better(_word("QUYỀN", 46.6), _word("QUYÊN", 76.6), "QUYÊN")
    assert not _better(_word("QUYỀN", 55.0), _word("QUYÊN", 75.0), "QUYÊN")
    assert not _better(_word("QUYỀN", 62.0), _word("QUYÊN", 84.0), "QUYÊN")
    # a stray "_" read before a code is no letter of it
    assert _better(_word("642/BC-SVHTTDI", 84.9), _word("_642/BC-SVHTTDL", 87.7),
                   "642/BC-SVHTTDL")
    assert not _better(_word("viec", 40.0), _word("việc", 96.0), "việc")
    # a day, a month, a year: a surer second reading of as many digits
    assert _better(_word("26", 92.0), _word("28", 96.0), "28")
    assert _better(_word("06", 95.0), _word("08", 96.5), "08")
    assert not _better(_word("26", 92.0), _word("28", 84.0), "28")
    assert not _better(_word("26", 92.0), _word("286", 96.0), "286")
    assert not _better(_word("123456", 80.0), _word("123458", 96.0), "123458")


def test_a_word_whose_letters_the_line_repair_changed_keeps_the_repair(
    engine: TesseractEngine, page: tuple[np.ndarray, EngineOutput], tmp_path: Path
) -> None:
    # As "IH." made "III." by the line repair, which a second reading "II." would undo: the
    # text holds a token of other letters than the word Tesseract read, and keeps it.
    grey, full = page
    lost = _misread(full, tmp_path, TITLE, {"HÒA": ("HOA", 70.0), "NGHĨA": ("NGHIA", 72.0)})
    repaired = replace(lost, text=lost.text.replace("CỘNG HOA", "CỘNG HOAI", 1))
    out = reread_capitals(grey, repaired, _reader(engine), tmp_path / "caps")
    assert out.text.splitlines()[TITLE] == LINES[TITLE].replace("HÒA", "HOAI")


def test_a_mark_the_second_reading_adds_is_taken_only_where_the_page_has_it(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    # The same capitals printed with their marks and without: "PHONG" read again "PHÒNG" is
    # taken on the first line (the grave is there), not on the second, whatever Tesseract's
    # confidence; a mark moved or taken away is never taken this way.
    marked, bare = "PHÒNG NHIỆM HẢI", "PHONG NHIEM HAI"
    read, stats, lines = _two_lines(engine, tmp_path, [marked, bare])
    for line, has_marks in zip(lines, (True, False), strict=True):
        words = [w for w in read.words if w.line == line]
        assert len(words) == 3
        for word, with_marks, without in zip(words, marked.split(), bare.split(), strict=True):
            first = replace(word, text=without)
            assert _marks_shown(stats, first, replace(word, text=with_marks)) is has_marks
        # only the dot below: shown on the first line too
        assert _marks_shown(stats, replace(words[1], text="NHIÊM"),
                            replace(words[1], text="NHIỆM")) is has_marks
    # a surer second reading that takes a mark away: refused where the page shows the mark
    for line, has_marks in zip(lines, (True, False), strict=True):
        word = [w for w in read.words if w.line == line][2]
        first, again = replace(word, text="HẢI", conf=93.0), replace(word, text="HAI", conf=95.5)
        assert _better(first, again, "HAI")
        assert _taken(stats, first, again, "HAI") is not has_marks
        # and one that adds it: taken where the page shows it, even a little less sure
        first, again = replace(word, text="HAI", conf=93.0), replace(word, text="HẢI", conf=90.0)
        assert _taken(stats, first, again, "HẢI") is has_marks
    word = next(w for w in read.words if w.line == lines[0])
    assert not _marks_shown(stats, replace(word, text="PHÒNG"), replace(word, text="PHONG"))
    assert not _marks_shown(stats, replace(word, text="PHÓNG"), replace(word, text="PHÒNG"))
    assert not _marks_shown(stats, replace(word, text="PHONG"), replace(word, text="PHƠNG"))


def test_a_mark_read_below_where_the_page_has_it_above_is_moved(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    # "GIÁM ĐỐC" read "GIÁM ĐỌC" in a page, "ĐỐC" again at about the same confidence: both
    # are syllables, and the page decides where the O's mark is. Printed "ĐỐC", the second
    # reading is taken; printed "ĐỌC", it is not, however sure.
    read, stats, lines = _two_lines(engine, tmp_path, ["GIÁM ĐỐC", "GIÁM ĐỌC"])
    for line, printed_above in zip(lines, (True, False), strict=True):
        word = [w for w in read.words if w.line == line][1]
        first, again = replace(word, text="ĐỌC", conf=95.9), replace(word, text="ĐỐC", conf=96.8)
        assert not _better(first, again, "ĐỐC")  # two syllables, too close to call
        assert _taken(stats, first, again, "ĐỐC") is printed_above
        # the other way round: a dot below the page does not show is not taken either
        first, again = replace(word, text="ĐỐC", conf=95.9), replace(word, text="ĐỌC", conf=96.8)
        assert _taken(stats, first, again, "ĐỌC") is not printed_above


def test_a_first_reading_with_marks_the_page_does_not_show_gives_way(
    engine: TesseractEngine, tmp_path: Path
) -> None:
    # "VP." read "VỀ." at 90 %, read again "VP" at 82 %: the page shows nothing above the
    # letters, so the first reading's marks are made up, and the second, without them, is
    # taken short of `MIN_CONF`. Where the page shows the marks, it is not.
    read, stats, lines = _two_lines(engine, tmp_path, ["Lưu: VP", "Lưu: VỀ"])
    for line, printed_bare in zip(lines, (True, False), strict=True):
        word = [w for w in read.words if w.line == line][1]
        first, again = replace(word, text="VỀ", conf=90.5), replace(word, text="VP", conf=82.3)
        assert _unshown_marks(stats, first, first.text) is printed_bare
        assert not _unshown_marks(stats, first, again.text)
        assert _taken(stats, first, again, "VP") is printed_bare
        # not when the second reading is far less sure
        assert not _taken(stats, first, replace(again, conf=70.0), "VP")
