"""Existing PDF text layers: is a page born-digital (keep it) or a scan (OCR it)?"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr.pdfium_guard import PDFIUM
from ocr.quality import text_quality
from ocr.tesseract import nfc
from ocr.types import SOURCE_TEXT_LAYER, PageOcr, Word

_INVISIBLE = 3  # PDF text render mode 3: neither fill nor stroke (scanner OCR layers)


@dataclass(frozen=True)
class TextLayerInfo:
    text: str
    chars: int  # non-space characters
    invisible_share: float  # share of text objects drawn invisibly
    garbage_share: float  # share of characters that are replacement / private-use / control


def inspect_page(page: pdfium.PdfPage) -> TextLayerInfo:
    with PDFIUM:
        textpage = page.get_textpage()
        try:
            text = nfc(textpage.get_text_range().replace("\r\n", "\n"))
        finally:
            textpage.close()
        visible = invisible = 0
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
            if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == _INVISIBLE:
                invisible += 1
            else:
                visible += 1
    chars = [c for c in text if not c.isspace()]
    garbage = sum(
        1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cn")
    )
    return TextLayerInfo(
        text=text,
        chars=len(chars),
        invisible_share=invisible / (visible + invisible) if visible + invisible else 0.0,
        garbage_share=garbage / len(chars) if chars else 0.0,
    )


def is_usable(info: TextLayerInfo, *, min_chars: int, min_quality: float) -> bool:
    """A text layer worth keeping: enough real text that reads as Vietnamese.

    Legacy-encoded fonts (TCVN3/VNI without ToUnicode) extract as Latin-1 garbage and fail the
    syllable check; an invisible layer from a scanner's OCR is kept only when it carries
    Vietnamese diacritics (most scanner engines drop them).
    """
    if info.chars < min_chars or info.garbage_share > 0.05:
        return False
    quality = text_quality(info.text)
    if quality.tokens >= 5 and quality.score < min_quality:
        return False
    return not (info.invisible_share > 0.5 and quality.marked_share < 0.2)


def text_layer_page(plumber: pdfplumber.PDF, index: int, *, dpi: int, text: str) -> PageOcr:
    """PageOcr of a kept born-digital page; boxes in pixels at `dpi` (top-left origin)."""
    page = plumber.pages[index]
    scale = dpi / 72.0
    try:
        raw_words = page.extract_words(keep_blank_chars=False, use_text_flow=True)
        words: list[Word] = []
        line = -1
        last_top: float | None = None
        for w in raw_words:
            if last_top is None or abs(float(w["top"]) - last_top) > 2.0:
                line += 1
                last_top = float(w["top"])
            words.append(
                Word(
                    text=nfc(str(w["text"])),
                    left=round(float(w["x0"]) * scale),
                    top=round(float(w["top"]) * scale),
                    width=round((float(w["x1"]) - float(w["x0"])) * scale),
                    height=round((float(w["bottom"]) - float(w["top"])) * scale),
                    conf=100.0,
                    block=0,
                    line=line,
                )
            )
        width, height = round(float(page.width) * scale), round(float(page.height) * scale)
    finally:
        page.close()
    lines = [ln.strip() for ln in text.splitlines()]
    return PageOcr(
        index=index,
        text="\n".join(ln for ln in lines if ln),
        words=tuple(words),
        confidence=100.0,
        width=width,
        height=height,
        dpi=dpi,
        source=SOURCE_TEXT_LAYER,
        quality=text_quality(text).score,
    )
