"""Small synthetic Vietnamese pages for the ocr tests (rendered, no files in the repo)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
BOLD = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # not a held-out generator font

LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Quảng Trị, ngày 05 tháng 3 năm 2024",
    "QUYẾT ĐỊNH",
    "Về việc cấp giấy chứng nhận quyền sử dụng đất",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường huyện,",
    "Điều 1. Đổi tên đường phố theo danh sách đính kèm quyết định này.",
    "Điều 2. Chánh Văn phòng, thủ trưởng các cơ quan chịu trách nhiệm thi hành.",
    "Nơi nhận: như Điều 2; lưu văn thư, hồ sơ lưu trữ của ủy ban nhân dân.",
]


def render_page(
    lines: list[str] = LINES,
    *,
    dpi: int = 300,
    size_pt: float = 13.0,
    width_in: float = 8.27,
    height_in: float = 5.5,
    font_file: Path = FONT,
) -> np.ndarray:
    """Grey page (uint8) with the lines in Liberation Serif (Times metrics) or `font_file`."""
    w, h = int(width_in * dpi), int(height_in * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(font_file), int(size_pt * dpi / 72))
    y = int(0.6 * dpi)
    for line in lines:
        draw.text((int(0.8 * dpi), y), line, font=font, fill=0)
        y += int(size_pt * 1.8 * dpi / 72)
    return np.asarray(img, dtype=np.uint8).copy()


def render_table(
    rows: Sequence[tuple[str, ...]],
    *,
    dpi: int = 300,
    size_pt: float = 13.0,
    widths: tuple[int, ...] = (130, 700, 450, 560),
    row_h: int = 90,
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Grey page with a ruled table of `rows` (3 px rules, cells in Liberation Serif) under a
    line of text; also each row's band (top, bottom) in pixels."""
    w, h = int(8.27 * dpi), int(4.0 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), int(size_pt * dpi / 72))
    left, y0 = int(0.6 * dpi), int(0.5 * dpi) + 120
    draw.text((left, int(0.5 * dpi)), LINES[4], font=font, fill=0)
    cols = [left + sum(widths[:k]) for k in range(len(widths) + 1)]
    bands = []
    for r, cells in enumerate(rows):
        y = y0 + r * row_h
        bands.append((y, y + row_h))
        for c, text in enumerate(cells):
            draw.text((cols[c] + 18, y + 16), text, font=font, fill=0)
    for r in range(len(rows) + 1):
        draw.line([(cols[0], y0 + r * row_h), (cols[-1], y0 + r * row_h)], fill=0, width=3)
    for x in cols:
        draw.line([(x, y0), (x, y0 + len(rows) * row_h)], fill=0, width=3)
    return np.asarray(img, dtype=np.uint8).copy(), bands


def rotate(grey: np.ndarray, angle_deg: float) -> np.ndarray:
    h, w = grey.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def add_red_seal(grey: np.ndarray, *, centre: tuple[int, int], radius: int) -> np.ndarray:
    """BGR page with a red ring seal and red text-like strokes over the given centre."""
    bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    overlay = np.full_like(bgr, 255)  # the seal alone, on white
    red = (40, 30, 210)
    cv2.circle(overlay, centre, radius, red, thickness=max(6, radius // 12))
    cv2.circle(overlay, centre, int(radius * 0.75), red, thickness=max(3, radius // 30))
    cv2.drawMarker(overlay, centre, red, cv2.MARKER_STAR, int(radius * 0.6), thickness=8)
    for k in range(8):
        y = centre[1] - radius // 2 + k * radius // 8
        cv2.line(overlay, (centre[0] - radius // 2, y), (centre[0] + radius // 2, y), red, 5)
    # Ink multiplies: dark text stays dark under the seal.
    mixed = (bgr.astype(np.float32) * overlay.astype(np.float32) / 255.0).astype(np.uint8)
    return mixed


def add_grey_seal(
    grey: np.ndarray, *, centre: tuple[int, int], radius: int, ink: int = 140
) -> np.ndarray:
    """Grey page with a seal as a photocopy leaves it: outer and inner rings, a star, letters
    round the ring, all in one grey `ink`, multiplied over the page."""
    seal = Image.new("L", (grey.shape[1], grey.shape[0]), 255)
    draw = ImageDraw.Draw(seal)
    cx, cy = centre
    for r, width in ((radius, max(5, radius // 30)), (int(radius * 0.72), max(3, radius // 60))):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=ink, width=width)
    star = [(cx + (0.3 if k % 2 == 0 else 0.12) * radius * np.sin(k * np.pi / 5),
             cy - (0.3 if k % 2 == 0 else 0.12) * radius * np.cos(k * np.pi / 5))
            for k in range(10)]
    draw.polygon(star, fill=ink)
    font = ImageFont.truetype(str(FONT), int(radius * 0.16))
    for k, letter in enumerate("ABCDEFGHKLMNOPQRST"):
        angle = np.pi * (0.65 + k / 14)
        at = (cx + 0.86 * radius * np.cos(angle) - 10, cy + 0.86 * radius * np.sin(angle) - 12)
        draw.text(at, letter, font=font, fill=ink)
    mixed = grey.astype(np.float32) * np.asarray(seal, np.float32) / 255.0
    return mixed.astype(np.uint8)


def save_png(image: np.ndarray, path: Path, dpi: int = 300) -> Path:
    arr = image if image.ndim == 2 else image[..., ::-1]
    Image.fromarray(arr).save(path, dpi=(dpi, dpi))
    return path


def cer(truth: str, text: str) -> float:
    """Character error rate with whitespace normalised (Levenshtein / len(truth))."""
    a, b = " ".join(truth.split()), " ".join(text.split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(1, len(a))
