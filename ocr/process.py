"""One page, start to finish: preprocess, OCR, judge, write its one-page searchable PDF."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ocr import preprocess as pp
from ocr.compose import encode_jpeg, write_page_pdf
from ocr.engine import EngineFailure, EngineOutput, EngineTimeout, OcrEngine
from ocr.pages import RasterPage
from ocr.quality import text_quality
from ocr.types import (
    FLAG_BORDER_CLEANED,
    FLAG_DENOISED,
    FLAG_EMPTY,
    FLAG_ENGINE_ERROR,
    FLAG_LOW_CONFIDENCE,
    FLAG_LOW_QUALITY,
    FLAG_NOT_VIETNAMESE,
    FLAG_RULES_REMOVED,
    FLAG_SEAL_REMOVED,
    FLAG_TIMEOUT,
    FLAG_UPSCALED,
    SOURCE_FAILED,
    SOURCE_OCR,
    OcrOptions,
    PageOcr,
    Word,
)

OSD_DPI = 150  # orientation detection needs far fewer pixels than recognition
OSD_MIN_CONFIDENCE = 2.0
UPRIGHT_RATIO = 1.6  # above: upright; below its inverse: upside down; between: ask OSD


@dataclass(frozen=True)
class PreparedPage:
    display: pp.Image  # what the clerk sees in the output PDF (colour kept, seal kept)
    ocr: pp.Image  # grey image Tesseract reads: `display` geometry, at `ocr_dpi`
    dpi: int  # of `display`
    ocr_dpi: int
    rotation: int
    skew: float
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PageOutcome:
    page: PageOcr
    page_pdf: Path


def _write_png(image: pp.Image, path: Path) -> Path:
    cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return path


def osd_rotation(
    grey: pp.Image, dpi: int, engine: OcrEngine, scratch: Path, timeout_s: float
) -> int:
    """Tesseract's orientation detection (clockwise degrees to upright), 0 when unsure."""
    scale = min(1.0, OSD_DPI / dpi)
    small = grey
    if scale < 1:
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    try:
        rotate, conf = engine.orientation(_write_png(small, scratch), timeout_s=timeout_s)
    except (EngineTimeout, EngineFailure):
        return 0
    finally:
        scratch.unlink(missing_ok=True)
    return rotate % 360 if conf >= OSD_MIN_CONFIDENCE else 0


@dataclass
class _Work:
    """The page while it is being prepared: display and OCR images move together."""

    image: pp.Image
    grey: pp.Image
    rotation: int = 0

    def turn(self, clockwise: int) -> None:
        if clockwise % 360:
            self.image = pp.rotate_quarter(self.image, clockwise)
            self.grey = pp.rotate_quarter(self.grey, clockwise)
            self.rotation = (self.rotation + clockwise) % 360

    def level(self, angle: float) -> None:
        if abs(angle) >= 0.05:
            self.image, self.grey = pp.rotate_by(self.image, angle), pp.rotate_by(self.grey, angle)


def _orient_and_deskew(
    work: _Work, dpi: int, options: OcrOptions, engine: OcrEngine, scratch: Path
) -> float:
    """Quarter turns from the line direction and the Vietnamese above/below ink ratio (cheap);
    Tesseract OSD only when that ratio is ambiguous. Returns the skew corrected."""
    if not options.detect_orientation:
        skew = pp.estimate_skew(work.grey, max_deg=options.max_skew_deg) if options.deskew else 0.0
        work.level(skew)
        return skew
    vertical, skew = pp.estimate_layout(work.grey, max_deg=options.max_skew_deg)
    if vertical:
        work.turn(90)
        skew = pp.estimate_skew(work.grey, max_deg=options.max_skew_deg)
    if not options.deskew:
        skew = 0.0
    work.level(skew)
    ratio = pp.upright_ratio(work.grey)
    if ratio <= 1 / UPRIGHT_RATIO:
        work.turn(180)
    elif ratio < UPRIGHT_RATIO:
        timeout = min(30.0, options.page_timeout_s)
        if osd_rotation(work.grey, dpi, engine, scratch, timeout) == 180:
            work.turn(180)
    return skew


def prepare(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, scratch: Path
) -> PreparedPage:
    image, dpi, flags = raster.image, raster.dpi, []
    grey, seal = pp.suppress_red(image) if options.remove_seal else (pp.to_grey(image), False)
    if seal:
        flags.append(FLAG_SEAL_REMOVED)
    work = _Work(image=image, grey=grey)
    skew = _orient_and_deskew(work, dpi, options, engine, scratch)
    grey = work.grey
    if options.clean_border:
        grey, cleaned = pp.clean_border(grey)
        if cleaned:
            flags.append(FLAG_BORDER_CLEANED)
    if options.remove_rules:
        grey, ruled = pp.remove_rules(grey, dpi)
        if ruled:
            flags.append(FLAG_RULES_REMOVED)
    if options.denoise_speckle:
        grey, denoised = pp.denoise_speckle(grey, dpi)
        if denoised:
            flags.append(FLAG_DENOISED)
    ocr_dpi = dpi
    if options.normalise_dpi and dpi != options.ocr_dpi:
        grey, ocr_dpi = pp.resample(grey, dpi, options.ocr_dpi), options.ocr_dpi
        if ocr_dpi > dpi:
            flags.append(FLAG_UPSCALED)
    image = work.image
    display = image if options.keep_colour and pp.is_colour(image) else pp.to_grey(image)
    return PreparedPage(
        display=display,
        ocr=grey,
        dpi=dpi,
        ocr_dpi=ocr_dpi,
        rotation=work.rotation,
        skew=skew,
        flags=tuple(flags),
    )


