"""Capture conditions beyond a flatbed scan: phone photos and worn photocopiers.

Each function takes a rendered greyscale (or RGB) page and a `random.Random` and returns the
degraded page; `samples.degrade` registers them as variants:

- `shadow`: a phone photo in room light: broad light gradient, vignetting and the soft shadow
  of the phone or a hand across part of the page;
- `copier`: a worn photocopier: toner gain (thick, dark strokes), toner dust on a grey
  background, drum streaks along the feed direction, dark page edges;
- `phone70`: a low-resolution phone photo (about 70 dpi of content): the page lies on a table,
  seen in perspective, with uneven light, slight motion blur, sensor noise and JPEG;
- `curl`: a hand-held phone photo of a sheet that does not lie flat (bent across like a
  cylinder, one edge curling up like a book page), at about 85-120 dpi of content, in
  perspective, with uneven light, blur, noise and JPEG: its text lines bend, more so towards
  the top and bottom, and their slope changes down the page.
"""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image

from samples.render import SEAL_KEY

PHONE_DPI = 72  # what phones write into the file, whatever the content resolution
CONTENT_DPI_KEY = "sohoa_content_dpi"  # Image.info: the real resolution of the page content


def _gen(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(1 << 31))


def _dpi(image: Image.Image) -> float:
    return float(image.info.get("dpi", (300, 300))[0])


def _as_float(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def _to_image(arr: np.ndarray, mode: str) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode)


def _broadcast(field: np.ndarray, arr: np.ndarray) -> np.ndarray:
    return field if arr.ndim == 2 else field[..., None]


