"""Small one-page scans for batch tests: a few printed Vietnamese lines on a short page, each
file different (its number and a run token), so OCR is cheap and every file is its own
document."""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")
BROKEN = Path(__file__).resolve().parents[2] / "samples" / "broken"


def write_small_documents(folder: Path, count: int, *, token: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(str(FONT), 34)
    paths = []
    for number in range(1, count + 1):
        page = Image.new("L", (1500, 360), 255)
        draw = ImageDraw.Draw(page)
        lines = ["ỦY BAN NHÂN DÂN XÃ THỬ NGHIỆM",
                 f"GIẤY XÁC NHẬN số {number}/{token}",
                 f"Xác nhận hộ gia đình số {number} cư trú tại thôn Hòa Bình."]
        for row, line in enumerate(lines):
            draw.text((60, 50 + row * 90), line, font=font, fill=0)
        path = folder / f"giay-{number:03d}.png"
        page.save(path, dpi=(300, 300))
        paths.append(path)
    return paths


def copy_broken(folder: Path, names: tuple[str, ...] = ("corrupt.png", "empty.pdf")) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for name in names:
        copies.append(Path(shutil.copy2(BROKEN / name, folder / name)))
    return copies