def judge(page: PageOcr, options: OcrOptions) -> PageOcr:
    """Quality gate: flag pages whose text should not be trusted without a clerk's look."""
    flags = list(page.flags)
    quality = text_quality(page.text)
    if not page.words:
        flags.append(FLAG_EMPTY)
    else:
        if page.confidence < options.min_confidence:
            flags.append(FLAG_LOW_CONFIDENCE)
        if quality.tokens >= 5 and quality.score < options.min_quality:
            flags.append(FLAG_LOW_QUALITY)
        if quality.tokens >= 20 and quality.marked_share < 0.1:
            flags.append(FLAG_NOT_VIETNAMESE)
    return replace(page, quality=round(quality.score, 4), flags=tuple(flags))


def _recognise(
    prepared: PreparedPage, engine: OcrEngine, base: Path, timeout_s: float
) -> tuple[EngineOutput | None, str | None]:
    png = _write_png(prepared.ocr, base.with_suffix(".png"))
    try:
        return engine.recognise(png, base, dpi=prepared.ocr_dpi, timeout_s=timeout_s), None
    except EngineTimeout:
        return None, FLAG_TIMEOUT
    except EngineFailure:
        return None, FLAG_ENGINE_ERROR
    finally:
        png.unlink(missing_ok=True)


def _retry_upside_down(
    prepared: PreparedPage, output: EngineOutput | None, options: OcrOptions,
    engine: OcrEngine, base: Path,
) -> tuple[PreparedPage, EngineOutput | None]:
    """A page with few lines (a second page holding only the signer block) gives the cheap
    orientation check and OSD little to go on, and comes out upside down as garbage. When the
    text is not Vietnamese, read the page turned 180° too and keep the better reading."""
    if output is None or not options.detect_orientation:
        return prepared, output
    first = text_quality(output.text)
    if first.tokens < 3 or first.score >= options.min_quality:
        return prepared, output
    turned = replace(prepared, display=pp.rotate_quarter(prepared.display, 180),
                     ocr=pp.rotate_quarter(prepared.ocr, 180),
                     rotation=(prepared.rotation + 180) % 360)
    again, _ = _recognise(turned, engine, base.with_name(base.name + "-r180"),
                          options.page_timeout_s)
    if again is not None and text_quality(again.text).score > first.score:
        return turned, again
    return prepared, output


def _to_display(words: tuple[Word, ...], factor: float) -> tuple[Word, ...]:
    """Word boxes from OCR-image pixels to output-page-image pixels."""
    if factor == 1.0:
        return words
    return tuple(
        replace(
            w,
            left=round(w.left * factor),
            top=round(w.top * factor),
            width=round(w.width * factor),
            height=round(w.height * factor),
        )
        for w in words
    )


def process_page(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, workdir: Path
) -> PageOutcome:
    base = workdir / f"page-{raster.index:06d}"
    prepared = prepare(raster, options, engine, base.with_name(base.name + "-osd.png"))
    output, failure = _recognise(prepared, engine, base, options.page_timeout_s)
    prepared, output = _retry_upside_down(prepared, output, options, engine, base)
    h, w = prepared.display.shape[:2]
    page_pdf = base.with_name(base.name + "-page.pdf")
    write_page_pdf(
        page_pdf,
        jpeg=encode_jpeg(prepared.display, options.jpeg_quality),
        width_px=w,
        height_px=h,
        dpi=prepared.dpi,
        colour=prepared.display.ndim == 3,
        text_pdf=output.text_pdf if output else None,
    )
    words = _to_display(output.words, prepared.dpi / prepared.ocr_dpi) if output else ()
    page = PageOcr(
        index=raster.index,
        text=output.text if output else "",
        words=words,
        confidence=round(float(np.mean([x.conf for x in words])), 2) if words else 0.0,
        width=w,
        height=h,
        dpi=prepared.dpi,
        source=SOURCE_OCR if output else SOURCE_FAILED,
        rotation=prepared.rotation,
        skew_angle=prepared.skew,
        flags=prepared.flags + ((failure,) if failure else ()),
    )
    turned = base.with_name(base.name + "-r180")
    for leftover in (base.with_suffix(".tsv"), base.with_suffix(".pdf"),
                     turned.with_suffix(".tsv"), turned.with_suffix(".pdf")):
        leftover.unlink(missing_ok=True)
    return PageOutcome(page=judge(page, options) if output else page, page_pdf=page_pdf)
