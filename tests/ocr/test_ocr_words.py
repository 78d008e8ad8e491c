from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
from ocr_testpages import BOLD, FONT, SANS, render_page, save_png
from PIL import Image, ImageDraw, ImageFont

from ocr.document import ocr_file
from ocr.tesseract import TesseractEngine
from ocr.types import WORD_SPACE, OcrOptions, Word
from ocr.words import (
    counted_numerals,
    curly_apostrophes,
    dropped_marks,
    glued_punctuation,
    inkless_word_indices,
    item_number_marks,
    noise_word_indices,
    number_separators,
    numbered_headings,
    page_text,
    phantom_marks,
    raised_units,
    renumber_lines,
    repaired_texts,
    stroke_word_indices,
    tees_read_as_i,
    trimmed_leaders,
    vees_read_as_w,
)


def _w(text: str, height: int, conf: float, line: int) -> Word:
    return Word(text=text, left=0, top=0, width=10, height=height, conf=conf, block=1, line=line)


def test_signature_scribbles_and_symbol_noise_dropped() -> None:
    words = [
        _w("Quyết", 34, 96, 0),
        _w("định", 33, 95, 0),
        _w("GIẤY", 52, 91, 1),
        _w("Ji", 140, 32, 2),
        _w("[V4", 141, 21, 2),
        _w("—", 49, 18, 3),
        _w("hành.", 34, 0, 4),
        _w("-", 30, 90, 5),
        _w("TỈNH", 120, 88, 6),
    ]
    assert noise_word_indices(words) == {3, 4, 5}


def test_tiny_low_confidence_words_are_specks_not_text() -> None:
    words = [
        _w("Quyết", 44, 96, 0),
        _w("định", 43, 95, 0),
        _w("co", 6, 8, 1),  # a speck beside a signature, read at 8 %
        _w("cơ", 6, 85, 1),  # as small but read with confidence: kept
        # a dash is that thin and is kept: it sits beside the words of its line, not over one
        replace(_w("-", 3, 76, 1), left=200, top=20),
        _w("số", 40, 30, 2),  # a printed word read poorly is not a speck
    ]
    assert noise_word_indices(words) == {2}


def test_a_tone_mark_read_as_a_word_of_its_own_is_dropped() -> None:
    # The grave over "VÀ" read apart as "_" (7 px high over words 40 px high, at 79 %): a
    # word of symbols that thin, just over a word of letters. The period and the hyphen of the
    # line, as thin, sit on or beside it, and the mark over nothing is no mark.
    line = [Word(text=t, left=x, top=100, width=60, height=40, conf=95, block=1, line=1)
            for t, x in (("DOANH", 100), ("VÀ", 200), ("X", 400))]
    line += [Word(text="của", left=100 * n, top=200, width=60, height=40, conf=95, block=1,
                  line=2) for n in range(8)]
    words = [
        Word(text="_", left=222, top=88, width=12, height=7, conf=79, block=1, line=0),
        *line,
        Word(text=".", left=262, top=132, width=6, height=7, conf=79, block=1, line=1),
        Word(text="-", left=300, top=118, width=20, height=4, conf=88, block=1, line=1),
        Word(text="¬", left=600, top=88, width=40, height=7, conf=69, block=1, line=0),
        Word(text="~", left=422, top=88, width=12, height=7, conf=95, block=1, line=0),
    ]
    # "~" is read with confidence: kept; "¬" over no word: judged by its confidence alone
    assert noise_word_indices(words) == {0}


def test_the_next_lines_marks_read_into_the_line_above_are_dropped() -> None:
    # In a tight list Tesseract took the row of marks over "nhân dân;" into the line above
    # and read it "~" at 90 %: a thin word of symbols reaching into the boxes of the next
    # line's words (its middle over the gap between two of them). A dash of the line above,
    # as thin and as sure, ends above the next line's boxes: kept.
    above = [Word(text=t, left=x, top=50, width=w, height=45, conf=96, block=1, line=0)
             for t, x, w in (("Như", 280, 100), ("trên;", 400, 100), ("Tự", 1620, 68))]
    below = [Word(text=t, left=x, top=100, width=w, height=45, conf=96, block=1, line=1)
             for t, x, w in (("nhân", 810, 112), ("dân;", 940, 95), ("tháng", 1600, 160))]
    marks = Word(text="~", left=877, top=96, width=115, height=8, conf=90.5, block=1, line=0)
    dash = Word(text="-", left=1700, top=66, width=14, height=6, conf=93, block=1, line=0)
    words = [*above, marks, dash, *below]
    assert noise_word_indices(words) == {3}


