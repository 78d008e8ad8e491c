"""Searchable PDF output: page image under Tesseract's invisible text layer, then one file.

As OCRmyPDF does it: Tesseract renders a text-only PDF page (`textonly_pdf=1`) for the very
image it read, so the text layer is aligned with the deskewed image we place under it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import pikepdf

from ocr.preprocess import Image

CHUNK_PAGES = 100  # pages per intermediate file: bounds open files and memory
# A text-layer line's font size is held to this multiple of the page's median (see
# `_even_line_sizes`).
MAX_LINE_SIZE = 1.3


def encode_jpeg(image: Image, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def _image_stream(
    pdf: pikepdf.Pdf, jpeg: bytes, width: int, height: int, colour: bool
) -> pikepdf.Stream:
    return pikepdf.Stream(
        pdf,
        jpeg,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        ColorSpace=pikepdf.Name.DeviceRGB if colour else pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )


def write_page_pdf(
    out: Path,
    *,
    jpeg: bytes,
    width_px: int,
    height_px: int,
    dpi: int,
    colour: bool,
    text_pdf: Path | None,
) -> None:
    """One-page PDF: the JPEG page image, with the text-only page on top when there is one."""
    w_pt, h_pt = width_px * 72.0 / dpi, height_px * 72.0 / dpi
    if text_pdf is not None:
        pdf = pikepdf.open(text_pdf)
        page = pdf.pages[0]
        _even_line_sizes(pdf, page)
        _words_within_gaps(pdf, page)
        _fit_text_page(pdf, page, w_pt, h_pt)
    else:
        pdf = pikepdf.new()
        pdf.add_blank_page(page_size=(w_pt, h_pt))
        page = pdf.pages[0]
    with pdf:
        box = [float(v) for v in page.mediabox]
        w_pt, h_pt = box[2] - box[0], box[3] - box[1]
        name = page.add_resource(
            _image_stream(pdf, jpeg, width_px, height_px, colour),
            pikepdf.Name.XObject,
            prefix="Im",
        )
        draw = f"q {w_pt:.4f} 0 0 {h_pt:.4f} {box[0]:.4f} {box[1]:.4f} cm {name} Do Q\n"
        page.contents_add(pikepdf.Stream(pdf, draw.encode("ascii")), prepend=True)
        pdf.save(out)


def _even_line_sizes(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Hold every text line's font size to `MAX_LINE_SIZE` x the page's median, keeping its
    words' positions and widths (the horizontal scale grows as the size shrinks).

    Tesseract sizes a line's invisible text by the line's box. A line it ran across two columns
    of different heights (a header's small agency line beside the big national motto) gets a
    size twice its neighbours', and its glyph boxes reach up to the line above. A reader that
    groups characters into lines by their top (pdfplumber, search tools) then takes both lines
    for one and interleaves their characters: "TSỞT TKẾÍ NHH" for two header lines. A size no
    taller than the page's usual lines keeps each line's top just above its own baseline."""
    parsed = pikepdf.parse_content_stream(page)
    ops = [op for op in parsed if isinstance(op, pikepdf.ContentStreamInstruction)]
    sizes = [float(op.operands[1]) for op in ops
             if str(op.operator) == "Tf" and len(op.operands) == 2]
    if not sizes or len(ops) != len(parsed):
        return  # not a text-only page as Tesseract writes it: left as it is
    cap = MAX_LINE_SIZE * statistics.median(sizes)
    changed, ratio = False, 1.0
    edited: list[pikepdf.ContentStreamInstruction] = []
    for op in ops:
        args: list[Any] = list(op.operands)
        name = str(op.operator)
        if name == "Tf" and len(args) == 2:
            ratio = 1.0
            if float(args[1]) > cap:
                ratio, args[1], changed = float(args[1]) / cap, round(cap, 3), True
        elif name == "Tz" and ratio != 1.0 and len(args) == 1:
            args[0] = round(float(args[0]) * ratio, 3)
        edited.append(pikepdf.ContentStreamInstruction(args, op.operator))
    if changed:
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(edited))


def glyph_width(page: pikepdf.Page) -> float:
    """Advance of one glyph of Tesseract's glyph-less font, in text space units per point of
    font size (its default width /DW is 500 of 1000)."""
    try:
        fonts = page.Resources.Font
        font = next(iter(fonts.values()))
        return float(font.DescendantFonts[0].get("/DW", 1000)) / 1000
    except (AttributeError, KeyError, IndexError, StopIteration, TypeError, ValueError):
        return 0.5


