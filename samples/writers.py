"""File formats for sample pages: PNG/JPEG per page, multi-page TIFF, image-only and text PDFs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from PIL import Image

from samples.layout import BASE_DPI, layout
from samples.specs import FONT_FAMILIES, DocSpec

EXT = {"png": "png", "jpeg": "jpg", "tiff": "tiff", "pdf": "pdf"}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # keeps generated PDFs byte-reproducible


def _dpi(page: Image.Image) -> int:
    return round(float(page.info.get("dpi", (BASE_DPI, BASE_DPI))[0]))


def save_image(page: Image.Image, path: Path, *, quality: int = 88,
               optimize: bool = False) -> Path:
    """PNG or JPEG by suffix; `optimize` squeezes PNGs ~10 % at several times the CPU."""
    dpi = _dpi(page)
    if path.suffix == ".png":
        page.save(path, "PNG", dpi=(dpi, dpi), optimize=optimize)
    else:
        page.convert("RGB" if page.mode == "RGB" else "L").save(
            path, "JPEG", quality=quality, dpi=(dpi, dpi))
    return path


def image_pdf_bytes(pages: Sequence[Image.Image], *, quality: int = 80) -> bytes:
    """An image-only PDF (JPEG pages, no text layer) as a scanner would write it."""
    pdf = pikepdf.new()
    for page in pages:
        dpi = _dpi(page)
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=quality)
        w_pt, h_pt = page.width * 72 / dpi, page.height * 72 / dpi
        image = pikepdf.Stream(pdf, buf.getvalue())
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = page.width, page.height, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB if page.mode == "RGB" else pikepdf.Name.DeviceGray
        image.Filter = pikepdf.Name.DCTDecode
        content = pikepdf.Stream(pdf, f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode())
        pdf_page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, round(w_pt, 2), round(h_pt, 2)],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=content)
        pdf.pages.append(pikepdf.Page(pdf_page))
    out = io.BytesIO()
    pdf.save(out, static_id=True)
    return out.getvalue()


def write_pages(pages: Sequence[Image.Image], out_dir: Path, name: str, fmt: str) -> list[Path]:
    ext = EXT[fmt]
    if fmt == "pdf":
        path = out_dir / f"{name}.pdf"
        path.write_bytes(image_pdf_bytes(pages))
        return [path]
    if fmt == "tiff":
        path = out_dir / f"{name}.tiff"
        dpi = _dpi(pages[0])
        pages[0].save(path, "TIFF", save_all=True, append_images=list(pages[1:]),
                      compression="tiff_adobe_deflate", dpi=(dpi, dpi))
        return [path]
    if len(pages) == 1:
        return [save_image(pages[0], out_dir / f"{name}.{ext}")]
    return [save_image(p, out_dir / f"{name}-p{i}.{ext}") for i, p in enumerate(pages, 1)]


def text_pdf_bytes(spec: DocSpec) -> bytes:
    """A born-digital PDF with a real text layer, laid out exactly like the rendered scan."""
    from fpdf import FPDF

    family = spec.style.family
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_auto_page_break(False)
    pdf.set_title(" ".join(spec.title_lines) or spec.doc_type)
    for style, path in zip(("", "B", "I", "BI"), FONT_FAMILIES[family], strict=True):
        pdf.add_font("doc", style, path)
    style_map = {"r": "", "b": "B", "i": "I", "bi": "BI"}
    to_mm = 25.4 / BASE_DPI
    for page in layout(spec):
        pdf.add_page()
        for line in page.lines:
            for run in line.runs:
                pdf.set_font("doc", style_map[run.style], run.size * 72 / BASE_DPI)
                pdf.text(run.x * to_mm, run.y * to_mm, run.text)
        for rule in page.rules:
            pdf.set_line_width(rule.width * to_mm)
            pdf.line(rule.x0 * to_mm, rule.y * to_mm, rule.x1 * to_mm, rule.y * to_mm)
    return bytes(pdf.output())


def encrypt_pdf(pdf_bytes: bytes, *, owner: str, user: str) -> bytes:
    """Encrypt with RC4-128 (R3): byte-reproducible with a static id (AES IVs are random)."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        out = io.BytesIO()
        allow = pikepdf.Permissions(extract=False, modify_other=False)
        enc = pikepdf.Encryption(owner=owner, user=user, R=3, aes=False, metadata=False,
                                 allow=allow)
        pdf.save(out, static_id=True, encryption=enc)
        return out.getvalue()