def test_punctuation_split_off_its_word_by_the_line_model_goes_back() -> None:
    # "thi hành./." read "thi hành ./.": one word for the layout, so one confidence for both
    # pieces, and no gap to speak of between them. A mark the layout found apart (another
    # confidence), one far from the word, or one on the next line stays a word of its own.
    def at(text: str, left: int, width: int, conf: float, line: int = 0) -> Word:
        return Word(text=text, left=left, top=100, width=width, height=44, conf=conf, block=1,
                    line=line)

    words = [at("thi", 1428, 70, 96.0), at("hành", 1522, 114, 54.2), at("./.", 1647, 54, 54.2),
             at("Như", 300, 100, 96.8, 1), at("trên", 410, 90, 77.1, 1),
             at(";", 502, 10, 80.3, 1), at("VP", 300, 60, 91.0, 2), at(".", 400, 8, 91.0, 2),
             at("ngày", 300, 100, 93.0, 3), at("-", 300, 10, 93.0, 4)]
    assert glued_punctuation(words) == {2: 1}
    overlapping = [at("hành", 1193, 166, 77.2), at("./.", 1313, 49, 77.2)]
    assert glued_punctuation(overlapping) == {1: 0}


def test_text_rebuilt_with_consecutive_lines() -> None:
    words = [_w("a", 30, 90, 0), _w("b", 30, 90, 2), _w("c", 30, 90, 2), _w("d", 30, 90, 5)]
    kept = renumber_lines(words)
    assert [w.line for w in kept] == [0, 1, 1, 2]
    assert page_text(kept) == "a\nb c\nd"


def test_dropped_words_leave_the_pdf_layer_too(tmp_path: Path) -> None:
    page = render_page(["Quyết định số hóa", "Độc lập - Tự do - Hạnh phúc"])
    page[700:760, 1500:1700] = 0  # a blot the engine may read as a tall "word"
    png = save_png(page, tmp_path / "p.png")
    out = TesseractEngine().recognise(png, tmp_path / "p", dpi=300, timeout_s=60)
    assert out.text_pdf is not None
    with pdfplumber.open(out.text_pdf) as pdf:
        layer = " ".join((pdf.pages[0].extract_text() or "").split())
    assert layer == " ".join(out.text.split())


def _tsv_row(text: str, n: int) -> str:
    return "\t".join(["5", "1", "1", "1", "1", str(n), "0", "0", "10", "10", "90", text])


