"""Straighten curled and bent pages (a phone photo of a page that is not flat).

A global deskew levels a page whose lines all share one slope. A hand-held photo of a curled
sheet has lines that bend, and whose slope changes down the page; after the deskew they are
still sloped in places, Tesseract's line finding cuts them into pieces or merges neighbours,
and a text layer written along sloped lines is read back (pdfplumber) with the characters of
two lines interleaved.

Text-line dewarp, as page_dewarp and similar methods do it, numpy and OpenCV only:

1. the letters: letter-sized connected components (`preprocess.letter_ink`) of the height the
   page's letters measure (`preprocess.text_height`);
2. text lines: each letter's core (a thin band around its centre) smeared sideways over about
   a letter's width, so letters of one line join and neighbouring lines do not;
3. a smooth curve y = p(x) per line (least squares, degree 2, one round of outlier removal);
4. one level for the whole page (`level_rows`): each line belongs on the row where it crosses
   the column the sheet lies flattest at, a line that does not reach that column (a header in
   a curled corner, a line cut in two) on the row the lines that do reach it put it on;
5. a vertical displacement field: at a column x, each line covering it wants its row p(x) moved
   to that row; between lines the shift is interpolated, above the first and below the
   last it is held; columns no line covers take their neighbours'; then smoothed;
6. `cv2.remap`: every line becomes straight and horizontal.

How bent a page is, is measured first (how far its lines stray from straight, in letter
heights: the typical line, or the most bent long line for a curled corner); a flat page
returns None and is never resampled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr.preprocess import Image, components, letter_ink, text_height

# A page whose lines stray less than this from straight and level (in letter heights, the
# typical line) is flat: remapping it would only resample its pixels.
FLAT_MAX_BEND = 0.3
# Or one long line (CORNER_MIN_LENGTH letter heights or more) bent this much: a curled corner.
# Flat pages of the real dev set bend no line more than 0.42.
CORNER_MIN_BEND = 1.0
CORNER_MIN_LENGTH = 15.0
MIN_LINES = 4  # fewer fitted lines: not enough evidence to bend a page
MIN_LINE_LETTERS = 6
MIN_LINE_LENGTH = 6.0  # in letter heights: a fitted line spans at least this much
MAX_SHIFT = 4.0  # in letter heights: a larger correction is a misfit, not a curl
MEASURE_LETTER_PX = 16.0  # letters this tall are enough to find and fit the lines


@dataclass(frozen=True)
class TextLine:
    """One fitted text line: y = poly(x) over [x0, x1], in the measured image's pixels."""

    x0: float
    x1: float
    poly: NDArray[np.float64]  # numpy.polyfit coefficients, highest power first
    row: float  # the line's mean row: where it lies once straightened

    def shift(self, xs: NDArray[np.float64]) -> NDArray[np.float64]:
        """Where the line is at `xs` minus where it belongs (inside its own span)."""
        at = np.polyval(self.poly, np.clip(xs, self.x0, self.x1)) - self.row
        return np.asarray(at, dtype=np.float64)

    @property
    def bend(self) -> float:
        """Largest distance (px) of the line from its straight, level position."""
        xs = np.linspace(self.x0, self.x1, 16)
        return float(np.abs(self.shift(xs)).max())


@dataclass(frozen=True)
class Curl:
    """How a page is bent: its lines and the displacement that straightens them."""

    lines: tuple[TextLine, ...]
    letter_px: float
    bend: float  # typical line's distance from straight and level, in letter heights
    field: NDArray[np.float32]  # per-pixel source row offset, the measured image's size

    def apply(self, image: Image) -> Image:
        """`image` (the measured page, or the same page at another size) straightened."""
        h, w = image.shape[:2]
        fh, fw = self.field.shape
        field = self.field
        if (h, w) != (fh, fw):
            field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR) * (h / fh)
        map_x = np.tile(np.arange(w, dtype=np.float32), (h, 1))
        map_y = np.arange(h, dtype=np.float32)[:, None] + field
        fill = (255, 255, 255) if image.ndim == 3 else 255
        out: Image = cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
        return out


