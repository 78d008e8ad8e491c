"""One page, start to finish: preprocess, OCR, judge, write its one-page searchable PDF."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ocr import preprocess as pp
from ocr.compose import encode_jpeg, write_page_pdf
from ocr.dewarp import straightened
from ocr.engine import EngineFailure, EngineOutput, EngineTimeout, OcrEngine
from ocr.pages import RasterPage
from ocr.quality import reading_quality, text_quality
from ocr.recover import recover_lines
from ocr.reread import reread_capitals
from ocr.seal import remove_seal_rings
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
    FLAG_TABLE_GRID_REMOVED,
    FLAG_TIMEOUT,
    FLAG_UPSCALED,
    SOURCE_FAILED,
    SOURCE_OCR,
    WORD_SPACE,
    OcrOptions,
    PageOcr,
    Word,
)

OSD_DPI = 150  # orientation detection needs far fewer pixels than recognition
OSD_MIN_CONFIDENCE = 2.0
UPRIGHT_RATIO = 1.6  # above: upright; below its inverse: upside down; between: ask OSD
MAX_OCR_PIXELS = 16_000_000
SMALL_PAGE_PIXELS = 4_000_000
SPARSE_PSM = 11  # Tesseract's "sparse text" segmentation, the cascade's other reading
ROWS_PSM = 6  # "a uniform block of text": stacked rows and lines read again
ROTATION_MARGIN = 0.1  # how much better (valid-word share) a turned reading must score
STRAIGHT_MARGIN = 0.05  # share of the best read's valid words a straightened read may lack
OVERLAP_SHARE = 0.5  # of the smaller box: two words on one spot, the same ink read twice
OVERLAP_CLEAN_MAX = 2  # words read twice a clean reading may hold (a mark's box on the next line)
SIDEWAYS_MIN_CHARS = 3  # letters or digits in a word whose box shape tells its direction
SIDEWAYS_MIN_WORDS = 3
SIDEWAYS_SHARE = 0.6  # of those words taller than wide: the reading runs down the page
CANDIDATE_MIN_TIMEOUT_S = 10.0  # floor of a candidate's timeout (4x the first reading's time)


@dataclass(frozen=True)
class PreparedPage:
    display: pp.Image  # what the clerk sees in the output PDF (colour kept, seal kept)
    ocr: pp.Image  # grey image Tesseract reads: `display` geometry, at `ocr_dpi`
    dpi: int  # of `display`
    ocr_dpi: int
    rotation: int
    skew: float
    flags: tuple[str, ...]
    # The grey page after orientation, deskew and border cleaning, before despeckle and
    # resampling: the cascade's alternatives start from it.
    oriented: pp.Image | None = None
    oriented_dpi: int = 0  # resolution Tesseract is told for `oriented` (0: `dpi`)
    psm: int | None = None  # page segmentation of this candidate (None: the engine's own)
    name: str = "fast"  # which candidate this is (for the record and the benchmark)


@dataclass(frozen=True)
class PageOutcome:
    page: PageOcr
    page_pdf: Path


def osd_rotation(
    grey: pp.Image, dpi: int, engine: OcrEngine, scratch: Path, timeout_s: float
) -> int:
    """Tesseract's orientation detection (clockwise degrees to upright), 0 when unsure."""
    scale = min(1.0, OSD_DPI / dpi)
    small = grey
    if scale < 1:
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = pp.write_for_engine(small, scratch)
    try:
        rotate, conf = engine.orientation(image, timeout_s=timeout_s)
    except (EngineTimeout, EngineFailure):
        return 0
    finally:
        image.unlink(missing_ok=True)
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

    def level(self, angle: float, min_deg: float) -> None:
        if abs(angle) >= min_deg:
            self.image, self.grey = pp.rotate_by(self.image, angle), pp.rotate_by(self.grey, angle)