def test_dropped_words_map_onto_the_words_drawn_in_the_text_pdf() -> None:
    # Tesseract's TSV lists blank words (a table cell, a gap: text " ") that its text-only PDF
    # does not draw. Counting them made the PDF's word count disagree with the TSV's on most
    # pages, so the dropped signature scribbles were left in the searchable PDF.
    from ocr.tesseract import _all_word_indices, _tsv_word_count

    header = "\t".join(["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                        "left", "top", "width", "height", "conf", "text"])
    tsv = "\n".join([header, _tsv_row("Quyết", 1), _tsv_row(" ", 2), _tsv_row("định", 3),
                     _tsv_row(" ", 4), _tsv_row("[V4", 5), _tsv_row("hành.", 6)])
    assert _tsv_word_count(tsv) == 4  # what the PDF draws: one TJ per non-blank word
    assert _all_word_indices(tsv, {2}) == {2}  # "[V4": third non-blank word, third TJ


def _at(text: str, left: int, width: int, height: int, conf: float, line: int) -> Word:
    return Word(text=text, left=left, top=100 * line, width=width, height=height, conf=conf,
                block=1, line=line)


def test_closing_punctuation_kept_and_fair_confidence_scribbles_dropped() -> None:
    # Read off a clean decision page that came out worse than plain Tesseract: its closing
    # "./." (confidence 8 %) was dropped as a symbol run while the signature above the signer's
    # name was kept as "Và" / "am" (68 / 85 %, 3.6 / 4.3 x the median word) and a stroke as
    # "1" (one letter, 4.7 x as wide as it is tall).
    words = [
        _at("chịu", 100, 90, 45, 96, 0),
        _at("thi", 200, 60, 45, 96, 0),
        _at("hành", 270, 120, 48, 8, 0),
        _at("./.", 344, 48, 62, 8, 0),  # its box starts inside the one before
        _at("Và", 1500, 452, 161, 68, 1),
        _at("am", 1900, 144, 192, 85, 1),
        _at("1", 1600, 220, 47, 53, 2),
        _at("—", 1900, 104, 103, 63, 2),
        _at("Lưu", 1500, 90, 44, 96, 3),
        _at("Thị", 1600, 80, 44, 96, 3),
        _at("Quyên", 1700, 140, 46, 96, 3),
        _at("./.", 2000, 48, 62, 8, 3),  # far from the word before it: not its punctuation
    ]
    assert noise_word_indices(words) == {4, 5, 6, 7, 11}


def test_dots_a_box_cannot_hold_are_trimmed() -> None:
    # A row number alone in a wide cell, read "1..." in a box 18 px wide: the dots are the
    # engine's; a printed "ngày..." of a form has room for its dots and keeps them.
    words = [_at("1...", 361, 18, 33, 82, 0), _at("ngày...", 400, 190, 45, 90, 1),
             _at("...", 600, 10, 33, 80, 1), _at("hạn.", 700, 109, 52, 96, 1)]
    assert trimmed_leaders(words) == {0: "1"}


def test_line_repair_reaches_the_text_and_its_layer_not_the_word_boxes(tmp_path: Path) -> None:
    # OcrOptions.text_repair: the page text and the searchable layer carry the caller's repair
    # (one line's words at a time); the word boxes keep what Tesseract read, for extraction.
    seen: list[list[str]] = []

    def repair(words: Sequence[str]) -> list[str]:
        seen.append(list(words))
        return [w.upper() if w.lower() == "hạnh" else w for w in words]

    page = render_page(["Quyết định số hóa", "Độc lập - Tự do - Hạnh phúc"])
    png = save_png(page, tmp_path / "p.png")
    out = TesseractEngine(repair=repair).recognise(png, tmp_path / "p", dpi=300, timeout_s=60)
    assert len(seen) == 2  # once per line
    assert "HẠNH phúc" in out.text
    assert any(w.text == "Hạnh" for w in out.words)
    assert out.text_pdf is not None
    with pdfplumber.open(out.text_pdf) as pdf:
        layer = " ".join((pdf.pages[0].extract_text() or "").split())
    assert layer == " ".join(out.text.split())


def test_a_repair_that_changes_the_word_count_is_ignored() -> None:
    words = [_w("a", 30, 90, 0), _w("b", 30, 90, 0), _w("c", 30, 90, 1)]
    assert repaired_texts(words, lambda ws: [" ".join(ws)] if len(ws) == 2 else ["C"]) == {2: "C"}
    assert repaired_texts(words, None) == {}


def test_symbols_read_over_white_paper_are_dropped_printed_ones_kept() -> None:
    grey = np.full((120, 400), 250, np.uint8)
    grey[40:80, 10:90] = 20  # a word
    grey[70:78, 95:103] = 30  # its full stop
    grey[50:54, 300:316] = 25  # a hyphen further on
    words = [
        Word(text="1982", left=10, top=40, width=80, height=40, conf=88, block=1, line=0),
        Word(text=".", left=95, top=70, width=8, height=8, conf=60, block=1, line=0),
        Word(text=".", left=150, top=30, width=23, height=65, conf=73, block=1, line=0),
        Word(text="_", left=200, top=30, width=24, height=56, conf=58, block=1, line=0),
        Word(text="-", left=300, top=50, width=16, height=4, conf=93, block=1, line=0),
        Word(text="Số", left=330, top=40, width=60, height=40, conf=97, block=1, line=0),
    ]
    loads: list[int] = []

    def load() -> np.ndarray:
        loads.append(1)
        return grey

    assert inkless_word_indices(words, load) == {2, 3}
    # words of letters are never judged, and the image is not even loaded for them
    assert inkless_word_indices([words[0], words[5]], load) == set() and len(loads) == 1


def test_a_symbol_read_over_a_table_rule_is_dropped_a_printed_bar_kept() -> None:
    grey = np.full((400, 600), 250, np.uint8)
    grey[20:380, 100:103] = 30  # a table's vertical rule, across every row
    grey[150:190, 20:40] = 20  # the row's number
    grey[150:192, 300:303] = 30  # a bar printed in the text, as tall as its line
    grey[168:172, 400:416] = 25  # a hyphen
    words = [
        Word(text="1", left=20, top=150, width=20, height=40, conf=95, block=1, line=0),
        Word(text="|", left=92, top=146, width=19, height=52, conf=81, block=1, line=0),
        Word(text="|", left=296, top=148, width=12, height=46, conf=80, block=1, line=0),
        Word(text="-", left=400, top=168, width=16, height=4, conf=85, block=1, line=0),
    ]
    assert inkless_word_indices(words, lambda: grey) == {1}


def test_a_word_read_from_a_signature_stroke_is_dropped_printed_words_kept() -> None:
    grey = np.full((600, 900), 250, np.uint8)
    for n in range(4):  # four printed lines of letter-sized blocks, 40 px high
        for x in range(20, 860, 30):
            grey[40 + 60 * n:80 + 60 * n, x:x + 22] = 20
    # the motto's underline touching the letters above it: one shape, a line high, dense
    grey[78:81, 20:400] = 20
    # a signature: a thin curve three lines high below the text
    curve = np.array([[300, 330], [360, 480], [420, 360], [470, 500], [560, 340]], np.int32)
    cv2.polylines(grey, [curve], False, 30, thickness=2)
    words = [Word(text="lập", left=20, top=40, width=82, height=41, conf=70, block=1, line=0)]
    words += [Word(text="của", left=140 + 100 * n, top=100, width=82, height=40, conf=96, block=1,
                   line=1) for n in range(6)]
    words += [
        Word(text="V", left=340, top=420, width=45, height=62, conf=43, block=2, line=2),
        Word(text="Vi", left=430, top=400, width=50, height=70, conf=83, block=2, line=2),
        Word(text="ý", left=520, top=340, width=40, height=60, conf=91, block=2, line=2),
    ]
    assert stroke_word_indices(words, lambda: grey) == {7, 8}  # a sure reading is not judged
    loads: list[int] = []

    def load() -> np.ndarray:
        loads.append(1)
        return grey

    assert stroke_word_indices(words[1:7], load) == set()
    assert not loads  # no doubted word: the image is not even loaded


def test_a_word_read_from_a_signature_s_loops_and_underline_is_dropped() -> None:
    # A signature one line high: loops over a sloped underline. No one shape holds most of the
    # word's ink, none reaches far past its box, so only "all of it is thin strokes" tells.
    grey = np.full((400, 900), 250, np.uint8)
    for x in range(40, 840, 30):  # a printed line of letter-sized blocks, 40 px high
        grey[40:80, x:x + 22] = 20
    loops = np.array([[300, 200], [360, 250], [420, 200], [480, 250], [540, 200]], np.int32)
    cv2.polylines(grey, [loops], False, 30, thickness=2)
    cv2.line(grey, (280, 262), (700, 232), 30, thickness=2)  # the underline, rising 30 px
    grey[300:340, 300:322] = 20  # the signer's name below, touching nothing
    grey[300:340, 340:362] = 20
    words = [Word(text="của", left=40 + 90 * n, top=40, width=82, height=40, conf=96, block=1,
                  line=0) for n in range(8)]
    words += [
        Word(text="mm...", left=290, top=198, width=420, height=66, conf=34, block=2, line=1),
        Word(text="Ly", left=300, top=300, width=62, height=40, conf=60, block=3, line=2),
        Word(text="V____———", left=290, top=198, width=420, height=66, conf=95, block=2,
             line=1),
    ]
    # the loops and the underline go; the name, doubted but printed, stays; a sure reading is
    # not judged
    assert stroke_word_indices(words, lambda: grey) == {8}


def test_words_read_from_a_solid_band_are_dropped_letters_touching_a_rule_kept() -> None:
    # A photographed sheet's edge against the desk, straightened: a dark band, a line high and
    # most of the page wide, read as ">———u", "No", "be" at 0-44 %. Letters run together by a
    # dark scan or touching an underline, doubted as much, are kept.
    img = Image.new("L", (1200, 500), 250)  # the motto in bold 13 pt at 300 dpi
    ImageDraw.Draw(img).text((40, 130), "Độc lập - Tự do - Hạnh phúc",
                             font=ImageFont.truetype(str(BOLD), 54), fill=20)
    grey = np.asarray(img, dtype=np.uint8).copy()
    grey[30:76, 40:1160] = 25  # the band, 46 px high
    grey[28:34, 300:700] = 60  # its ragged shadow
    grey[189:193, 40:700] = 20  # the motto's underline, touching its marks below the letters
    grey[250:290, 40:160] = 25  # four letters run together by a dark scan: a short blob
    grey[350:353, 40:1100] = 20  # a thin rule across the page
    words = [
        Word(text=">———u", left=153, top=22, width=258, height=63, conf=2, block=1, line=0),
        Word(text="No", left=594, top=22, width=294, height=63, conf=8, block=1, line=0),
        Word(text="be", left=960, top=22, width=40, height=63, conf=19, block=1, line=0),
        Word(text="lập", left=200, top=141, width=110, height=52, conf=40, block=2, line=1),
        Word(text="Tự", left=360, top=141, width=70, height=52, conf=96, block=2, line=1),
        Word(text="hết", left=40, top=250, width=120, height=40, conf=30, block=3, line=2),
        Word(text="_", left=500, top=344, width=60, height=12, conf=40, block=4, line=3),
        Word(text="No", left=700, top=22, width=100, height=63, conf=70, block=1, line=0),
    ]
    # the band's doubted words go; a band word read at 70 % is left to the other checks
    assert stroke_word_indices(words, lambda: grey) == {0, 1, 2}


def test_a_space_a_repair_puts_inside_a_word_is_a_space_in_text_and_layer(tmp_path: Path) -> None:
    # A repair gives back a space Tesseract lost as WORD_SPACE, inside the one word's text: the
    # page's text and its searchable layer say a plain space, the word keeps its one box.
    def repair(words: Sequence[str]) -> list[str]:
        return [w + WORD_SPACE + "x" if w == "định" else w for w in words]

    page = render_page(["Quyết định số hóa", "Độc lập - Tự do - Hạnh phúc"])
    png = save_png(page, tmp_path / "p.png")
    result = ocr_file(png, kind="png", options=OcrOptions(text_repair=repair),
                      workdir=tmp_path / "w")
    text = result.pages[0].text
    assert "định x số" in text and WORD_SPACE not in text
    assert [w.text for w in result.pages[0].words].count("định") == 1
    (tmp_path / "out.pdf").write_bytes(result.pdf)
    with pdfplumber.open(tmp_path / "out.pdf") as pdf:
        layer = " ".join((pdf.pages[0].extract_text() or "").split())
    assert "định x số" in layer and WORD_SPACE not in layer


def _headings(lines: Sequence[str], texts: dict[int, str] | None = None) -> list[str]:
    words = [_w(t, 40, 90, n) for n, line in enumerate(lines) for t in line.split(" ")]
    fixed = numbered_headings(words, texts or {})
    return [" ".join(fixed.get(k, (texts or {}).get(k, w.text)) for k, w in enumerate(words)
                     if w.line == n) for n in range(len(lines))]


def test_a_heading_numeral_that_breaks_the_sequence_is_read_as_the_next_one() -> None:
    # "H." for the II that follows I.; "II." for the III that follows II. (an I lost)
    assert _headings(["I. KẾT QUẢ", "nội dung", "H. KHÓ KHĂN", "II. KIẾN NGHỊ"]) == [
        "I. KẾT QUẢ", "nội dung", "II. KHÓ KHĂN", "III. KIẾN NGHỊ"]
    assert _headings(["I. MỤC TIÊU", "II. NỘI DUNG", "II. TỔ CHỨC", "IV. KINH PHÍ"]) == [
        "I. MỤC TIÊU", "II. NỘI DUNG", "III. TỔ CHỨC", "IV. KINH PHÍ"]
    # the heading's numeral as the line repair left it
    assert _headings(["I. A B", "l. C D"], {3: "lI."}) == ["I. A B", "II. C D"]


def test_numerals_in_sequence_or_not_headings_are_left_as_read() -> None:
    # a new part starts again at I.; Arabic numbers, a line in lower case and an initial
    # that opens no sequence are no Roman headings
    assert _headings(["I. A", "II. B", "I. C", "II. D"]) == ["I. A", "II. B", "I. C", "II. D"]
    assert _headings(["1. A", "2. B", "2. C"]) == ["1. A", "2. B", "2. C"]
    assert _headings(["I. A", "II. có nội dung"]) == ["I. A", "II. có nội dung"]
    assert _headings(["H. NGUYỄN VĂN AN", "II. B"]) == ["H. NGUYỄN VĂN AN", "II. B"]
    # a numeral that is no reading of the next one starts the sequence from itself
    assert _headings(["I. A", "V. B", "VI. C"]) == ["I. A", "V. B", "VI. C"]


def test_a_raised_unit_digit_tesseract_cannot_write_is_read_from_the_image(
        tmp_path: Path) -> None:
    # Debian's `vie` has no "²" or "³": Tesseract writes "m", "m?", "mỶ" or a marked vowel.
    # A printed "m2", a unit without a raised digit and words opening with "m" stay as read.
    lines = ["Diện tích đất 305 m², đất ở 120,5 m²;", "Khối lượng đào 18 m³ và 7,5 m³.",
             "Cao 18 m, rộng 4 m và 12 m2 sân.", "Có 3 mẹ con và 2 mà thôi.",
             "Thửa đất 61m² và 2 km² rừng;"]
    png = save_png(render_page(lines, font_file=SANS), tmp_path / "p.png")
    out = TesseractEngine(psm=3).recognise(png, tmp_path / "p", dpi=300, timeout_s=60)
    text = " ".join(out.text.split())
    for part in ("305 m², đất ở 120,5 m²;", "18 m³ và 7,5 m³.", "Cao 18 m, rộng 4 m và 12 m2",
                 "3 mẹ con và 2 mà", "61m² và 2 km² rừng;"):
        assert part in text
    assert out.text_pdf is not None
    with pdfplumber.open(out.text_pdf) as pdf:
        layer = " ".join((pdf.pages[0].extract_text() or "").split())
    assert "305 m²," in layer and "18 m³" in layer


def test_the_space_tesseract_lost_between_a_number_and_its_unit_is_given_back() -> None:
    # A table cell's "18,5 m" read as one word "18,5m": the gap before the "m" is a word space.
    # Printed against the number ("61m²"), it stays.
    font = ImageFont.truetype(str(SANS), 54)
    img = Image.new("L", (900, 200), 255)
    draw = ImageDraw.Draw(img)
    words = []
    for n, (text, read) in enumerate((("18,5 m", "18,5m"), ("61m²", "61m?"))):
        x, y = 40 + 450 * n, 60
        draw.text((x, y), text, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        words.append(Word(text=read, left=left, top=top, width=right - left,
                          height=bottom - top, conf=90.0, block=1, line=n))
    grey = np.asarray(img, dtype=np.uint8)
    assert raised_units(words, {}, lambda: grey) == {0: f"18,5{WORD_SPACE}m", 1: "61m²"}


def _marked_line(texts: Sequence[tuple[str, str, bool]]) -> dict[int, str]:
    """Draw each (printed, read, box holds the mark) on its own line in DejaVu Sans; the word's
    box as Tesseract gives it: over the whole print, or over the letters only."""
    font = ImageFont.truetype(str(SANS), 50)
    img = Image.new("L", (700, 120 * len(texts) + 60), 255)
    draw = ImageDraw.Draw(img)
    words = []
    for n, (printed, read, holds) in enumerate(texts):
        x, y = 60, 40 + 120 * n
        draw.text((x, y), printed, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, y), printed if holds else read, font=font)
        words.append(Word(text=read, left=left, top=top, width=right - left,
                          height=bottom - top, conf=92.0, block=1, line=n))
    grey = np.asarray(img, dtype=np.uint8)
    return dropped_marks(words, {}, lambda: grey)


def test_a_mark_tesseract_left_off_a_lines_last_word_is_read_from_the_image() -> None:
    # the dot inside the word's box (under the "P"), or in the gap after it
    assert _marked_line([("VT, VP.", "VP.", True)]) == {}  # read: nothing to add
    assert _marked_line([("VP.", "VP", True), ("tư;", "tư", False), ("sau:", "sau", False),
                         ("hạn,", "hạn", False)]) == {0: "VP.", 1: "tư;", 2: "sau:", 3: "hạn,"}


def test_a_mark_left_off_before_a_wide_gap_in_a_line_is_read_too() -> None:
    # Tesseract made one line of "- Như trên;" and the signer's title far right of it
    font = ImageFont.truetype(str(SANS), 50)
    img = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(img)
    words = []
    for text, read, x in (("Như", "Như", 60), ("trên;", "trên", 200), ("PHÓ", "PHÓ", 900),
                          ("CHỦ", "CHỦ", 1060)):
        draw.text((x, 60), text, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, 60), read, font=font)
        words.append(Word(text=read, left=left, top=top, width=right - left,
                          height=bottom - top, conf=92.0, block=1, line=0))
    grey = np.asarray(img, dtype=np.uint8)
    assert dropped_marks(words, {}, lambda: grey) == {1: "trên;"}


def test_a_mark_tesseract_wrote_after_a_number_without_ink_is_taken_off() -> None:
    # "1993" read "1993." before the next field; a printed "1993." and "VP." keep theirs
    font = ImageFont.truetype(str(SANS), 50)
    img = Image.new("L", (1200, 420), 255)
    draw = ImageDraw.Draw(img)
    words = []
    for n, (printed, read, x_next) in enumerate((("1993", "1993.", 500), ("1993.", "1993.", 500),
                                                 ("17/12/1989", "17/12/1989.", 0),
                                                 ("ngày 5,", "5,", 0))):
        y = 40 + 90 * n
        draw.text((60, y), printed, font=font, fill=0)
        number = printed.split(" ")[-1]
        at = round(60 + draw.textlength(printed, font=font) - draw.textlength(number, font=font))
        left, top, right, bottom = draw.textbbox((at, y), number, font=font)
        words.append(Word(text=read, left=left, top=top, width=right - left + 10,
                          height=bottom - top, conf=78.0, block=1, line=n))
        if x_next:
            draw.text((x_next, y), "Số", font=font, fill=0)
            nl, nt, nr, nb = draw.textbbox((x_next, y), "Số", font=font)
            words.append(Word(text="Số", left=nl, top=nt, width=nr - nl, height=nb - nt,
                              conf=96.0, block=1, line=n))
    grey = np.asarray(img, dtype=np.uint8)
    assert phantom_marks(words, {}, lambda: grey) == {0: "1993", 4: "17/12/1989"}


def test_no_mark_is_made_of_letters_marks_or_specks() -> None:
    # a word's own marks (a dot below, a tone above) and a last letter are no punctuation
    assert _marked_line([("Hạ", "Hạ", True), ("lá", "lá", True), ("VP", "VP", True),
                         ("ngày", "ngày", True)]) == {}


def test_a_piece_against_the_last_letter_is_a_broken_letter_not_a_mark() -> None:
    # a photo breaks a serif's foot off its stem: a dot one pixel from the letter is that
    font = ImageFont.truetype(str(SANS), 50)
    img = Image.new("L", (500, 160), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 40), "Bệnh", font=font, fill=0)
    left, top, right, bottom = draw.textbbox((60, 40), "Bệnh", font=font)
    ink = np.asarray(img) < 128
    end = int(np.flatnonzero(ink.any(axis=0)).max())  # the "h"'s last stem
    base = int(np.flatnonzero(ink[:, end]).max())  # its foot
    words = [Word(text="Bệnh", left=left, top=top, width=end + 16 - left,
                  height=bottom - top, conf=92.0, block=1, line=0)]
    for gap, expected in ((2, {}), (9, {0: "Bệnh."})):
        piece = img.copy()
        ImageDraw.Draw(piece).rectangle((end + gap, base - 5, end + gap + 5, base), fill=0)
        grey = np.asarray(piece, dtype=np.uint8)
        assert dropped_marks(words, {}, lambda grey=grey: grey) == expected


