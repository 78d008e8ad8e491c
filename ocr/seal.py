"""A seal's ring found by its shape and taken out of the ink, for pages whose seal lost its colour.

A red seal on a colour scan is taken out by its colour (`preprocess.suppress_red`). On a
photocopy or a grey scan the seal is grey, and where it is stamped over the signer's title and
name its ring crosses their letters. Binarised, the ring and those letters make one large
shape, and Tesseract's layout takes the seal with the lines over it for a picture and reads
nothing there (a photocopied decision: the signer's title and name lost, 6.8 % CER against
plain Tesseract's 1.8 %).

A ring is a circle: ink points at one distance from one centre, all round it. The circle is
fitted to the pixels of the page's large thin shapes (RANSAC, then least squares), and kept
only when its ink covers most of the turn and its radius is a seal's. Ring pixels go to paper
white, except where a stroke runs on through the ring on either side: a letter crossing the
ring keeps its ink there.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr.preprocess import Image, components

# Shapes that may hold a ring: at least this many letters long, no longer than a seal (a
# table's frame is), and thin (little ink in their box). Letters, words and marks are smaller;
# a filled block inks its box.
RING_PART_LETTERS = 3.0
RING_PART_MAX_FILL = 0.25
# A seal is 3-4.5 cm across, its outer ring 5-8 body letters (2.5-3.5 mm) in radius; the arcs
# of a signature are smaller (2.5 letters on the test pages). An inner ring is at least half
# the outer one.
MIN_RADIUS_LETTERS = 4.0
MAX_RADIUS_LETTERS = 12.0
MIN_INNER_SHARE = 0.5
# A point is on a circle within this share of a letter's height (a ring stroke's half width).
ON_RING_LETTERS = 0.15
# Ink in at least this many of the 36 ten-degree sectors round the centre: a ring, even with
# a title and a signature over it (an arc of a signature or a bracket covers far less). A
# sector counts when the ink on the circle there would make a stroke along its whole arc at
# least SECTOR_MIN_STROKE of the tolerance thick (strokes crossing the circle do not).
MIN_SECTORS = 24
# A second ring round the same centre (a seal's inner ring) needs less of the turn: its
# centre is already proven.
MIN_SECTORS_INNER = 20
SECTOR_MIN_STROKE = 0.5
TRIALS = 300
MAX_POINTS = 3000
# A ring's share of its circumference inked at least this much (a circle through scattered
# strokes is not a ring).
MIN_INKED_SHARE = 0.3


Circle = tuple[float, float, float]  # centre x, centre y, radius in pixels


def remove_seal_rings(grey: Image, letter_px: float) -> tuple[Image, bool]:
    """`grey` without the rings of seals found on it, and whether any was found."""
    if letter_px <= 0:
        return grey, False
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    rings = seal_rings(binary, letter_px)
    if not rings:
        return grey, False
    return _erased(grey, binary, rings), True


def seal_rings(binary: Image, letter_px: float) -> list[tuple[Circle, float]]:
    """Rings in a binary ink image (ink > 0): (circle, half width of its stroke) each."""
    count, labels, stats = components(binary)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    longest = np.maximum(width, height)
    parts = (longest >= RING_PART_LETTERS * letter_px) & (
        longest <= (2 * MAX_RADIUS_LETTERS + RING_PART_LETTERS) * letter_px) & (
        stats[:, cv2.CC_STAT_AREA] < RING_PART_MAX_FILL * width * height)
    parts[0] = False
    if int(parts.sum()) == 0:
        return []
    if stats[parts, cv2.CC_STAT_AREA].sum() < (
            2 * np.pi * MIN_RADIUS_LETTERS * letter_px * MIN_INKED_SHARE):
        return []
    points = _pixels(labels, stats, np.nonzero(parts)[0])
    tolerance = max(2.0, ON_RING_LETTERS * letter_px)
    radii = (MIN_RADIUS_LETTERS * letter_px, MAX_RADIUS_LETTERS * letter_px)
    rough = _ransac(points, tolerance, radii)
    if rough is None:
        return []
    cx, cy, radius = rough
    for _ in range(2):
        near = np.abs(np.hypot(points[:, 0] - cx, points[:, 1] - cy) - radius) < tolerance
        cx, cy, radius = _least_squares(points[near])
    distance = np.hypot(points[:, 0] - cx, points[:, 1] - cy)
    rings: list[tuple[Circle, float]] = []
    counts = np.bincount(np.round(distance).astype(np.int64))
    # The fitted radius first, then the most inked distances from the same centre.
    for candidate in [radius, *(float(r) for r in np.argsort(counts)[::-1][:40])]:
        low, high = (MIN_INNER_SHARE * radius, radius) if rings else radii
        if not low <= candidate <= high:
            continue
        if any(abs(candidate - r) < 3 * tolerance for (_, _, r), _ in rings):
            continue
        near = np.abs(distance - candidate) < tolerance
        if near.sum() < 2 * np.pi * candidate * MIN_INKED_SHARE:
            continue
        needed = MIN_SECTORS_INNER if rings else MIN_SECTORS
        if _sectors(points[near], cx, cy, candidate, tolerance) < needed:
            if not rings:
                return []
            continue
        offset = distance[near] - candidate
        middle = float(np.median(offset))
        half = float(np.percentile(np.abs(offset - middle), 95)) + 1.0
        rings.append(((cx, cy, candidate + middle), half))
    return rings


def _pixels(labels: Image, stats: Image, ids: NDArray[np.intp]) -> NDArray[np.float64]:
    """(x, y) of the pixels of these components, each looked for in its own box only."""
    found = []
    for label in ids:
        x, y, width, height = stats[label, :4]
        ys, xs = np.nonzero(labels[y : y + height, x : x + width] == label)
        found.append(np.column_stack([xs + x, ys + y]))
    return np.concatenate(found).astype(np.float64)


def _ransac(
    points: NDArray[np.float64], tolerance: float, radii: tuple[float, float]
) -> Circle | None:
    rng = np.random.default_rng(0)
    sample = points
    if len(points) > MAX_POINTS:
        sample = points[rng.choice(len(points), MAX_POINTS, replace=False)]
    best, best_count = None, 0
    for _ in range(TRIALS):
        circle = _through(sample[rng.choice(len(sample), 3, replace=False)])
        if circle is None or not radii[0] <= circle[2] <= radii[1]:
            continue
        cx, cy, radius = circle
        count = int((np.abs(np.hypot(sample[:, 0] - cx, sample[:, 1] - cy) - radius)
                     < tolerance).sum())
        if count > best_count:
            best, best_count = circle, count
    return best


def _through(three: NDArray[np.float64]) -> Circle | None:
    """The circle through three points (None when they are on a line)."""
    (ax, ay), (bx, by), (qx, qy) = three
    det = 2 * (ax * (by - qy) + bx * (qy - ay) + qx * (ay - by))
    if abs(det) < 1e-6:
        return None
    a2, b2, q2 = ax * ax + ay * ay, bx * bx + by * by, qx * qx + qy * qy
    cx = (a2 * (by - qy) + b2 * (qy - ay) + q2 * (ay - by)) / det
    cy = (a2 * (qx - bx) + b2 * (ax - qx) + q2 * (bx - ax)) / det
    return float(cx), float(cy), float(np.hypot(ax - cx, ay - cy))


def _least_squares(points: NDArray[np.float64]) -> Circle:
    """Algebraic circle fit (Kåsa): x² + y² = 2·cx·x + 2·cy·y + c."""
    x, y = points[:, 0], points[:, 1]
    solution, *_ = np.linalg.lstsq(
        np.column_stack([x, y, np.ones_like(x)]), x * x + y * y, rcond=None)
    cx, cy = solution[0] / 2, solution[1] / 2
    return float(cx), float(cy), float(np.sqrt(solution[2] + cx * cx + cy * cy))


def _sectors(
    points: NDArray[np.float64], cx: float, cy: float, radius: float, tolerance: float
) -> int:
    """Ten-degree sectors round (cx, cy) inked along the circle of `radius` by these points."""
    angle = np.degrees(np.arctan2(points[:, 1] - cy, points[:, 0] - cx)) % 360
    per_sector = np.bincount((angle // 10).astype(np.int64) % 36, minlength=36)
    arc = 2 * np.pi * radius / 36
    return int((per_sector >= SECTOR_MIN_STROKE * tolerance * arc).sum())


def _erased(grey: Image, binary: Image, rings: list[tuple[Circle, float]]) -> Image:
    """Ring pixels set to paper, unless ink runs on outside the stroke along the radius (a
    letter crossing the ring)."""
    out = grey.copy()
    paper = int(np.percentile(grey, 90))
    ys, xs = np.nonzero(binary)
    for (cx, cy, radius), half in rings:
        distance = np.hypot(xs - cx, ys - cy)
        on = (np.abs(distance - radius) <= half) & (distance > 0)
        x, y = xs[on], ys[on]
        ux, uy = (x - cx) / distance[on], (y - cy) / distance[on]
        step = half + 3
        free = ~_inked(binary, cx + ux * (radius + step), cy + uy * (radius + step)) & ~_inked(
            binary, cx + ux * (radius - step), cy + uy * (radius - step))
        out[y[free], x[free]] = paper
    return out


def _inked(binary: Image, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
    height, width = binary.shape
    qx = np.clip(np.round(x).astype(np.int64), 0, width - 1)
    qy = np.clip(np.round(y).astype(np.int64), 0, height - 1)
    return np.asarray(binary[qy, qx] > 0)