def _orient_and_deskew(
    work: _Work, dpi: int, options: OcrOptions, engine: OcrEngine, scratch: Path
) -> float:
    """Quarter turns from the line direction and the Vietnamese above/below ink ratio (cheap);
    Tesseract OSD only when that ratio is ambiguous. Returns the skew corrected."""
    if not options.detect_orientation:
        skew = pp.estimate_skew(work.grey, max_deg=options.max_skew_deg) if options.deskew else 0.0
        work.level(skew, options.min_deskew_deg)
        return skew if abs(skew) >= options.min_deskew_deg else 0.0
    vertical, skew = pp.estimate_layout(work.grey, max_deg=options.max_skew_deg)
    if vertical:
        work.turn(90)
        skew = pp.estimate_skew(work.grey, max_deg=options.max_skew_deg)
    if not options.deskew:
        skew = 0.0
    work.level(skew, options.min_deskew_deg)
    if abs(skew) < options.min_deskew_deg:
        skew = 0.0
    ratio = pp.upright_ratio(work.grey)
    if ratio <= 1 / UPRIGHT_RATIO:
        work.turn(180)
    elif ratio < UPRIGHT_RATIO:
        timeout = min(30.0, options.page_timeout_s)
        if osd_rotation(work.grey, dpi, engine, scratch, timeout) == 180:
            work.turn(180)
    return skew


def _text_scale(grey: pp.Image, dpi: int, options: OcrOptions) -> float:
    """Factor that brings the page's letters to a height Tesseract reads well (see
    `_text_scale_and_dpi`)."""
    return _text_scale_and_dpi(grey, dpi, options)[0]


def _text_scale_and_dpi(grey: pp.Image, dpi: int, options: OcrOptions) -> tuple[float, int]:
    """(factor that brings the page's letters to a height Tesseract reads well, resolution to
    tell Tesseract once scaled). The letters are measured from the ink (connected components),
    not taken from the DPI in the file. Letters already within [min_text_px, max_text_px] keep
    the scan's own pixels and its DPI: on real 150-300 dpi scans every resampling cost tone
    marks (a 200-dpi scan upscaled to 300 dpi: 7.5 -> 9.1 % CER, "công bô" for "công bố").
    The file's DPI is the fallback on a page with too few letters to measure.

    A page scaled by its letters is told the resolution those letters stand for (body letters
    of `target_text_px` are `ocr_dpi` text), not file DPI x factor: a 70-dpi photo saved as
    "300 dpi" and enlarged 3.3x was told 1000 dpi, Tesseract took its body text for 2-pt print
    and lost whole lines (31.7 % CER against 1.3 % told 300 dpi on the same pixels)."""
    if not options.normalise_dpi:
        return 1.0, dpi
    h, w = grey.shape[:2]
    measured = pp.text_height(grey) if options.scale_by_text_height else 0.0
    by_letters = False
    if measured <= 0:
        scale = options.ocr_dpi / dpi if dpi < options.ocr_dpi else 1.0
    elif options.min_text_px <= measured <= options.max_text_px:
        scale = 1.0
    else:
        scale = min(5.0, max(0.25, options.target_text_px / measured))
        by_letters = True
        if scale > 1 and h * w >= SMALL_PAGE_PIXELS:
            # Enlarge only a small image (< 4 Mpx: no A4 scan at 170 dpi or more): on a big
            # page small "letters" are specks or noise, and blowing it up costs minutes.
            scale, by_letters = 1.0, False
    # Never more pixels than an A4 page at 400 dpi: noise measured as "letters" must not blow
    # a page up to a size Tesseract needs minutes for.
    scale = min(scale, (MAX_OCR_PIXELS / (h * w)) ** 0.5)
    if by_letters:
        return scale, letter_dpi(measured * scale, options)
    return scale, max(30, round(dpi * scale))