def _drawn(texts: Sequence[tuple[str, str]], font_file: Path, size: int,
           boxed: Callable[[str], str] = lambda printed: printed) -> tuple[list[Word], Any]:
    """Draw each (printed, read) on its own line: the words as read, each boxed over
    `boxed(printed)` (the whole print by default), and the page."""
    font = ImageFont.truetype(str(font_file), size)
    img = Image.new("L", (1000, int(2.2 * size) * len(texts) + 60), 255)
    draw = ImageDraw.Draw(img)
    words = []
    for n, (printed, read) in enumerate(texts):
        x, y = 60, 30 + int(2.2 * size) * n
        draw.text((x, y), printed, font=font, fill=0)
        left, top, right, bottom = draw.textbbox((x, y), boxed(printed), font=font)
        words.append(Word(text=read, left=left, top=top, width=right - left,
                          height=bottom - top, conf=85.0, block=1, line=n))
    return words, np.asarray(img, dtype=np.uint8)


def _numbers(texts: Sequence[tuple[str, str]], font_file: Path, size: int) -> dict[int, str]:
    """`number_separators` on the words as read, each boxed over its whole print."""
    words, grey = _drawn(texts, font_file, size)
    return number_separators(words, {}, lambda: grey)


def test_a_list_items_number_takes_the_mark_its_ink_shows() -> None:
    # "5. Họ, chữ đệm …" read "5, Họ": the dot is in the number's box; serif and sans, two sizes
    for font_file, size in ((FONT, 40), (FONT, 56), (SANS, 40), (SANS, 56)):
        words, grey = _drawn([("5.", "5,"), ("12.", "12,"), ("3,", "3,"), ("5.", "5."),
                              ("7", "7")], font_file, size)
        assert item_number_marks(words, {}, lambda grey=grey: grey) == {
            0: "5.", 1: "12."}, (font_file, size)  # a comma printed stays


