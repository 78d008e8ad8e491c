"""Value types shared by the ocr package and its callers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Page sources.
SOURCE_OCR = "ocr"
SOURCE_TEXT_LAYER = "text-layer"
SOURCE_FAILED = "failed"

# Page flags.
FLAG_TIMEOUT = "timeout"
FLAG_ENGINE_ERROR = "engine-error"
FLAG_LOW_CONFIDENCE = "low-confidence"
FLAG_LOW_QUALITY = "low-quality"
FLAG_NOT_VIETNAMESE = "not-vietnamese"
FLAG_EMPTY = "empty"
FLAG_SEAL_REMOVED = "seal-removed"
FLAG_DENOISED = "denoised"
FLAG_UPSCALED = "upscaled"  # a low-resolution scan, OCR'd on an upscaled image
FLAG_BORDER_CLEANED = "border-cleaned"
FLAG_RULES_REMOVED = "rules-removed"
FLAG_TABLE_GRID_REMOVED = "table-grid-removed"


# The words of one recognised line in, the same number of words out (see OcrOptions.text_repair).
LineRepair = Callable[[Sequence[str]], Sequence[str]]
# The space a repair puts inside one word's text where Tesseract ran two words together
# ("Sáng02/10/2025"): the line's text keeps one token per word for the steps that pair tokens
# with words (`ocr.reread`, `ocr.recover`); the page's text and its searchable layer get a
# plain space.
WORD_SPACE = "\u2009"


@dataclass(frozen=True)
class Word:
    """One recognised word; box in pixels of the (deskewed) output page image."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int
    line: int  # line number within the page, 0-based, in reading order


@dataclass(frozen=True)
class PageOcr:
    index: int  # 0-based page index in the input
    text: str  # NFC, lines joined with "\n" in reading order
    words: tuple[Word, ...]
    confidence: float  # mean word confidence 0..100 (100 for a kept text layer)
    width: int
    height: int
    dpi: int
    source: str  # "ocr" | "text-layer" | "failed"
    rotation: int = 0  # degrees (clockwise) applied to upright the page: 0/90/180/270
    skew_angle: float = 0.0  # degrees corrected
    flags: tuple[str, ...] = ()
    quality: float = 1.0  # share of tokens that are valid Vietnamese syllables (0..1)
    reading: str = "fast"  # which candidate of the cascade was kept ("fast", "plain", "flat"…)


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "vie+Vietnamese"
    tessdata_dir: Path | None = None
    dpi: int = 300  # rasterisation dpi for PDF pages, and target dpi of low-resolution scans
    jobs: int = 2
    page_timeout_s: float = 180.0
    min_confidence: float = 60.0
    min_quality: float = 0.6
    # Page segmentation: Tesseract's default (3). psm 11 ("sparse text") read the synthetic
    # pages' two-column header well but dropped tone marks over circumflexes on real scans
    # ("tô chức" for "tổ chức"); psm 3 keeps whole lines as plain Tesseract does.
    psm: int = 3
    # Preprocessing switches (each kept on by default only where measurement showed it helps).
    detect_orientation: bool = True
    deskew: bool = True
    max_skew_deg: float = 10.0
    # Below this the page is left as scanned: Tesseract's line finding copes with a fraction of
    # a degree, and rotating resamples every pixel (a real 200-dpi scan skewed 0.08°: 4.1 %
    # CER as it is, 5.0 % levelled).
    min_deskew_deg: float = 0.3
    remove_seal: bool = True
    clean_border: bool = True
    remove_rules: bool = False  # no gain with psm 11 (0.48 % both); kept as a switch
    # Erase the rules of table grids (long crossing horizontal and vertical runs) before the
    # fast read: a cell's rule was read as "|" and the row number beside it lost.
    remove_table_grid: bool = True
    denoise_speckle: bool = True
    # Resolution Tesseract reads a page at when its letters cannot be measured (few letters);
    # otherwise the letter height decides (below). Word boxes are mapped back to the output
    # page image.
    normalise_dpi: bool = True
    ocr_dpi: int = 300
    # Candidate cascade (issue 8): a page whose fast read is not clean is read again in sparse-
    # text segmentation, as plain Tesseract would, and with the light divided out at a measured
    # text height; the read with the best syllable score wins. When no preprocessed read
    # reaches `rotate_below_quality` valid words, all four turns are tried.
    cascade: bool = True
    fast_min_quality: float = 0.9
    fast_min_confidence: float = 75.0
    rotate_below_quality: float = 0.9
    flatten_light: bool = True  # divide out uneven light (estimated background) first
    # A curled or bent page (a hand-held photo) whose lines stay curved after the deskew is
    # also read straightened (`ocr.dewarp`); a flat page never is.
    dewarp: bool = True
    # Rows of letters no recognised word covers (a line Tesseract's layout took for part of a
    # picture: beside a signature, inside a stamp's frame) are read on their own and kept when
    # they read as text (`ocr.recover`).
    recover_lines: bool = True
    # Lines holding words in capitals read again on their own, where Tesseract reads their
    # marks better than within the page (`ocr.reread`).
    reread_capitals: bool = True
    # Tone marks of each recognised line restored by the caller's lexicon (the application
    # passes `pipeline.ocrtext.repair_line`): the page text and its searchable layer carry the
    # repair, the word boxes keep what Tesseract read. None: the text as read.
    text_repair: LineRepair | None = None
    # Pages whose median letter (connected components) is outside [min_text_px, max_text_px]
    # are scaled so it is target_text_px tall, whatever DPI the file claims (a 70-dpi photo, a
    # 600-dpi scan); the others keep their own pixels (resampling cost tone marks on real
    # scans). 30 px is what 300 dpi gives the 13-14 pt body text of samples/.
    scale_by_text_height: bool = True
    target_text_px: float = 30.0
    min_text_px: float = 14.0
    max_text_px: float = 48.0
    # Output page image.
    jpeg_quality: int = 75
    keep_colour: bool = True  # keep colour (seals, signatures) in the output page image
    # Text-layer detection for PDF pages.
    min_text_layer_chars: int = 20


@dataclass(frozen=True)
class OcrResult:
    pages: tuple[PageOcr, ...]
    pdf: bytes
    engine: dict[str, str] = field(default_factory=dict)
    min_confidence: float = 60.0
    min_quality: float = 0.6

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def needs_review(self) -> list[str]:
        """Human-readable reasons why a clerk should look at this document ([] when fine)."""
        reasons: list[str] = []
        for p in self.pages:
            reasons.extend(page_review_reasons(p, self.min_confidence, self.min_quality))
        return reasons


def page_review_reasons(page: PageOcr, min_confidence: float, min_quality: float) -> list[str]:
    n = page.index + 1
    if FLAG_TIMEOUT in page.flags:
        return [f"page {n}: OCR timed out, the page has no text"]
    if page.source == SOURCE_FAILED:
        return [f"page {n}: OCR failed, the page has no text"]
    reasons: list[str] = []
    if FLAG_LOW_CONFIDENCE in page.flags:
        reasons.append(f"page {n}: confidence {page.confidence:.0f} < {min_confidence:.0f}")
    if FLAG_LOW_QUALITY in page.flags or FLAG_NOT_VIETNAMESE in page.flags:
        reasons.append(
            f"page {n}: only {page.quality:.0%} of words are valid Vietnamese (< {min_quality:.0%})"
        )
    return reasons