def page_dpi(raster: RasterPage, grey: pp.Image, options: OcrOptions) -> int:
    """The resolution that gives the page its size in the output PDF: the file's, or, when the
    file states none (a phone photo saved at "72 dpi", taken as 300), the one its letters stand
    for (`letter_dpi`). A 1023-px photo of an A4 page told 300 dpi became a 3.4-inch page, and
    on it two curled header lines lay within a few points of each other: its text layer read
    back with their letters interleaved (24 % CER from a reading at 3 %)."""
    if raster.dpi_known or not options.normalise_dpi:
        return raster.dpi
    measured = pp.text_height(grey) if options.scale_by_text_height else 0.0
    return letter_dpi(measured, options) if measured > 0 else raster.dpi


def letter_dpi(letter_px: float, options: OcrOptions) -> int:
    """The resolution at which body letters `letter_px` tall are printed body text."""
    return max(30, round(options.ocr_dpi * letter_px / options.target_text_px))


def prepare(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, scratch: Path
) -> PreparedPage:
    image, dpi, flags = raster.image, raster.dpi, []
    grey, seal = pp.suppress_red(image) if options.remove_seal else (pp.to_grey(image), False)
    if seal:
        flags.append(FLAG_SEAL_REMOVED)
    if options.flatten_light:
        # Before orientation too: a shadow or a dark copier edge binarises into a block of
        # "ink" whose profile can look like text lines running the other way.
        grey = pp.flatten_illumination(grey, dpi)
    scale, scaled_dpi = _text_scale_and_dpi(grey, dpi, options)
    # The page's own resolution follows from its letters too: a phone photo of an A4 page is
    # an A4 page in the output PDF, whatever its file claims (a text layer on a 2-inch page
    # is read back with its two header columns interleaved).
    dpi = max(30, round(scaled_dpi / scale)) if scale > 0 else dpi
    shown_dpi = page_dpi(raster, grey, options) if abs(scale - 1.0) <= 0.02 else dpi
    photo = scale > 1.5
    if photo:
        # A low-resolution photo: upscale before orientation and deskew have to find its lines.
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        dpi_grey, scale = scaled_dpi, 1.0
    else:
        dpi_grey = dpi
    work = _Work(image=image, grey=grey)
    skew = _orient_and_deskew(work, dpi_grey, options, engine, scratch)
    grey = work.grey
    if options.clean_border:
        grey, cleaned = pp.clean_border(grey)
        if cleaned:
            flags.append(FLAG_BORDER_CLEANED)
    if options.remove_seal and not seal:
        # A seal that lost its colour (a photocopy, a grey scan) is found by its ring.
        grey, seal = remove_seal_rings(grey, pp.text_height(grey))
        if seal:
            flags.append(FLAG_SEAL_REMOVED)
    oriented = grey
    if options.remove_rules:
        grey, ruled = pp.remove_rules(grey, dpi_grey)
        if ruled:
            flags.append(FLAG_RULES_REMOVED)
    # Not on an enlarged low-resolution photo: perspective and lens bend its rules, the
    # straight openings take them in pieces and the pieces are read as "[", "(", "|" (a
    # held-out photo: 1.3 -> 5.2 % CER).
    if options.remove_table_grid and not photo:
        grey, gridded = pp.remove_table_grid(grey, pp.text_height(grey))
        if gridded:
            flags.append(FLAG_TABLE_GRID_REMOVED)
    if options.denoise_speckle:
        grey, denoised = pp.denoise_speckle(grey, dpi_grey)
        if denoised:
            flags.append(FLAG_DENOISED)
    ocr_dpi = dpi_grey
    if abs(scale - 1.0) > 0.02:
        grey = cv2.resize(grey, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
        ocr_dpi = scaled_dpi
    if grey.shape[0] * grey.shape[1] > image.shape[0] * image.shape[1] * 1.04:
        flags.append(FLAG_UPSCALED)
    image = work.image
    display = image if options.keep_colour and pp.is_colour(image) else pp.to_grey(image)
    return PreparedPage(
        display=display,
        ocr=grey,
        dpi=shown_dpi,
        ocr_dpi=ocr_dpi,
        rotation=work.rotation,
        skew=skew,
        flags=tuple(flags),
        oriented=oriented,
        oriented_dpi=dpi_grey,
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
    image = pp.write_for_engine(prepared.ocr, base)
    try:
        reader = _with_psm(engine, prepared.psm)
        return reader.recognise(image, base, dpi=prepared.ocr_dpi, timeout_s=timeout_s), None
    except EngineTimeout:
        return None, FLAG_TIMEOUT
    except EngineFailure:
        return None, FLAG_ENGINE_ERROR
    finally:
        image.unlink(missing_ok=True)


def _timed_recognise(
    prepared: PreparedPage, engine: OcrEngine, base: Path, timeout_s: float
) -> tuple[tuple[EngineOutput | None, str | None], float]:
    started = time.monotonic()
    result = _recognise(prepared, engine, base, timeout_s)
    return result, time.monotonic() - started


def _with_psm(engine: OcrEngine, psm: int | None) -> OcrEngine:
    """The engine reading with another page segmentation, when it offers that."""
    if psm is None or not hasattr(engine, "with_psm"):
        return engine
    other: OcrEngine = engine.with_psm(psm)
    return other


def read_value(output: EngineOutput | None) -> float:
    """How good a reading of a page is, to compare readings of the same page: valid Vietnamese
    syllables count for, invalid ones against (a sideways or garbled read is mostly invalid,
    a read that drops words has fewer valid ones); mean word confidence breaks ties."""
    if output is None:
        return float("-inf")
    quality = reading_quality(output.text)
    conf = float(np.mean([w.conf for w in output.words])) if output.words else 0.0
    twice = overlapping_words(output.words)
    return quality.valid - (quality.tokens - quality.valid) - twice + conf / 1000


def overlapping_words(words: tuple[Word, ...]) -> int:
    """Words of two letters or more whose box lies mostly (`OVERLAP_SHARE` of the smaller box)
    on a word of another line: the same ink read twice. On a curled page whose lines the
    dewarp did not see, Tesseract's layout can take one printed line for two crossing ones and
    read the motto twice; every copy scored as valid syllables, and the text layer, two words
    on one spot, read back letter by letter interleaved. Printed lines do not overlap."""
    ws = [w for w in words if sum(c.isalnum() for c in w.text) >= 2 and w.width and w.height]
    if len(ws) < 2:
        return 0
    left = np.array([w.left for w in ws])
    top = np.array([w.top for w in ws])
    right = left + np.array([w.width for w in ws])
    bottom = top + np.array([w.height for w in ws])
    line = np.array([w.line for w in ws])
    across = np.minimum(right[:, None], right[None, :]) - np.maximum(left[:, None], left[None, :])
    down = np.minimum(bottom[:, None], bottom[None, :]) - np.maximum(top[:, None], top[None, :])
    shared = np.clip(across, 0, None) * np.clip(down, 0, None)
    area = (right - left) * (bottom - top)
    smaller = np.minimum(area[:, None], area[None, :])
    hit = (shared >= OVERLAP_SHARE * smaller) & (line[:, None] != line[None, :])
    return int(hit.any(axis=1).sum())


def is_clean_read(output: EngineOutput | None, options: OcrOptions) -> bool:
    """The fast path's verdict: mostly valid syllables read with good confidence."""
    if output is None or not output.words:
        return False
    quality = reading_quality(output.text)
    conf = float(np.mean([w.conf for w in output.words]))
    return (
        quality.tokens >= 3
        and quality.score >= options.fast_min_quality
        and conf >= options.fast_min_confidence
        and overlapping_words(output.words) <= OVERLAP_CLEAN_MAX
    )


def _plain(raster: RasterPage, options: OcrOptions) -> PreparedPage:
    """The page exactly as plain `tesseract -l vie` sees it: no preprocessing, default
    page segmentation, the file's resolution. Being one of the candidates, a poorly read page
    never ends worse than plain Tesseract by the score."""
    grey = pp.to_grey(raster.image)
    return PreparedPage(display=raster.image, ocr=grey, dpi=page_dpi(raster, grey, options),
                        ocr_dpi=raster.dpi,
                        rotation=0, skew=0.0, flags=(), psm=3, name="plain")


def _flattened(prepared: PreparedPage, options: OcrOptions) -> PreparedPage:
    """Light divided out, no despeckle, letters scaled to the height Tesseract reads best
    (measured on the page, not taken from its metadata), default page segmentation."""
    source = prepared.oriented if prepared.oriented is not None else prepared.ocr
    flat = source if options.flatten_light else pp.flatten_illumination(source, prepared.dpi)
    scaled, factor = pp.scale_to_text_height(flat, options.target_text_px)
    ocr_dpi = prepared.ocr_dpi
    if prepared.oriented is not None:
        ocr_dpi = prepared.oriented_dpi or prepared.dpi
    if factor != 1.0:  # told the resolution its letters now stand for (see _text_scale_and_dpi)
        ocr_dpi = letter_dpi(pp.text_height(scaled), options)
    return replace(prepared, ocr=scaled, ocr_dpi=ocr_dpi, psm=3, name="flat")


def _dewarped(prepared: PreparedPage, options: OcrOptions) -> PreparedPage | None:
    """The page with its text lines straightened (a curled or bent photo), read as the flat
    candidate is; its display is straightened too, so the text layer lies on the lines the
    clerk sees. None on a flat page (nothing to read again)."""
    if not options.dewarp or prepared.oriented is None:
        return None
    found = straightened(prepared.oriented)
    if found is None:
        return None
    straight, curl = found
    candidate = _flattened(replace(prepared, oriented=straight), options)
    return replace(candidate, display=curl.apply(prepared.display), name="dewarp")


def _turned(prepared: PreparedPage, clockwise: int) -> PreparedPage:
    return replace(
        prepared,
        display=pp.rotate_quarter(prepared.display, clockwise),
        ocr=pp.rotate_quarter(prepared.ocr, clockwise),
        oriented=None,
        rotation=(prepared.rotation + clockwise) % 360,
        name=f"{prepared.name}+r{clockwise}",
    )


Reading = tuple[PreparedPage, EngineOutput | None]


def _best(readings: list[Reading]) -> Reading:
    return max(readings, key=lambda r: read_value(r[1]))


def _try_rotations(
    best: Reading, options: OcrOptions, engine: OcrEngine, base: Path, timeout_s: float
) -> Reading:
    """Orientation from evidence: the other three quarter turns of the best candidate, the one
    OSD names first, stopping at a clean read. A turn must score clearly better: Tesseract's
    default segmentation also reads vertical lines, so a page kept sideways can score almost
    as well as the upright reading would."""
    prepared = best[0]
    order = [90, 180, 270]
    hint = osd_rotation(pp.to_grey(prepared.ocr), prepared.ocr_dpi, engine,
                        base.with_name(base.name + "-osd2"),
                        min(30.0, options.page_timeout_s))
    if hint in order:
        order.remove(hint)
        order.insert(0, hint)
    turns: list[Reading] = []
    for clockwise in order:
        turned = _turned(prepared, clockwise)
        output, _ = _recognise(turned, engine, base.with_name(f"{base.name}-r{clockwise}"),
                               timeout_s)
        turns.append((turned, output))
        if is_clean_read(output, options):
            break
    winner = _best(turns)
    if _quality(winner) < _quality(best) + ROTATION_MARGIN:
        return best
    return winner


def _quality(reading: Reading) -> float:
    return reading_quality(reading[1].text).score if reading[1] is not None else 0.0


@dataclass(frozen=True)
class Straightened:
    """A curled page's straightened candidate and its reading, made while the first reading
    ran (`process_page`); `page` None: the page is flat."""
    page: PreparedPage | None
    output: EngineOutput | None = None


def cascade(
    raster: RasterPage, first: Reading, options: OcrOptions, engine: OcrEngine, base: Path,
    first_read_s: float = 0.0, straightened: Straightened | None = None,
) -> Reading:
    """Clean pages keep the fast read. A poor one is read again in sparse-text segmentation
    (headings and short lines anywhere: a page holding only a signer block), as plain
    Tesseract would, and with the light divided out at a measured text height; the
    best-scoring read wins; if even that is poor, the other three orientations of the best
    preprocessed candidate are tried too. A page whose text lines measure curled (`ocr.dewarp`)
    is also read straightened, first, and that reading is kept unless clearly worse; read
    clean, no other candidate is read. `straightened`: the straightened candidate already
    read (`process_page` reads it beside the first reading), else it is made and read here."""
    if not options.cascade or first[1] is None:
        return first  # a timeout or crash is not retried: the page is flagged as it is
    timeout = _candidate_timeout(options, first_read_s)
    # A curled page (a hand-held photo of a sheet that does not lie flat) is read straightened
    # too, even after a clean read: its words can be valid while its lines stay sloped, and a
    # text layer along sloped lines reads back with neighbouring lines interleaved. Measuring
    # is cheap (a half-size copy); a flat page adds no read.
    if straightened is None:
        straightened = _straightened_read(first[0], options, engine, base, timeout)
    dewarped, output = straightened.page, straightened.output
    if output is not None and output.engine_s > timeout:
        output = None  # read beside the first reading: as if it had had a candidate's time
    if is_clean_read(first[1], options):
        if dewarped is None:
            return first
        return _prefer_straight(first, (dewarped, output))
    readings = [first]
    if dewarped is not None:
        # Straightened first: read clean, it is what a curled page keeps (as after a clean
        # first read), and the other three candidates, each a whole read, are not needed.
        if is_clean_read(output, options):
            return _prefer_straight(first, (dewarped, output))
        readings.append((dewarped, output))
    makers: list[Callable[[], PreparedPage]] = [
        lambda: _plain(raster, options), lambda: _flattened(first[0], options)]
    if options.psm != SPARSE_PSM:
        makers.insert(0, lambda: replace(first[0], psm=SPARSE_PSM, name="sparse"))
    readings += _read_all(makers, engine, base, timeout)
    straight = next((r for r in readings if r[0] is dewarped), None)
    best = _best(readings) if straight is None else _prefer_straight(_best(readings), straight)
    # Turn the best preprocessed reading when none of them is clean: the plain one is the raw
    # image (too small or too dark on the pages that come out turned), and a plain reading
    # that beats every preprocessed one can be a few big lines of a page the cheap
    # orientation check turned upside down (a signer block alone, a dark phone photo). A
    # curled page is turned straightened.
    turnable = straight or _best([r for r in readings if r[0].name != "plain"])
    if options.detect_orientation and _quality(turnable) < options.rotate_below_quality:
        turned = _try_rotations(turnable, options, engine, base, timeout)
        if turned is not turnable:
            readings.append(turned)
            best = _best([best, turned])
            if straight is not None and turned[0].name.startswith("dewarp"):
                best = _prefer_straight(best, turned)
    if options.detect_orientation and _sideways(best[1]):
        best = _upright(best, readings, options, engine, base, timeout)
    return best


def _straightened_read(prepared: PreparedPage, options: OcrOptions, engine: OcrEngine,
                       base: Path, timeout_s: float) -> Straightened:
    """The page straightened when its lines measure curled (`_dewarped`), and read."""
    dewarped = _dewarped(prepared, options)
    if dewarped is None:
        return Straightened(None)
    output, _ = _recognise(dewarped, engine, base.with_name(f"{base.name}-dw"), timeout_s)
    return Straightened(dewarped, output)


def _read_all(makers: list[Callable[[], PreparedPage]], engine: OcrEngine, base: Path,
              timeout_s: float) -> list[Reading]:
    """Candidates made and read at once, in their order: independent readings of one page
    (the engine's slots keep the processes to one per core, so a page alone uses the cores a
    batch would, and pages in a batch wait their turn)."""

    def read(n: int) -> Reading:
        candidate = makers[n]()
        output, _ = _recognise(candidate, engine, base.with_name(f"{base.name}-c{n}"), timeout_s)
        return candidate, output

    with ThreadPoolExecutor(max_workers=len(makers)) as pool:
        return list(pool.map(read, range(len(makers))))


def _sideways(output: EngineOutput | None) -> bool:
    """A reading whose words run down the page: Tesseract's default segmentation reads
    vertical lines too, and can score as well as the upright reading, but its text layer lies
    on a page the clerk sees turned and reads back one word per line."""
    if output is None:
        return False
    words = [w for w in output.words if sum(c.isalnum() for c in w.text) >= SIDEWAYS_MIN_CHARS]
    if len(words) < SIDEWAYS_MIN_WORDS:
        return False
    return sum(w.height > w.width for w in words) >= SIDEWAYS_SHARE * len(words)


def _upright(best: Reading, readings: list[Reading], options: OcrOptions, engine: OcrEngine,
             base: Path, timeout_s: float) -> Reading:
    """An upright reading instead of the sideways `best`: the best upright one already read
    if it scores nearly as well, else `best` turned a quarter either way (OSD's choice
    first). A page no upright reading matches keeps its reading."""
    upright = [r for r in readings if r[1] is not None and not _sideways(r[1])]
    floor = _quality(best) - ROTATION_MARGIN
    if upright and _quality(_best(upright)) >= floor:
        return _best(upright)
    order = [90, 270]
    hint = osd_rotation(pp.to_grey(best[0].ocr), best[0].ocr_dpi, engine,
                        base.with_name(base.name + "-osd3"),
                        min(30.0, options.page_timeout_s))
    if hint == 270:
        order.reverse()
    for clockwise in order:
        turned = _turned(best[0], clockwise)
        output, _ = _recognise(turned, engine, base.with_name(f"{base.name}-u{clockwise}"),
                               timeout_s)
        if output is not None and not _sideways(output) and _quality((turned, output)) >= floor:
            return turned, output
    return best


def _candidate_timeout(options: OcrOptions, first_read_s: float) -> float:
    """An alternative reads about as fast as the first reading; one that takes far longer is
    Tesseract lost in noise (a sideways reading of a speckled page can take minutes)."""
    return min(options.page_timeout_s, max(CANDIDATE_MIN_TIMEOUT_S, 4 * first_read_s))


def _block_reader(prepared: PreparedPage, engine: OcrEngine,
                  timeout_s: float) -> Callable[[Path], EngineOutput | None]:
    """Reads a sheet of stacked lines cut from the page as one block of text (None when the
    engine fails or takes too long: the page keeps its reading)."""
    block = _with_psm(engine, ROWS_PSM)

    def read(image: Path) -> EngineOutput | None:
        try:
            return block.recognise(image, image.with_suffix(""), dpi=prepared.ocr_dpi,
                                   timeout_s=timeout_s)
        except (EngineTimeout, EngineFailure):
            return None

    return read


def _with_lines_read_again(prepared: PreparedPage, output: EngineOutput, engine: OcrEngine,
                           base: Path, timeout_s: float, options: OcrOptions) -> EngineOutput:
    """The kept reading with its lines in capitals read again (`ocr.reread`), then the lines
    Tesseract's layout left out read too (`ocr.recover`). The second step's sheets are cut
    and read ahead, beside the first step (`_SheetsAhead`)."""
    rows = _SheetsAhead(_block_reader(prepared, engine, timeout_s))
    with ThreadPoolExecutor(max_workers=1) as pool:
        if options.reread_capitals and options.recover_lines:
            # A failure ahead is left in its future: the step runs again below, and fails
            # there if it must (what was read ahead before it is the same reading either way).
            pool.submit(recover_lines, prepared.ocr, replace(output, text_pdf=None),
                        rows.read_ahead, base.with_name(base.name + "-rowsahead"),
                        prepared.ocr_dpi, options.text_repair)
        if options.reread_capitals:
            # The language model alone: on the dev pages it read the capitals as well as
            # both models, and the step took 7 % of the page's time instead of 16 % (one
            # model to load).
            language = engine.with_first_language() if hasattr(
                engine, "with_first_language") else engine
            output = reread_capitals(prepared.ocr, output,
                                     _block_reader(prepared, language, timeout_s),
                                     base.with_name(base.name + "-caps"), options.text_repair)
    if options.recover_lines:
        output = recover_lines(prepared.ocr, output, rows.read,
                               base.with_name(base.name + "-rows"), prepared.ocr_dpi,
                               options.text_repair)
    return output


class _SheetsAhead:
    """Sheet readings made ahead of their turn, kept by the sheet's pixels.

    `ocr.recover` cuts the rows a reading missed or garbled into a sheet and reads it. Run
    on the reading before its capitals are read again (`read_ahead`, without its text layer,
    so nothing is written), it reads, beside that step, the sheets it would cut after it:
    the capitals read again change the words of a line, seldom which lines are missed or
    weak. Run after it (`read`), it takes each sheet it cuts the same, byte for byte, from
    here (the same pixels, read by the same engine: the same words), and reads the others.
    On a page alone the two steps' readings use both cores; the page's text is what the two
    steps one after the other give."""

    def __init__(self, read: Callable[[Path], EngineOutput | None]) -> None:
        self._read = read
        self._found: dict[bytes, EngineOutput] = {}
        self._lock = threading.Lock()

    def read_ahead(self, image: Path) -> EngineOutput | None:
        key = _sheet_key(image)
        found = self._read(image)
        if found is not None:  # a timeout or failure is not kept: the later turn tries again
            with self._lock:
                self._found[key] = found
        return found

    def read(self, image: Path) -> EngineOutput | None:
        with self._lock:
            found = self._found.pop(_sheet_key(image), None)
        return found if found is not None else self._read(image)


def _sheet_key(image: Path) -> bytes:
    return hashlib.sha1(image.read_bytes()).digest()


def _prefer_straight(best: Reading, straight: Reading) -> Reading:
    """The straightened reading of a curled page, unless it reads clearly fewer valid words
    than the best one (the syllable score does not see that the other reading's lines are
    sloped, which its text layer pays for)."""
    if straight[1] is None:
        return best
    margin = STRAIGHT_MARGIN * max(1, reading_quality(best[1].text).valid if best[1] else 0)
    return straight if read_value(straight[1]) >= read_value(best[1]) - margin else best


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
    prepared = prepare(raster, options, engine, base.with_name(base.name + "-osd"))
    # The first reading runs while the page's lines are measured for curl; a curled page's
    # straightened candidate, which the cascade reads whatever the first reading gives, is
    # read beside it (the engine's slots allow one process per core).
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_timed_recognise, prepared, engine, base, options.page_timeout_s)
        straight = pool.submit(_straightened_read, prepared, options, engine, base,
                               options.page_timeout_s) if options.cascade else None
        (output, failure), first_read_s = first.result()
        straightened = straight.result() if straight is not None else None
    prepared, output = cascade(raster, (prepared, output), options, engine, base, first_read_s,
                               straightened)
    if output is not None:
        output = _with_lines_read_again(prepared, output, engine, base,
                                        _candidate_timeout(options, first_read_s), options)
    if output is not None:
        failure = None
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
    factor = prepared.display.shape[1] / prepared.ocr.shape[1]
    words = _to_display(output.words, factor) if output else ()
    page = PageOcr(
        index=raster.index,
        text=output.text.replace(WORD_SPACE, " ") if output else "",
        words=words,
        confidence=round(float(np.mean([x.conf for x in words])), 2) if words else 0.0,
        width=w,
        height=h,
        dpi=prepared.dpi,
        source=SOURCE_OCR if output else SOURCE_FAILED,
        rotation=prepared.rotation,
        skew_angle=prepared.skew,
        flags=prepared.flags + ((failure,) if failure else ()),
        reading=prepared.name,
    )
    for leftover in workdir.glob(base.name + "*"):
        if leftover != page_pdf:
            leftover.unlink(missing_ok=True)
    return PageOutcome(page=judge(page, options) if output else page, page_pdf=page_pdf)
