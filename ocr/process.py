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
    FLAG_SEAL_REMOVED,
    FLAG_TIMEOUT,
    FLAG_UPSCALED,
    SOURCE_FAILED,
    SOURCE_OCR,
    OcrOptions,
    PageOcr,
)

OSD_DPI = 150  # orientation detection needs far fewer pixels than recognition
OSD_MIN_CONFIDENCE = 2.0


@dataclass(frozen=True)
class PreparedPage:
    display: pp.Image  # what the clerk sees in the output PDF (colour kept, seal kept)
    ocr: pp.Image  # grey image Tesseract reads; same geometry as `display`
    dpi: int
    rotation: int
    skew: float
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PageOutcome:
    page: PageOcr
    page_pdf: Path


def _write_png(image: pp.Image, path: Path, dpi: int) -> Path:
    cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return path


def detect_rotation(
    grey: pp.Image, dpi: int, engine: OcrEngine, scratch: Path, timeout_s: float
) -> int:
    scale = min(1.0, OSD_DPI / dpi)
    small = (
        cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else grey
    )
    try:
        rotate, conf = engine.orientation(_write_png(small, scratch, OSD_DPI), timeout_s=timeout_s)
    except (EngineTimeout, EngineFailure):
        return 0
    return rotate % 360 if conf >= OSD_MIN_CONFIDENCE else 0


def prepare(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, scratch: Path
) -> PreparedPage:
    image, dpi, flags = raster.image, raster.dpi, []
    if options.normalise_dpi and dpi < options.min_ocr_dpi:
        image, dpi = pp.upscale(image, dpi, options.dpi), options.dpi
        flags.append(FLAG_UPSCALED)
    rotation = 0
    if options.detect_orientation:
        rotation = detect_rotation(
            pp.to_grey(image), dpi, engine, scratch, min(30.0, options.page_timeout_s)
        )
        image = pp.rotate_quarter(image, rotation)
    if options.remove_seal:
        grey, seal = pp.suppress_red(image)
        if seal:
            flags.append(FLAG_SEAL_REMOVED)
    else:
        grey = pp.to_grey(image)
    skew = pp.estimate_skew(grey, max_deg=options.max_skew_deg) if options.deskew else 0.0
    if abs(skew) >= 0.05:
        grey, image = pp.rotate_by(grey, skew), pp.rotate_by(image, skew)
    if options.clean_border:
        grey, cleaned = pp.clean_border(grey)
        if cleaned:
            flags.append(FLAG_BORDER_CLEANED)
    if options.denoise_speckle:
        grey, denoised = pp.denoise_speckle(grey)
        if denoised:
            flags.append(FLAG_DENOISED)
    display = image if options.keep_colour and pp.is_colour(image) else pp.to_grey(image)
    return PreparedPage(
        display=display, ocr=grey, dpi=dpi, rotation=rotation, skew=skew, flags=tuple(flags)
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
    png = _write_png(prepared.ocr, base.with_suffix(".png"), prepared.dpi)
    try:
        return engine.recognise(png, base, dpi=prepared.dpi, timeout_s=timeout_s), None
    except EngineTimeout:
        return None, FLAG_TIMEOUT
    except EngineFailure:
        return None, FLAG_ENGINE_ERROR
    finally:
        png.unlink(missing_ok=True)


def process_page(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, workdir: Path
) -> PageOutcome:
    base = workdir / f"page-{raster.index:06d}"
    prepared = prepare(raster, options, engine, base.with_name(base.name + "-osd.png"))
    output, failure = _recognise(prepared, engine, base, options.page_timeout_s)
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
    words = output.words if output else ()
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
    for leftover in (base.with_suffix(".tsv"), base.with_suffix(".pdf")):
        leftover.unlink(missing_ok=True)
    return PageOutcome(page=judge(page, options) if output else page, page_pdf=page_pdf)