def _letters(grey: Image, letter_px: float) -> NDArray[np.float64]:
    """(x0, x1, centre y) of the letter-sized components: about a letter tall, not a mark, a
    rule or a blot."""
    ink = letter_ink(grey).astype(np.uint8)
    _, _, stats = components(ink)
    x, y = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    keep = (h >= 0.55 * letter_px) & (h <= 1.8 * letter_px) & (w <= 4 * letter_px)
    return np.stack([x[keep], x[keep] + w[keep], y[keep] + h[keep] / 2.0], axis=1).astype(
        np.float64
    )


def _line_groups(shape: tuple[int, ...], letters: NDArray[np.float64],
                 letter_px: float) -> list[NDArray[np.float64]]:
    """Letters grouped into text lines: each letter's core (a band a third of a letter tall
    around its centre) is painted, smeared sideways by about a letter, and the painted runs
    that join are one line. The band is thin so that the next line, a line spacing away, never
    touches it; the smear is short so a sloped line still joins up."""
    core = np.zeros(shape[:2], np.uint8)
    half = max(1, round(letter_px / 6))
    for x0, x1, cy in letters:
        core[max(0, round(cy) - half): round(cy) + half + 1, int(x0): int(x1) + 1] = 255
    gap = max(3, round(1.2 * letter_px))
    joined = cv2.dilate(core, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    cx = ((letters[:, 0] + letters[:, 1]) / 2).astype(np.int64)
    cy = np.clip(letters[:, 2].round().astype(np.int64), 0, shape[0] - 1)
    owner = labels[cy, np.clip(cx, 0, shape[1] - 1)]
    groups = []
    for label in range(1, count):
        members = letters[owner == label]
        if len(members) >= MIN_LINE_LETTERS:
            groups.append(members)
    return groups


def _fit_line(members: NDArray[np.float64], letter_px: float) -> TextLine | None:
    """A smooth curve through a line's letter centres (degree 2; 1 on a short line), refitted
    once without the letters far from it (capitals, descenders, marks fused to a letter)."""
    xs = (members[:, 0] + members[:, 1]) / 2
    ys = members[:, 2]
    x0, x1 = float(members[:, 0].min()), float(members[:, 1].max())
    if x1 - x0 < MIN_LINE_LENGTH * letter_px:
        return None
    degree = 2 if x1 - x0 >= 15 * letter_px and len(xs) >= 12 else 1
    poly = np.polyfit(xs, ys, degree)
    near = np.abs(np.polyval(poly, xs) - ys) <= 0.35 * letter_px
    if int(near.sum()) >= max(MIN_LINE_LETTERS, degree + 2):
        poly = np.polyfit(xs[near], ys[near], degree)
    row = float(np.polyval(poly, np.linspace(x0, x1, 32)).mean())
    line = TextLine(x0=x0, x1=x1, poly=poly, row=row)
    return line if line.bend <= MAX_SHIFT * letter_px else None


def text_lines(grey: Image, letter_px: float = 0.0) -> tuple[list[TextLine], float]:
    """The page's fitted text lines and the letter height they were found with."""
    letter_px = letter_px or text_height(grey)
    if letter_px < 4:
        return [], letter_px
    letters = _letters(grey, letter_px)
    if len(letters) < MIN_LINES * MIN_LINE_LETTERS:
        return [], letter_px
    fitted = (_fit_line(g, letter_px) for g in _line_groups(grey.shape, letters, letter_px))
    return [line for line in fitted if line is not None], letter_px


def _slope(line: TextLine) -> float:
    """The line's overall slope (its chord)."""
    return float(np.polyval(line.poly, line.x1) - np.polyval(line.poly, line.x0)) / max(
        1.0, line.x1 - line.x0
    )


def _line_bends(lines: list[TextLine]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(each line's distance (px) from a straight line of the page's common slope, each line's
    length): a residual skew the deskew left is not a bend; a slope that changes down the page,
    or across it, is."""
    lengths = np.array([line.x1 - line.x0 for line in lines])
    slopes = np.array([_slope(line) for line in lines])
    common = _weighted_quantile(slopes, lengths, 0.5)
    bends = []
    for line in lines:
        xs = np.linspace(line.x0, line.x1, 16)
        level = np.polyval(line.poly, xs) - common * (xs - xs.mean())
        bends.append(float(np.abs(level - level.mean()).max()))
    return np.array(bends), lengths


def page_bend(lines: list[TextLine], letter_px: float) -> float:
    """How bent the page is, in letter heights: how far its lines stray from straight lines
    of the page's common slope, the 75th percentile by line length. 0 on a flat page."""
    if len(lines) < MIN_LINES or letter_px <= 0:
        return 0.0
    bends, lengths = _line_bends(lines)
    return _weighted_quantile(bends / letter_px, lengths, 0.75)


def corner_bend(lines: list[TextLine], letter_px: float) -> float:
    """The most bent long line, in letter heights: a sheet curled at one corner or along one
    edge bends a few lines a lot and leaves most of them straight, which the page's typical
    line (`page_bend`) does not see. 0 on a flat page."""
    if len(lines) < MIN_LINES or letter_px <= 0:
        return 0.0
    bends, lengths = _line_bends(lines)
    long = lengths >= CORNER_MIN_LENGTH * letter_px
    return float(bends[long].max() / letter_px) if long.any() else 0.0


def _weighted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                       q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


def _column_shifts(lines: list[TextLine], xs: NDArray[np.float64], ys: NDArray[np.float64],
                   letter_px: float) -> NDArray[np.float64]:
    """Coarse field (len(ys), len(xs)): NaN in columns no line covers."""
    field = np.full((len(ys), len(xs)), np.nan)
    reach = 2 * letter_px  # a line's shift holds a little past its ends
    for j, x in enumerate(xs):
        covering = [ln for ln in lines if ln.x0 - reach <= x <= ln.x1 + reach]
        if not covering:
            continue
        covering.sort(key=lambda ln: ln.row)
        rows = np.array([ln.row for ln in covering])
        shifts = np.array([float(ln.shift(np.array([x]))[0]) for ln in covering])
        field[:, j] = np.interp(ys, rows, shifts)
    return field


def _fill_columns(field: NDArray[np.float64]) -> NDArray[np.float64]:
    """Columns no line covers take their neighbours' shifts (interpolated along x)."""
    known = ~np.isnan(field[0])
    if not known.any():
        return np.zeros_like(field)
    cols = np.arange(field.shape[1])
    for i in range(field.shape[0]):
        field[i] = np.interp(cols, cols[known], field[i, known])
    return field


def displacement(lines: list[TextLine], shape: tuple[int, ...],
                 letter_px: float) -> NDArray[np.float32]:
    """Per-pixel source row offset that moves every line onto its mean row."""
    h, w = shape[:2]
    step = max(4.0, letter_px)
    xs = np.arange(0, w + step, step)
    ys = np.arange(0, h + step, step)
    shifts = _fill_columns(_column_shifts(lines, xs, ys, letter_px)).astype(np.float32)
    # Smooth across a few lines' spacing: single misfit lines must not fold the page.
    smooth = cv2.GaussianBlur(shifts, (5, 5), 0, borderType=cv2.BORDER_REPLICATE)
    grid_to_page = np.array([[step, 0, 0], [0, step, 0]], dtype=np.float64)
    full = cv2.warpAffine(smooth, grid_to_page, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(full, dtype=np.float32)


def _flattest_column(lines: list[TextLine], width: int, letter_px: float) -> float | None:
    """The column where the page lies flattest: where the lines crossing it are closest to
    the page's common slope (a curl lifts an edge or a corner; the rest of the sheet lies
    on the table), among the columns most lines cross. None when too few lines cross any."""
    lengths = np.array([line.x1 - line.x0 for line in lines])
    common = _weighted_quantile(np.array([_slope(line) for line in lines]), lengths, 0.5)
    xs = np.arange(0.0, width, max(4.0, letter_px))
    crossing = np.array([[line.x0 <= x <= line.x1 for line in lines] for x in xs])
    counts = crossing.sum(axis=1)
    enough = counts >= max(MIN_LINES, 0.5 * counts.max())
    if not enough.any():
        return None
    best, best_x = np.inf, None
    for x, row in zip(xs[enough], crossing[enough], strict=True):
        tilt = [abs(float(np.polyval(np.polyder(line.poly), x)) - common)
                for line, crosses in zip(lines, row, strict=True) if crosses]
        score = float(np.median(tilt))
        if score < best:
            best, best_x = score, float(x)
    return best_x


def level_rows(lines: list[TextLine], shape: tuple[int, ...],
               letter_px: float) -> list[TextLine]:
    """The row each line is straightened onto, the same for the whole page: where the line
    crosses the flattest column (the part of the sheet that lies on the table), and for a line
    that does not reach that column (a header block or a line end in a curled corner, a line
    the grouping cut in two) the row the lines that do reach it put it on. A line's own mean
    row would drag a line lying mostly in the curl towards the curl, and leave the two pieces
    of a cut line on different rows: the field between lines would then squeeze or fold."""
    x_ref = _flattest_column(lines, shape[1], letter_px)
    if x_ref is None:
        return lines
    anchored = [replace(line, row=float(np.polyval(line.poly, x_ref)))
                for line in lines if line.x0 <= x_ref <= line.x1]
    if len(anchored) < MIN_LINES:
        return lines
    field = displacement(anchored, shape, letter_px)
    h, w = field.shape
    out = []
    for line in lines:
        if line.x0 <= x_ref <= line.x1:
            out.append(replace(line, row=float(np.polyval(line.poly, x_ref))))
            continue
        xs = np.linspace(line.x0, line.x1, 16)
        cols = np.clip(xs.round().astype(np.int64), 0, w - 1)
        seen = np.polyval(line.poly, xs)
        target = seen.copy()
        for _ in range(3):  # the row whose source row (row + field) is where the line is
            rows = np.clip(target.round().astype(np.int64), 0, h - 1)
            target = seen - field[rows, cols]
        out.append(replace(line, row=float(target.mean())))
    return out


def measure_curl(grey: Image, letter_px: float = 0.0) -> Curl | None:
    """The page's curl, or None when it is flat (or has too few lines to tell).

    Measured on a copy whose letters are about `MEASURE_LETTER_PX` tall (a 300-dpi page at
    half size: a quarter of the pixels to label); the field is smooth and `Curl.apply` brings
    it to any size."""
    letter_px = letter_px or text_height(grey)
    factor = min(1.0, MEASURE_LETTER_PX / letter_px) if letter_px > 0 else 1.0
    if factor < 0.9:
        grey = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        letter_px *= factor
    lines, letter_px = text_lines(grey, letter_px)
    bend = page_bend(lines, letter_px)
    if bend < FLAT_MAX_BEND and corner_bend(lines, letter_px) < CORNER_MIN_BEND:
        return None
    lines = level_rows(lines, grey.shape, letter_px)
    field = displacement(lines, grey.shape, letter_px)
    return Curl(lines=tuple(lines), letter_px=letter_px, bend=bend, field=field)


def straightened(grey: Image, letter_px: float = 0.0) -> tuple[Image, Curl] | None:
    """(the page with its text lines straight and level, its curl), None on a flat page."""
    curl = measure_curl(grey, letter_px)
    if curl is None:
        return None
    return curl.apply(grey), curl
