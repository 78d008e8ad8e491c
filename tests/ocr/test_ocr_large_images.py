"""Huge scans are decoded within a memory bound: real generated images (13000×13000 PNG and JPEG,
30000×30000 PNG), each triaged and read in a fresh subprocess whose peak RSS is measured."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LIMIT_MB = 1024

_MEASURE = r"""
import json, sys
from pathlib import Path
from typing import Any
from pipeline.errors import InputRejected
from pipeline.i18n import set_language
from pipeline.triage import triage
set_language("en")  # the advice asserted below is the English text
path, mode, work = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
result = {}
try:
    triaged = triage(path)
except InputRejected as e:
    result.update(code=e.code, message=e.message)
else:
    if mode == "ocr":
        from ocr.document import ocr_file
        from ocr.types import OcrOptions
        ocr = ocr_file(path, kind=triaged.kind, options=OcrOptions(jobs=1), workdir=work)
        result.update(text=ocr.pages[0].text, width=ocr.pages[0].width, dpi=ocr.pages[0].dpi)
    elif triaged.kind == "pdf":
        from ocr.pages import open_pdf, render_page
        document = open_pdf(path)
        page = render_page(document[0], 0, 300)
        result.update(shape=list(page.image.shape), dpi=page.dpi)
    else:
        from ocr.pages import iter_image_pages
        page = next(iter_image_pages(path))
        result.update(shape=list(page.image.shape), dpi=page.dpi)
# VmHWM: this program's own peak (ru_maxrss would include the forking test process's)
status = Path("/proc/self/status").read_text()
result["peak_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(result, ensure_ascii=False))
"""


def _text_strip(width: int, lines: list[str], size: int) -> np.ndarray:
    """Black text lines on white, `width` wide: the band repeated down the huge page."""
    font = ImageFont.truetype(FONT, size)
    strip = Image.new("L", (width, size * 2 * len(lines)), 255)
    draw = ImageDraw.Draw(strip)
    for n, line in enumerate(lines):
        draw.text((width // 12, n * size * 2), line, fill=0, font=font)
    return np.asarray(strip)


def write_png(path: Path, side: int, *, rgb: bool, band: np.ndarray | None) -> None:
    """A real PNG written row by row (zlib streaming), so making a 900-megapixel image costs
    this test process a few megabytes, not the image."""
    channels = 3 if rgb else 1
    white = b"\x00" + b"\xff" * (side * channels)  # filter byte 0, then the row
    compressor = zlib.compressobj(6)
    chunks: list[bytes] = []
    band_rows = band.shape[0] if band is not None else 0
    top = side // 10
    for y in range(side):
        inside = band is not None and top <= y < top + band_rows
        if inside:
            assert band is not None
            row = band[y - top]
            raw = (np.repeat(row, channels) if rgb else row).tobytes()
            chunks.append(compressor.compress(b"\x00" + raw))
        else:
            chunks.append(compressor.compress(white))
    chunks.append(compressor.flush())
    data = b"".join(chunks)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 8, 2 if rgb else 0, 0, 0, 0)
    dpi = struct.pack(">IIB", 11811, 11811, 1)  # 300 dpi in pixels per metre
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"pHYs", dpi)
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def _measure(path: Path, mode: str, work: Path) -> tuple[dict[str, Any], str]:
    work.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path), mode, str(work)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


LINES = ["GIẤY XÁC NHẬN", "Số: 0123/GXN-UBND", "Cấp cho công dân Nguyễn Văn An"]


@pytest.mark.slow
def test_a_13000_pixel_png_is_read_reduced_within_a_gigabyte(tmp_path: Path) -> None:
    side = 13000
    png = tmp_path / "huge.png"
    write_png(png, side, rgb=True, band=_text_strip(side, LINES, 260))
    result, stderr = _measure(png, "ocr", tmp_path / "work")
    assert "DecompressionBomb" not in stderr and "Warning" not in stderr, stderr
    assert result["peak_mb"] < LIMIT_MB, result  # was 2.9 GB (PIL decode, full-size copies)
    assert result["dpi"] == 75  # 300 dpi at a quarter of the pixels: the same inches
    assert "XÁC NHẬN" in str(result["text"]).upper() or "0123" in str(result["text"]), result


def test_a_13000_pixel_jpeg_is_decoded_in_draft_mode(tmp_path: Path) -> None:
    side = 13000
    strip = Image.fromarray(_text_strip(side, LINES, 260)).convert("RGB")
    page = Image.new("RGB", (side, side), "white")  # ~500 MB here, not in the measured process
    page.paste(strip, (0, side // 10))
    jpeg = tmp_path / "huge.jpg"
    page.save(jpeg, quality=80, dpi=(300, 300))
    del page
    result, stderr = _measure(jpeg, "decode", tmp_path / "work")
    assert "DecompressionBomb" not in stderr, stderr
    assert result["peak_mb"] < 600, result
    assert max(result["shape"]) <= 6500, result


def test_a_13000_pixel_tiff_is_read_reduced(tmp_path: Path) -> None:
    side = 13000
    page = Image.new("L", (side, side), 255)  # ~170 MB here, not in the measured process
    page.paste(Image.fromarray(_text_strip(side, LINES, 260)), (0, side // 10))
    tiff = tmp_path / "huge.tif"
    page.save(tiff, compression="tiff_lzw", dpi=(300, 300))
    del page
    result, stderr = _measure(tiff, "decode", tmp_path / "work")
    assert "DecompressionBomb" not in stderr, stderr
    assert result["peak_mb"] < 600, result
    assert result["shape"] == [3250, 3250] and result["dpi"] == 75, result


def test_a_huge_pdf_page_is_rendered_within_the_pixel_budget(tmp_path: Path) -> None:
    """A 2000×2000 scan declared at 10 dpi: a 200-inch page, 3.6 gigapixels at 300 dpi."""
    scan = Image.new("L", (2000, 2000), 255)
    ImageDraw.Draw(scan).text((100, 100), "GIẤY XÁC NHẬN", fill=0,
                              font=ImageFont.truetype(FONT, 60))
    pdf = tmp_path / "poster.pdf"
    scan.save(pdf, resolution=10.0)
    result, stderr = _measure(pdf, "decode", tmp_path / "work")
    assert result["peak_mb"] < 600, result
    height, width = result["shape"][:2]
    assert height * width <= 40_000_000 and result["dpi"] < 300, result


def test_a_30000_pixel_png_is_quarantined_with_advice(tmp_path: Path) -> None:
    png = tmp_path / "map.png"
    write_png(png, 30000, rgb=False, band=None)
    result, stderr = _measure(png, "decode", tmp_path / "work")
    assert result["code"] == "IMAGE_TOO_LARGE", result
    message = str(result["message"])
    assert "900 megapixels" in message and "300 dpi" in message and "split" in message
    assert result["peak_mb"] < 300, result  # refused from its header, never decoded
    assert "DecompressionBomb" not in stderr, stderr
