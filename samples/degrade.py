"""Scan degradations applied to a rendered page: skew, noise, JPEG, low dpi, seal, rotation ...

`degrade(image, "skew+noise_blur", rng)` applies several variants left to right.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from samples.capture import copier, curl, phone70, shadow
from samples.render import SEAL_KEY, SEAL_TEXT_KEY

VARIANTS: tuple[str, ...] = (
    "clean", "skew", "noise_blur", "jpeg", "dpi150", "dpi200", "speckle", "faded", "seal",
    "rot90", "rot180", "photocopy", "scan", "shadow", "copier", "phone70", "rot270", "curl",
)
SEAL_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SEAL_RED = (205, 30, 35)


def _grey(image: Image.Image) -> Image.Image:
    return image if image.mode in ("L", "RGB") else image.convert("L")


def _keep_info(src: Image.Image, dst: Image.Image) -> Image.Image:
    for key, value in src.info.items():
        dst.info.setdefault(key, value)
    return dst


def _dpi(image: Image.Image) -> int:
    return round(float(image.info.get("dpi", (300, 300))[0]))


def clean(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.copy()


def skew(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(1.0, 3.0) * rng.choice((-1, 1))
    fill = 255 if image.mode == "L" else (255, 255, 255)
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    out.info["sohoa_skew_deg"] = round(angle, 3)
    return out


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    arr = np.asarray(image, dtype=np.float32)
    gen = np.random.default_rng(rng.randrange(1 << 31))
    noisy = arr + gen.normal(0.0, sigma, arr.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), image.mode)


def noise_blur(image: Image.Image, rng: random.Random) -> Image.Image:
    blurred = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    return _noise(blurred, rng, rng.uniform(8.0, 16.0))


def jpeg(image: Image.Image, rng: random.Random) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=rng.randrange(30, 41))
    buf.seek(0)
    return Image.open(buf).copy()


def _resample(image: Image.Image, dpi: int) -> Image.Image:
    src = _dpi(image)
    size = (round(image.width * dpi / src), round(image.height * dpi / src))
    out = image.resize(size, Image.Resampling.LANCZOS)
    out.info["dpi"] = (dpi, dpi)
    if image.info.get(SEAL_KEY):
        out.info[SEAL_KEY] = tuple(round(v * dpi / src) for v in image.info[SEAL_KEY])
    return out


def dpi150(image: Image.Image, rng: random.Random) -> Image.Image:
    return _resample(image, 150)


def dpi200(image: Image.Image, rng: random.Random) -> Image.Image:
    return _resample(image, 200)


def speckle(image: Image.Image, rng: random.Random) -> Image.Image:
    """Salt-and-pepper dust: many 1-3 px dark dots, a few larger specks, some white holes."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    k = _dpi(image) / 300
    dark = 30 if out.mode == "L" else (30, 30, 30)
    light = 255 if out.mode == "L" else (255, 255, 255)
    for _ in range(rng.randrange(2500, 5000)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.6, 2.2) * k
        draw.ellipse((x - r, y - r, x + r, y + r), fill=dark)
    for _ in range(rng.randrange(20, 60)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 6) * k
        draw.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.7), fill=dark)
    for _ in range(rng.randrange(800, 1600)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.6, 1.5) * k
        draw.ellipse((x - r, y - r, x + r, y + r), fill=light)
    return out


def faded(image: Image.Image, rng: random.Random) -> Image.Image:
    """Low toner: ink becomes mid grey, paper slightly grey, with an uneven gradient."""
    arr = np.asarray(image, dtype=np.float32) / 255.0
    ink, paper = rng.uniform(105, 150), rng.uniform(215, 238)
    out = ink + arr * (paper - ink)
    h, w = out.shape[:2]
    ramp = np.linspace(0, rng.uniform(10, 30), w, dtype=np.float32)[None, :]
    if rng.random() < 0.5:
        ramp = ramp[:, ::-1]
    out = out + (ramp if out.ndim == 2 else ramp[..., None])
    out = np.clip(out, 0, 255).astype(np.uint8)
    return _noise(Image.fromarray(out, image.mode), rng, 3.0)


def photocopy(image: Image.Image, rng: random.Random) -> Image.Image:
    """Grey toner background, thickened strokes, dark ragged borders from the copier lid."""
    thick = image.filter(ImageFilter.MinFilter(3))
    arr = np.asarray(thick, dtype=np.float32)
    gen = np.random.default_rng(rng.randrange(1 << 31))
    bg = rng.uniform(185, 215)
    arr = (np.where(arr > 128, bg, arr * 0.5) + gen.normal(0, 9, arr.shape)).astype(np.float32)
    h, w = arr.shape[:2]
    k = _dpi(image) / 300
    for side in ("top", "bottom", "left", "right"):
        depth = int(rng.uniform(15, 70) * k)
        size = w if side in ("top", "bottom") else h
        jag = [int(v) for v in gen.integers(0, int(12 * k) + 1, size=(size,))]
        for i, d in enumerate(jag):
            n = max(0, depth + d - int(6 * k))
            if side == "top":
                arr[:n, i] = gen.uniform(10, 45)
            elif side == "bottom":
                arr[h - n:, i] = gen.uniform(10, 45)
            elif side == "left":
                arr[i, :n] = gen.uniform(10, 45)
            else:
                arr[i, w - n:] = gen.uniform(10, 45)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), image.mode)
    return out.filter(ImageFilter.GaussianBlur(0.5 * k))


def rot90(image: Image.Image, rng: random.Random) -> Image.Image:
    """The page was fed sideways: content rotated 90° clockwise (fix: rotate 90° back)."""
    return image.transpose(Image.Transpose.ROTATE_270)