def test_a_comma_or_dot_tesseract_lost_inside_a_number_is_read_from_the_image() -> None:
    # "18,5 m" read "185m": a number ten times too large. Serif and sans, two sizes.
    for font_file, size in ((FONT, 42), (FONT, 60), (SANS, 36), (SANS, 54)):
        found = _numbers([("18,5m", "185m"), ("1.500.000", "1500000"), ("12,75", "1275"),
                          ("2.350,5", "23505"), ("18,5", "18,5")], font_file, size)
        assert found == {0: "18,5m", 1: "1.500.000", 2: "12,75", 3: "2.350,5"}, font_file


def test_no_separator_is_made_of_digits_specks_or_other_groupings() -> None:
    # no ink between the digits; dots that group a date, not thousands; a digit Tesseract
    # made up ("75,0" read "795,0": its shapes cannot be matched to the digits read); a
    # speck too small
    for font_file in (FONT, SANS):
        assert _numbers([("2026", "2026"), ("022200753097", "022200753097"),
                         ("21.11.2000", "21112000"), ("185 m", "185"), ("75,0", "795,0"),
                         ("89,3", "593.3")], font_file, 48) == {}
    font = ImageFont.truetype(str(FONT), 48)
    img = Image.new("L", (400, 160), 255)
    draw = ImageDraw.Draw(img)
    draw.text((40, 40), "1500", font=font, fill=0)
    left, top, right, bottom = draw.textbbox((40, 40), "1500", font=font)
    one = draw.textbbox((40, 40), "1", font=font)
    draw.rectangle((one[2] + 2, bottom - 2, one[2] + 3, bottom), fill=0)  # a 2-pixel speck
    words = [Word(text="1500", left=left, top=top, width=right - left, height=bottom - top,
                  conf=90.0, block=1, line=0)]
    grey = np.asarray(img, dtype=np.uint8)
    assert number_separators(words, {}, lambda: grey) == {}