def _words_within_gaps(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """Narrow a word's invisible glyphs so they end where the next word of its line starts.

    Tesseract stretches each word's glyphs (`Tz`) over the word's box, and a box it ran across
    its neighbours (a bold title word whose box covered the whole line, 522 px for 125) lays
    the word's glyphs over the next words' glyphs. A reader that orders characters by position
    (pdfplumber, search tools) then interleaves them: "TRƯỞCÔNNGG A N" for "TRƯỞNG CÔNG AN".
    The record's text is not affected; this keeps the searchable layer saying the same."""
    parsed = pikepdf.parse_content_stream(page)
    ops = [op for op in parsed if isinstance(op, pikepdf.ContentStreamInstruction)]
    if len(ops) != len(parsed):
        return  # not a text-only page as Tesseract writes it: left as it is
    glyph = glyph_width(page)
    edited: list[list[Any]] = [list(op.operands) for op in ops]
    size, tz_at = 0.0, -1
    # The last word drawn on the current line: its `Tz`, glyphs and size, and how far the
    # text position has moved since it (blank words in between, dropped noise, draw nothing).
    word: tuple[int, int, float] | None = None
    moved = 0.0
    changed = False
    for k, op in enumerate(ops):
        name = str(op.operator)
        if name == "Tf" and len(op.operands) == 2:
            size = float(op.operands[1])
        elif name == "Tz" and len(op.operands) == 1:
            tz_at = k
        elif name == "Td" and len(op.operands) == 2 and float(op.operands[1]) == 0:
            moved += float(op.operands[0])
        elif name == "TJ" and _glyph_count(op):
            if word is not None and moved > 0:
                at, chars, at_size = word
                tz = float(edited[at][0])
                advance = chars * glyph * at_size * tz / 100
                if advance > moved * 1.02:
                    edited[at][0] = round(tz * moved / advance, 3)
                    changed = True
            word = (tz_at, _glyph_count(op), size) if tz_at >= 0 else None
            moved = 0.0
        elif name in ("Td", "Tm", "T*", "BT", "ET"):
            word, moved = None, 0.0  # a new line: the last word of a line keeps its stretch
    if changed:
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(
            [pikepdf.ContentStreamInstruction(args, op.operator)
             for args, op in zip(edited, ops, strict=True)]))


def _glyph_count(tj: pikepdf.ContentStreamInstruction) -> int:
    """Glyphs a `[ <hex> ] TJ` of Tesseract's text-only page draws (two bytes each)."""
    return sum(len(bytes(part)) // 2 for operand in tj.operands for part in operand
               if isinstance(part, pikepdf.String))


def _fit_text_page(pdf: pikepdf.Pdf, page: pikepdf.Page, w_pt: float, h_pt: float) -> None:
    """Scale Tesseract's text-only page onto the output page size. Tesseract sizes its page
    from the resolution it was told, which describes the letters it read (a 70-dpi photo
    enlarged to body-text letters is read "at 300 dpi"), not the page image the clerk sees."""
    box = [float(v) for v in page.mediabox]
    tw, th = box[2] - box[0], box[3] - box[1]
    if tw <= 0 or th <= 0 or (abs(tw - w_pt) < 0.5 and abs(th - h_pt) < 0.5):
        return
    sx, sy = w_pt / tw, h_pt / th
    fit = f"q {sx:.6f} 0 0 {sy:.6f} {-box[0] * sx:.4f} {-box[1] * sy:.4f} cm\n"
    page.contents_add(pikepdf.Stream(pdf, fit.encode("ascii")), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n"))
    page.mediabox = pikepdf.Array([0, 0, w_pt, h_pt])
    if "/CropBox" in page.obj:
        del page.obj["/CropBox"]


@dataclass(frozen=True)
class PagePart:
    """Where an output page comes from: a one-page PDF we wrote, or a page of the input."""

    page_pdf: Path | None = None
    source_index: int | None = None


def _append_chunk(parts: Sequence[PagePart], source: pikepdf.Pdf | None, out: Path) -> None:
    with pikepdf.new() as chunk:
        opened: list[pikepdf.Pdf] = []
        try:
            for part in parts:
                if part.page_pdf is not None:
                    one = pikepdf.open(part.page_pdf)
                    opened.append(one)
                    chunk.pages.append(one.pages[0])
                elif source is not None and part.source_index is not None:
                    chunk.pages.append(source.pages[part.source_index])
            chunk.save(out)
        finally:
            for one in opened:
                one.close()


def assemble(
    parts: Iterable[PagePart], out: Path, *, source_pdf: Path | None, workdir: Path
) -> None:
    """Concatenate page parts in order into `out`, CHUNK_PAGES at a time."""
    parts = list(parts)
    source = pikepdf.open(source_pdf) if source_pdf is not None else None
    try:
        chunks: list[Path] = []
        for start in range(0, len(parts), CHUNK_PAGES):
            chunk_path = workdir / f"chunk-{start // CHUNK_PAGES:05d}.pdf"
            _append_chunk(parts[start : start + CHUNK_PAGES], source, chunk_path)
            chunks.append(chunk_path)
    finally:
        if source is not None:
            source.close()
    if len(chunks) == 1:
        chunks[0].replace(out)
        return
    with pikepdf.new() as whole:
        opened = [pikepdf.open(c) for c in chunks]
        try:
            for one in opened:
                whole.pages.extend(one.pages)
            whole.save(out)
        finally:
            for one in opened:
                one.close()