def rot180(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.transpose(Image.Transpose.ROTATE_180)


def rot270(image: Image.Image, rng: random.Random) -> Image.Image:
    """Fed sideways the other way: content rotated 90° counter-clockwise."""
    return image.transpose(Image.Transpose.ROTATE_90)


def _find_signer_block(image: Image.Image) -> tuple[int, int, int]:
    """Fallback seal position: the lowest text cluster in the right half of the page."""
    arr = np.asarray(image.convert("L"))
    h, w = arr.shape
    rows = np.where((arr[:, w // 2:] < 128).sum(axis=1) > 3)[0]
    bottom = int(rows.max()) if rows.size else h * 2 // 3
    r = round(min(w, h) * 0.085)
    return round(w * 0.62), max(r, bottom - r), r


def seal_layer(size: tuple[int, int], cx: int, cy: int, r: int, text: str,
               rng: random.Random) -> Image.Image:
    """Alpha mask of a round agency seal: double ring, text around the ring, star in the centre."""
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, r // 28)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=ring * 2)
    inner = int(r * 0.68)
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=255, width=ring)
    chars = list(text.upper())
    # Slightly inside the band so accents above capitals do not merge into the outer ring.
    text_r = inner + (r - 2 * ring - inner) * 0.45
    # Letters sit about one font size apart along the ring, never more than 330 degrees:
    # long agency names get a smaller font, as on real seals.
    max_span = math.radians(330)
    font_px = max(6, min(int(r * 0.17), int(max_span * text_r / (len(chars) * 0.95))))
    f = ImageFont.truetype(SEAL_FONT, font_px)
    span = min(max_span, len(chars) * font_px * 0.95 / text_r)
    start = -math.pi / 2 - span / 2
    for i, ch in enumerate(chars):
        theta = start + span * (i + 0.5) / len(chars)
        # Canvas of 3 font sizes so stacked Vietnamese diacritics are not clipped.
        glyph = Image.new("L", (font_px * 3, font_px * 3), 0)
        ImageDraw.Draw(glyph).text((font_px * 1.5, font_px * 1.5), ch, font=f, fill=255,
                                   anchor="mm")
        glyph = glyph.rotate(math.degrees(-theta) - 90, resample=Image.Resampling.BICUBIC)
        gx = int(cx + text_r * math.cos(theta) - font_px * 1.5)
        gy = int(cy + text_r * math.sin(theta) - font_px * 1.5)
        mask.paste(255, (gx, gy), glyph)
    star = []
    for j in range(10):
        rad, ang = inner * (0.55 if j % 2 == 0 else 0.22), -math.pi / 2 + j * math.pi / 5
        star.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    draw.polygon(star, fill=255)
    # Uneven stamp ink: drop random pixels, soften the edges.
    arr = np.asarray(mask, dtype=np.float32)
    gen = np.random.default_rng(rng.randrange(1 << 31))
    arr *= gen.uniform(0.55, 1.0, arr.shape) * rng.uniform(0.7, 0.9)
    return Image.fromarray(arr.astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(1.0))


def seal(image: Image.Image, rng: random.Random) -> Image.Image:
    """A red agency seal stamped semi-transparently over the signer block (RGB output)."""
    if SEAL_KEY in image.info:
        if image.info[SEAL_KEY] is None:  # a rendered page without the signer block
            return image.convert("RGB")
        cx, cy, r = image.info[SEAL_KEY]
    else:
        cx, cy, r = _find_signer_block(image)
    text = str(image.info.get(SEAL_TEXT_KEY, "ỦY BAN NHÂN DÂN"))
    base = image.convert("RGB")
    mask = seal_layer(base.size, cx, cy, r, text, rng)
    red = Image.new("RGB", base.size, SEAL_RED)
    # Multiply-like blend: the stamp darkens the paper, black toner stays black.
    stamped = Image.composite(red, base, mask)
    arr = np.minimum(np.asarray(stamped), np.asarray(base))
    return Image.fromarray(arr, "RGB")


def scan(image: Image.Image, rng: random.Random) -> Image.Image:
    """A typical office scan: off-white paper, slight tilt, soft focus, light noise, JPEG."""
    angle = rng.uniform(0.15, 0.8) * rng.choice((-1, 1))
    fill = 255 if image.mode == "L" else (255, 255, 255)
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    arr = np.asarray(out, dtype=np.float32)
    paper, ink = rng.uniform(232, 248), rng.uniform(10, 40)
    toned = Image.fromarray((ink + arr / 255.0 * (paper - ink)).astype(np.uint8), out.mode)
    soft = _noise(toned.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.7))), rng,
                  rng.uniform(3.0, 6.0))
    buf = io.BytesIO()
    soft.save(buf, "JPEG", quality=rng.randrange(70, 86))
    buf.seek(0)
    result = Image.open(buf).copy()
    result.info["sohoa_skew_deg"] = round(angle, 3)
    return result


DEGRADATIONS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "clean": clean, "skew": skew, "noise_blur": noise_blur, "jpeg": jpeg, "dpi150": dpi150,
    "dpi200": dpi200, "speckle": speckle, "faded": faded, "seal": seal, "rot90": rot90,
    "rot180": rot180, "photocopy": photocopy, "scan": scan, "shadow": shadow, "copier": copier,
    "phone70": phone70, "rot270": rot270, "curl": curl,
}


def degrade(image: Image.Image, variant: str, rng: random.Random) -> Image.Image:
    """Apply `variant` (one of VARIANTS, or several joined with "+") to a rendered page."""
    out = _grey(image)
    for name in variant.split("+"):
        if name not in DEGRADATIONS:
            raise ValueError(f"unknown variant {name!r}; expected one of {', '.join(VARIANTS)}")
        out = _keep_info(out, DEGRADATIONS[name](out, rng))
    return out