def _numerals(texts: Sequence[tuple[str, str]], font_file: Path, size: int) -> dict[int, str]:
    """`counted_numerals` on headings drawn, each numeral word boxed over its numeral and
    dot."""
    words, grey = _drawn(texts, font_file, size, lambda printed: printed.split(" ")[0])
    return counted_numerals(words, {}, lambda: grey)


def test_a_heading_numeral_is_counted_in_the_ink() -> None:
    # Tesseract lost an I ("II." read "I.", "III." read "II.") or joined two ("H."); bold
    # serif and sans faces, two sizes
    bold_sans = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    bold_serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
    for font_file in (BOLD, SANS, bold_sans, bold_serif):
        for size in (40, 56):
            found = _numerals([("II. TỒN TẠI", "I."), ("III. NHIỆM VỤ", "II."),
                               ("II. KẾT QUẢ", "H."), ("I. KẾT QUẢ", "I."),
                               ("III. NHIỆM VỤ", "III.")], font_file, size)
            assert found == {0: "II.", 1: "III.", 2: "II."}, (font_file, size)


def test_numerals_with_other_letters_are_left_as_read() -> None:
    for font_file in (BOLD, SANS):
        assert _numerals([("IV. KIẾN NGHỊ", "IV."), ("V. TỔ CHỨC", "V."),
                          ("VI. HIỆU LỰC", "VI."), ("1. Họ tên", "I.")], font_file, 48) == {}