def illumination_field(h: int, w: int, rng: random.Random, *, shadow: bool) -> np.ndarray:
    """Multiplicative light over the page, 1.0 = full light: a tilted plane (light from one
    side), vignetting around an off-centre point and, optionally, a soft-edged shadow.

    Light varies slowly, so it is computed on a grid 8x coarser and enlarged."""
    gh, gw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    u, v = xx / (gw - 1), yy / (gh - 1)
    angle = rng.uniform(0, 2 * np.pi)
    plane = (u - 0.5) * np.cos(angle) + (v - 0.5) * np.sin(angle)
    light = 1.0 - rng.uniform(0.12, 0.3) * (plane + 0.5)
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    r2 = (u - cx) ** 2 + (v - cy) ** 2
    light *= 1.0 - rng.uniform(0.1, 0.25) * np.clip(r2 / 0.5, 0, 1)
    if shadow:
        light *= _shadow_mask(u, v, rng, gw)
    return cv2.resize(light.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _shadow_mask(u: np.ndarray, v: np.ndarray, rng: random.Random, w: int) -> np.ndarray:
    """A straight-edged shadow entering from one side, its edge blurred like a penumbra."""
    side = rng.choice(("left", "right", "top", "bottom"))
    reach = rng.uniform(0.2, 0.45)  # how far into the page the shadow comes
    tilt = rng.uniform(-0.25, 0.25)
    coord = {"left": u + tilt * (v - 0.5), "right": 1 - u + tilt * (v - 0.5),
             "top": v + tilt * (u - 0.5), "bottom": 1 - v + tilt * (u - 0.5)}[side]
    inside = (coord < reach).astype(np.float32)
    sigma = w * rng.uniform(0.02, 0.05)
    soft = cv2.GaussianBlur(inside, (0, 0), sigmaX=sigma)
    depth = rng.uniform(0.35, 0.55)
    return 1.0 - depth * soft


def shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    """Phone photo in room light: the page darkens towards one side and under a shadow."""
    arr = _as_float(image)
    h, w = arr.shape[:2]
    paper = rng.uniform(228, 248)
    ink = rng.uniform(15, 40)
    toned = ink + arr / 255.0 * (paper - ink)
    lit = toned * _broadcast(illumination_field(h, w, rng, shadow=True), toned)
    noisy = lit + _gen(rng).normal(0.0, rng.uniform(2.5, 5.0), lit.shape)
    return _to_image(noisy, image.mode)


def _thicken(arr: np.ndarray, dpi: float, rng: random.Random) -> np.ndarray:
    """Toner gain: strokes grow by about 1-2 px at 300 dpi and their ink gets darker."""
    size = max(2, round(rng.uniform(2.0, 3.4) * dpi / 300))
    kernel = np.ones((size, size), np.uint8)
    grown = cv2.erode(arr.astype(np.uint8), kernel)  # erosion of white = growth of ink
    return np.where(grown < 150, grown * 0.4, grown).astype(np.float32)


def _streaks(h: int, w: int, rng: random.Random, gen: np.random.Generator,
             dpi: float) -> np.ndarray:
    """Additive darkening from drum scratches: thin lines along the feed (top to bottom),
    their strength wavering, plus one or two broad faint bands."""
    out = np.zeros((h, w), np.float32)
    k = dpi / 300
    for _ in range(rng.randrange(2, 6)):
        x = rng.randrange(0, w)
        width = max(1, round(rng.uniform(1, 5) * k))
        strength = rng.uniform(60, 140)
        waver = 0.6 + 0.4 * np.sin(np.linspace(0, rng.uniform(3, 12), h) + rng.uniform(0, 6))
        out[:, x:x + width] += (strength * waver)[:, None]
    for _ in range(rng.randrange(1, 3)):
        x = rng.randrange(0, w)
        width = max(3, round(rng.uniform(20, 60) * k))
        out[:, x:x + width] += rng.uniform(12, 30)
    out += gen.normal(0, 2.0, (1, w)).astype(np.float32) * 3  # fine banding across the drum
    return out


def _dark_edges(h: int, w: int, rng: random.Random, gen: np.random.Generator,
                dpi: float) -> np.ndarray:
    """Darkness falling off from the page borders (lid not closed, page smaller than glass),
    with a solid, ragged black band on one or two sides."""
    k = dpi / 300
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.minimum.reduce([xx, w - 1 - xx, yy, h - 1 - yy])
    reach = rng.uniform(40, 110) * k
    out = rng.uniform(50, 90) * np.clip(1 - dist / reach, 0, 1) ** 2
    for side in rng.sample(("top", "bottom", "left", "right"), rng.randrange(1, 3)):
        depth = rng.uniform(12, 45) * k
        n = w if side in ("top", "bottom") else h
        ragged = depth + gen.normal(0, 3 * k, n).cumsum() * 0.05 + gen.normal(0, 2 * k, n)
        ragged = np.clip(ragged, 0, depth * 2).astype(np.float32)
        if side == "top":
            mask = yy < ragged[None, :]
        elif side == "bottom":
            mask = (h - 1 - yy) < ragged[None, :]
        elif side == "left":
            mask = xx < ragged[:, None]
        else:
            mask = (w - 1 - xx) < ragged[:, None]
        out = np.where(mask, 230.0, out)
    return out.astype(np.float32)


def copier(image: Image.Image, rng: random.Random) -> Image.Image:
    """A worn photocopier: toner gain, toner dust, drum streaks, dark edges (greyscale)."""
    grey = image.convert("L")
    dpi = _dpi(image)
    gen = _gen(rng)
    arr = _thicken(_as_float(grey), dpi, rng)
    h, w = arr.shape
    background = rng.uniform(200, 228)
    arr = np.where(arr > 128, background, arr)
    dust = gen.random((h, w)) < rng.uniform(0.002, 0.006)
    dust = cv2.dilate(dust.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)
    arr = np.where(dust, arr - rng.uniform(70, 130), arr)
    arr = arr - _streaks(h, w, rng, gen, dpi) - _dark_edges(h, w, rng, gen, dpi)
    arr = arr + gen.normal(0, 5.0, arr.shape)
    arr = cv2.GaussianBlur(np.clip(arr, 0, 255), (0, 0), sigmaX=max(0.4, 0.6 * dpi / 300))
    out = _to_image(arr, "L")
    return out


def _perspective(arr: np.ndarray, rng: random.Random, table: float) -> np.ndarray:
    """The page lying on a table seen from above at a slant: corners moved by 2-6 %, the
    page shown inside a border of table."""
    h, w = arr.shape[:2]
    pad = round(0.06 * max(h, w))
    H, W = h + 2 * pad, w + 2 * pad
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    dst = []
    for x, y in ((0, 0), (w, 0), (w, h), (0, h)):
        dx = rng.uniform(0.0, 0.06) * w * (1 if x == 0 else -1)
        dy = rng.uniform(0.0, 0.05) * h * (1 if y == 0 else -1)
        dst.append([pad + x + dx, pad + y + dy])
    matrix = cv2.getPerspectiveTransform(src, np.array(dst, dtype=np.float32))
    border = (table, table, table) if arr.ndim == 3 else table
    return cv2.warpPerspective(arr, matrix, (W, H), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _bend(arr: np.ndarray, rng: random.Random, paper: float) -> np.ndarray:
    """The sheet lifted off the table, photographed from above: a point raised by z moves away
    from the camera's axis by z / (distance - z). The height is a cylinder across the page (the
    sheet bent) plus a curl rising towards one edge (a book page), so lines bow more the
    farther they are from the axis and their slope changes down the page."""
    h, w = arr.shape[:2]
    u = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    v = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    centre = rng.uniform(-0.3, 0.3)
    bent = rng.uniform(0.05, 0.09) * (1.0 - np.clip(np.abs(u - centre), 0.0, 1.3) ** 2)
    edge = rng.choice((-1.0, 1.0))
    curl_u = rng.uniform(0.02, 0.08) * np.clip(edge * u, 0.0, 1.0) ** 3
    curl_v = rng.uniform(0.0, 0.04) * np.clip(rng.choice((-1.0, 1.0)) * v, 0.0, 1.0) ** 2
    lift = (bent + curl_u + curl_v).astype(np.float32)  # z / camera distance, per pixel
    axis_x, axis_y = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    map_x = axis_x + (xs - axis_x) * (1.0 - lift)
    map_y = axis_y + (ys - axis_y) * (1.0 - lift)
    border = (paper, paper, paper) if arr.ndim == 3 else paper
    return cv2.remap(arr, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def curl(image: Image.Image, rng: random.Random) -> Image.Image:
    """A hand-held phone photo of a bent or curling sheet (about 85-120 dpi of content):
    curved lines, perspective, uneven light, blur, noise, JPEG."""
    mode = "RGB" if image.mode == "RGB" else "L"
    arr = _as_float(image.convert(mode))
    bent = _bend(arr, rng, paper=255.0)
    target = rng.uniform(85, 120)
    scale = target / _dpi(image)
    small = np.asarray(cv2.resize(bent, (round(bent.shape[1] * scale),
                                         round(bent.shape[0] * scale)),
                                  interpolation=cv2.INTER_AREA), dtype=np.float32)
    paper, ink = rng.uniform(190, 235), rng.uniform(25, 70)
    toned = ink + small / 255.0 * (paper - ink)
    warped = _perspective(toned, rng, table=rng.uniform(50, 130))
    h, w = warped.shape[:2]
    lit = warped * _broadcast(illumination_field(h, w, rng, shadow=rng.random() < 0.4), warped)
    lit = cv2.GaussianBlur(lit, (0, 0), sigmaX=rng.uniform(0.4, 0.7))
    lit = lit + _gen(rng).normal(0, rng.uniform(2.0, 5.0), lit.shape)
    return _phone_jpeg(lit, mode, rng.randrange(60, 86), target)


def phone70(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo with about 70 dpi of content: perspective, uneven light, blur, JPEG
    (greyscale, or colour when the page carries a red seal)."""
    mode = "RGB" if image.mode == "RGB" else "L"  # a stamped (colour) page stays colour
    arr = _as_float(image.convert(mode))
    dpi = _dpi(image)
    target = rng.uniform(62, 78)
    # Shrink first (cheap), then warp and light at the final size.
    scale = target / dpi
    small = np.asarray(cv2.resize(arr, (round(arr.shape[1] * scale), round(arr.shape[0] * scale)),
                                  interpolation=cv2.INTER_AREA), dtype=np.float32)
    paper, ink = rng.uniform(200, 235), rng.uniform(25, 60)
    toned = ink + small / 255.0 * (paper - ink)
    warped = _perspective(toned, rng, table=rng.uniform(60, 120))
    h, w = warped.shape[:2]
    lit = warped * _broadcast(illumination_field(h, w, rng, shadow=rng.random() < 0.5), warped)
    length = rng.choice((1, 2, 3))  # hand shake: a short motion blur in a random direction
    if length > 1:
        kernel = np.zeros((length, length), np.float32)
        if rng.random() < 0.5:
            kernel[length // 2, :] = 1
        else:
            kernel[:, length // 2] = 1
        lit = cv2.filter2D(lit, -1, kernel / kernel.sum())
    lit = cv2.GaussianBlur(lit, (0, 0), sigmaX=rng.uniform(0.35, 0.6))
    lit = lit + _gen(rng).normal(0, rng.uniform(3.0, 6.0), lit.shape)
    return _phone_jpeg(lit, mode, rng.randrange(55, 76), target)


def _phone_jpeg(lit: np.ndarray, mode: str, quality: int, content_dpi: float) -> Image.Image:
    """The phone's JPEG: the file says PHONE_DPI, the page keeps what its content stands for."""
    buf = io.BytesIO()
    _to_image(lit, mode).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    out = Image.open(buf).copy()
    out.info["dpi"] = (PHONE_DPI, PHONE_DPI)
    out.info[CONTENT_DPI_KEY] = round(content_dpi, 1)
    out.info[SEAL_KEY] = None  # the page moved: a later "seal" must not stamp the old place
    return out
