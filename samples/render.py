"""Rasterise a laid-out DocSpec with Pillow (greyscale, white paper, black toner)."""

from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

from samples.layout import BASE_DPI, PageLayout, font, layout
from samples.specs import DocSpec

INK = 18
SEAL_KEY = "sohoa_seal"  # Image.info key: (cx, cy, radius) in pixels, for the seal variant
SEAL_TEXT_KEY = "sohoa_seal_text"


def render_pages(spec: DocSpec, *, dpi: int = 300) -> list[Image.Image]:
    """Render every page of `spec` as a greyscale A4 image at `dpi`."""
    return [render_page(page, spec, dpi=dpi, index=i) for i, page in enumerate(layout(spec))]


def render_page(page: PageLayout, spec: DocSpec, *, dpi: int, index: int) -> Image.Image:
    k = dpi / BASE_DPI
    img = Image.new("L", (round(page.width * k), round(page.height * k)), 255)
    draw = ImageDraw.Draw(img)
    for line in page.lines:
        for run in line.runs:
            f = font(spec.style.family, run.style, max(1, round(run.size * k)))
            draw.text((run.x * k, run.y * k), run.text, font=f, fill=INK, anchor="ls")
    for rule in page.rules:
        draw.line([(rule.x0 * k, rule.y * k), (rule.x1 * k, rule.y * k)], fill=INK,
                  width=max(1, round(rule.width * k)))
    if page.signature:
        draw_signature(draw, page.signature, k, random.Random(spec.style.signature_seed + index))
    if page.cosignature:
        draw_signature(draw, page.cosignature, k, random.Random(spec.style.signature_seed - 1))
    img.info["dpi"] = (dpi, dpi)
    img.info[SEAL_KEY] = None  # no signer block on this page: the seal variant leaves it alone
    if page.seal:
        cx, cy, r = page.seal
        img.info[SEAL_KEY] = (round(cx * k), round(cy * k), round(r * k))
        img.info[SEAL_TEXT_KEY] = spec.seal_text
    return img


def draw_signature(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], k: float,
                   rng: random.Random) -> None:
    """A handwritten-looking scribble: a few smooth strokes inside the signature box."""
    x, y, w, h = box
    width = max(1, round(rng.uniform(3, 5) * k))
    for _stroke in range(rng.randrange(1, 3)):
        pts = []
        cx, cy = x + w * rng.uniform(0.05, 0.3), y + h * rng.uniform(0.35, 0.7)
        phase = rng.uniform(0, math.tau)
        for i in range(60):
            t = i / 59
            px = cx + w * 0.7 * t + math.sin(t * 9 + phase) * w * 0.06
            py = cy + math.sin(t * rng.uniform(8, 14) + phase) * h * 0.22 * (1 - t * 0.5)
            pts.append((px * k, py * k))
        draw.line(pts, fill=INK + rng.randrange(0, 40), width=width, joint="curve")
    tail_y = (y + h * rng.uniform(0.6, 0.8)) * k
    draw.line([(x * k + w * 0.1 * k, tail_y), (x * k + w * 0.95 * k, tail_y - h * 0.15 * k)],
              fill=INK + 20, width=width)