def _capitals(texts: Sequence[tuple[str, str]], font_file: Path, size: int) -> dict[int, str]:
    words, grey = _drawn(texts, font_file, size)
    return tees_read_as_i(words, {}, lambda: grey)


def test_a_t_read_as_an_i_in_capitals_is_read_from_the_ink() -> None:
    # "Lưu: VT, VP." read "VI,"; serif, sans and bold faces at two sizes
    for font_file in (FONT, SANS, BOLD):
        for size in (36, 54):
            found = _capitals([("VT,", "VI,"), ("ĐT.", "ĐI."), ("TỈNH", "IỈNH"),
                               ("VT", "VT"), ("VT,", "VỊ,"), ("III", "TII"), ("II,", "IT,"),
                               ("TI", "TI"), ("IT", "IT")], font_file, size)
            assert found == {0: "VT,", 1: "ĐT.", 2: "TỈNH", 4: "VT,", 5: "III", 6: "II,"}, (
                font_file, size)


def test_an_i_printed_in_capitals_stays_an_i() -> None:
    for font_file in (FONT, SANS, BOLD):
        assert _capitals([("VI,", "VI,"), ("III.", "III."), ("TIN", "TIN"),
                          ("KIỂM", "KIỂM"), ("Lưu", "LIu"), ("VỊ", "VỊ")], font_file, 48) == {}


