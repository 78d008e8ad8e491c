"""Capture damage for held-out pages, written independently of `samples/degrade.py`.

Every function maps a 300-dpi page (greyscale, or RGB when a seal is stamped) and a seeded
`numpy.random.Generator` to the captured page and the dpi written into the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

ROTATION_KEY = "heldout_rotation"  # Image.info: degrees the content was turned clockwise
Damage = Callable[[Image.Image, np.random.Generator], tuple[Image.Image, int]]


def _arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def _img(arr: np.ndarray, mode: str) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), mode)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=2)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out


def clean(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    return page.copy(), 300


def dpi200(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """A 200-dpi scan: area-averaged to 2/3, a faint sensor noise."""
    arr = _arr(page)
    small = cv2.resize(arr, (page.width * 2 // 3, page.height * 2 // 3),
                       interpolation=cv2.INTER_AREA)
    return _img(small + g.normal(0, 2.0, small.shape), page.mode), 200


def jpeg35(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    return _jpeg(page, 35), 300


def blur(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """Out of focus: a disc kernel (defocus) of radius 2-3 px, then light noise."""
    radius = int(g.integers(2, 4))
    k = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    cv2.circle(k, (radius, radius), radius, 1.0, -1)
    arr = cv2.filter2D(_arr(page), -1, k / k.sum())
    return _img(arr + g.normal(0, 3.0, arr.shape), page.mode), 300


def skew(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """Fed at an angle: 0.8-4 degrees either way, white where the glass shows."""
    angle = float(g.uniform(0.8, 4.0) * g.choice((-1, 1)))
    arr = _arr(page)
    h, w = arr.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (255, 255, 255) if arr.ndim == 3 else 255
    out = cv2.warpAffine(arr, m, (w, h), flags=cv2.INTER_CUBIC,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return _img(out, page.mode), 300


def photocopy(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """A copy of a copy: ink spread and hardened, a grey mottled ground, a dark margin where
    the lid did not close, a pale band where the toner ran short."""
    grey = _arr(page.convert("L"))
    h, w = grey.shape
    ink = 255 - grey
    ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    ink = np.clip((ink - 40) * 1.6, 0, 255)
    mottle = cv2.resize(g.normal(0, 1, (h // 40 + 1, w // 40 + 1)).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_CUBIC)
    ground = float(g.uniform(195, 225)) + 10 * mottle + g.normal(0, 6, (h, w))
    out = ground - ink * (ground / 255)
    band_x = int(g.integers(w // 5, 4 * w // 5))
    band = np.exp(-(((np.arange(w) - band_x) / (w * 0.04)) ** 2)).astype(np.float32)
    out = out + band[None, :] * (255 - out) * 0.45
    side = int(g.integers(0, 4))
    depth = int(g.integers(60, 160))
    ramp = np.linspace(1.0, 0.0, depth, dtype=np.float32) ** 1.5
    shade = np.zeros((h, w), np.float32)
    if side == 0:
        shade[:, :depth] = ramp[None, :]
    elif side == 1:
        shade[:, w - depth:] = ramp[None, ::-1]
    elif side == 2:
        shade[:depth, :] = ramp[:, None]
    else:
        shade[h - depth:, :] = ramp[::-1, None]
    out = out * (1 - 0.85 * shade)
    specks = g.random((h, w)) < 0.0008
    out[specks] = g.uniform(0, 80, int(specks.sum()))
    return _img(out, "L"), 300


def _light(h: int, w: int, g: np.random.Generator) -> np.ndarray:
    """Lamp light: a bright spot somewhere above the page, falling off, one darker corner."""
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    cx, cy = g.uniform(-0.2, 1.2) * w, g.uniform(-0.3, 0.6) * h
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / np.hypot(h, w)
    field = 1.0 - g.uniform(0.35, 0.6) * np.clip(d, 0, 1) ** 1.3
    corner = np.exp(-(((xx - w * g.choice((0, 1))) ** 2 + (yy - h * g.choice((0, 1))) ** 2)
                      / (2 * (0.3 * w) ** 2)))
    field = field * (1 - g.uniform(0.2, 0.4) * corner)
    return cv2.resize(field.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def uneven(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """A phone picture under a lamp: warm paper, bright spot, dim corner (RGB)."""
    rgb = _arr(page.convert("RGB"))
    h, w = rgb.shape[:2]
    tint = np.array([1.0, g.uniform(0.93, 0.97), g.uniform(0.82, 0.9)], np.float32)
    out = rgb * tint * _light(h, w, g)[..., None]
    out = out + g.normal(0, 4.0, out.shape)
    return _jpeg(_img(out, "RGB"), int(g.integers(70, 90))), 300


def photo70(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """A 70-dpi phone photo: page on a desk in perspective, lamp light, phone sharpening,
    JPEG (RGB, 72 dpi in the file)."""
    rgb = _arr(page.convert("RGB"))
    scale = float(g.uniform(66, 74)) / 300
    h, w = round(rgb.shape[0] * scale), round(rgb.shape[1] * scale)
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    small = small * _light(h, w, g)[..., None]
    mx, my = round(w * 0.08), round(h * 0.06)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    jitter = g.uniform(0, 1, (4, 2)) * np.array([w * 0.05, h * 0.04])
    dst = np.array([[mx, my], [w + mx, my], [w + mx, h + my], [mx, h + my]], np.float32)
    dst = dst + (jitter * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])).astype(np.float32)
    desk = tuple(float(v) for v in g.uniform(40, 110, 3))
    out = cv2.warpPerspective(small, cv2.getPerspectiveTransform(src, dst),
                              (w + 2 * mx, h + 2 * my), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=desk)
    soft = cv2.GaussianBlur(out, (0, 0), 1.2)
    out = out + 0.6 * (out - soft)  # the phone's own sharpening halo
    out = out + g.normal(0, 3.5, out.shape)
    return _jpeg(_img(out, "RGB"), int(g.integers(60, 80))), 72


def rot90sparse(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """Sideways (either way); meant for the text-sparse signer page, see generate.py."""
    clockwise = bool(g.random() < 0.5)
    turned = page.transpose(Image.Transpose.ROTATE_270 if clockwise
                            else Image.Transpose.ROTATE_90)
    arr = _arr(turned)
    out = _img(arr + g.normal(0, 2.5, arr.shape), turned.mode)
    out.info[ROTATION_KEY] = 90 if clockwise else 270
    return out, 300


def curled(page: Image.Image, g: np.random.Generator) -> tuple[Image.Image, int]:
    """A hand-held phone photo of a page that does not lie flat: one edge (or both, as a page
    taken from a binder) lifted towards the camera, so that lines bow away from the middle and
    the lifted part is foreshortened and shaded; about 90-130 dpi of content, a small tilt,
    JPEG (RGB, 72 dpi in the file). Modelled as a pinhole camera over a cylinder-like sheet."""
    rgb = _arr(page.convert("RGB"))
    scale = float(g.uniform(90, 130)) / 300
    h, w = round(rgb.shape[0] * scale), round(rgb.shape[1] * scale)
    flat = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    # Height of the sheet over the desk along x (arc length u in 0..1), in page widths.
    u = np.linspace(0.0, 1.0, 4 * w)
    lift = float(g.uniform(0.06, 0.16))
    start = float(g.uniform(0.35, 0.6))
    side = g.choice(("left", "right", "both"))
    ramp_r = np.clip((u - start) / (1 - start), 0, 1) ** 2
    ramp_l = np.clip((1 - start - u) / (1 - start), 0, 1) ** 2
    z = lift * (ramp_r if side == "right" else ramp_l if side == "left"
                else 0.6 * (ramp_r + ramp_l))
    # Foreshortening: where the sheet rises, a unit of paper covers less desk.
    slope = np.gradient(z, u)
    x_desk = np.concatenate(([0.0], np.cumsum(np.diff(u) / np.sqrt(1 + slope[1:] ** 2))))
    distance = float(g.uniform(1.3, 1.8))  # camera height over the desk, in page widths
    magnify = distance / (distance - z)
    cx, cy = 0.5 * x_desk[-1] * w, 0.5 * h
    x_img = cx + (x_desk * w - cx) * magnify  # image column of each paper column u
    my, mx = round(0.07 * h), round(0.09 * w)
    out_w, out_h = w + 2 * mx, h + 2 * my
    cols = np.arange(out_w, dtype=np.float32) - mx
    u_of_col = np.interp(cols, x_img, u, left=-1.0, right=2.0)
    m_of_col = np.interp(cols, x_img, magnify)
    rows = np.arange(out_h, dtype=np.float32)[:, None] - my
    map_x = np.broadcast_to((u_of_col * (w - 1))[None, :], (out_h, out_w)).astype(np.float32)
    map_y = (cy + (rows - cy) / m_of_col[None, :]).astype(np.float32)
    desk = tuple(float(v) for v in g.uniform(35, 100, 3))
    out = cv2.remap(flat, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                    borderValue=desk)
    # Shading: paper turned away from the light is darker; a soft lamp gradient over it all.
    tilt = np.interp(cols, x_img, np.abs(slope))
    shade = 1.0 / np.sqrt(1 + (1.6 * tilt) ** 2)
    on_paper = (u_of_col >= 0) & (u_of_col <= 1)
    shade = np.where(on_paper, shade, 1.0).astype(np.float32)
    out = out * shade[None, :, None] * _light(out_h, out_w, g)[..., None]
    angle = float(g.uniform(-2.5, 2.5))
    turn = cv2.getRotationMatrix2D((out_w / 2, out_h / 2), angle, 1.0)
    out = cv2.warpAffine(out, turn, (out_w, out_h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=desk)
    soft = cv2.GaussianBlur(out, (0, 0), 1.0)
    out = out + 0.5 * (out - soft)
    out = out + g.normal(0, 3.0, out.shape)
    return _jpeg(_img(out, "RGB"), int(g.integers(65, 85))), 72


DAMAGES: dict[str, Damage] = {
    "clean": clean, "dpi200": dpi200, "jpeg35": jpeg35, "photocopy": photocopy,
    "uneven": uneven, "photo70": photo70, "rot90sparse": rot90sparse, "blur": blur,
    "skew": skew, "curled": curled,
}