def test_a_t_touching_the_letter_before_it_is_told_from_an_i() -> None:
    # "VT," set tight: the V's arm meets the T's bar, one shape for two letters, read "VI,"
    # or "VỊ,", or "VỀ," (marks no ink shows). A touching "VI", "ĐI", "HI", "VỀ" stays as
    # read. Four faces at two sizes.
    serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    pairs = (("V", "T,", "VI,"), ("V", "T,", "VỊ,"), ("V", "I,", "VI,"), ("V", "I", "VI"),
             ("Đ", "I.", "ĐI."), ("H", "I,", "HI,"), ("V", "T,", "VỀ,"), ("V", "Ề,", "VỀ,"))
    for font_file in (FONT, SANS, BOLD, serif):
        for size in (36, 54):
            font = ImageFont.truetype(str(font_file), size)
            img = Image.new("L", (600, int(2.2 * size) * len(pairs) + 60), 255)
            draw = ImageDraw.Draw(img)
            words = []
            for n, (first, rest, read) in enumerate(pairs):
                x, y = 60, 30 + int(2.2 * size) * n
                draw.text((x, y), first, font=font, fill=0)
                x2 = round(x + draw.textlength(first, font=font) - 0.12 * size)  # touching
                draw.text((x2, y), rest, font=font, fill=0)
                left, top, _, bottom = draw.textbbox((x, y), first, font=font)
                _, top2, right, bottom2 = draw.textbbox((x2, y), rest, font=font)
                words.append(Word(text=read, left=left, top=min(top, top2), width=right - left,
                                  height=max(bottom, bottom2) - min(top, top2), conf=85.0,
                                  block=1, line=n))
            grey = np.asarray(img, dtype=np.uint8)
            found = tees_read_as_i(words, {}, lambda grey=grey: grey)
            assert found == {0: "VT,", 1: "VT,", 6: "VT,"}, (font_file, size)


def test_a_v_read_as_a_w_is_read_from_its_foot() -> None:
    # "V/v" (về việc) read "V/w"; a printed "w" stays. Four faces at two sizes.
    serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    for font_file in (FONT, SANS, BOLD, serif):
        for size in (36, 54):
            words, grey = _drawn([("V/v", "V/w"), ("V/w", "V/w"), ("Dv,", "Dw,"),
                                  ("www", "www"), ("tv", "tv")], font_file, size)
            assert vees_read_as_w(words, {}, lambda grey=grey: grey) == {
                0: "V/v", 2: "Dv,"}, (font_file, size)


def test_a_curly_apostrophe_is_told_from_a_straight_one_in_the_ink() -> None:
    # Tesseract writes "M’Drắk" as "M'Drắk"; serif, sans and bold faces at two sizes
    serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    texts = ["M’Drắk", "M'Drắk", "H’leo", "H'leo", "Đăk R’Lấp"]
    for font_file in (FONT, SANS, BOLD, serif):
        for size in (36, 54):
            font = ImageFont.truetype(str(font_file), size)
            img = Image.new("L", (900, int(2.2 * size) * len(texts) + 60), 255)
            draw = ImageDraw.Draw(img)
            words = []
            for n, text in enumerate(texts):
                x, y = 60, 30 + int(2.2 * size) * n
                draw.text((x, y), text, font=font, fill=0)
                word = text.split(" ")[-1]
                at = draw.textbbox((x, y), text, font=font)[2] - draw.textlength(word, font=font)
                left, top, right, bottom = draw.textbbox((at, y), word, font=font)
                words.append(Word(text=word.replace("’", "'"), left=int(left), top=top,
                                  width=int(right - left), height=bottom - top, conf=90.0,
                                  block=1, line=n))
            grey = np.asarray(img, dtype=np.uint8)
            found = curly_apostrophes(words, {}, lambda grey=grey: grey)
            assert found == {0: "M’Drắk", 2: "H’leo", 4: "R’Lấp"}, (font_file, size)
