"""Streaming page sources: one page image at a time from images, TIFFs and PDFs.

Memory per page is bounded: an image larger than `MAX_PIXELS` is decoded reduced (JPEG: the
decoder scales by 1/2..1/8 as it decodes; PNG and TIFF: OpenCV's reduced decode, one grey or
colour plane at full size at most), and a PDF page is rendered at a dpi that fits the budget.
The OCR step works at about 16 megapixels anyway, so nothing it reads is lost.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image as PilImage
from PIL import ImageOps, ImageSequence

from ocr.errors import CORRUPT_IMAGE, CORRUPT_PDF, ENCRYPTED_PDF, UNSUPPORTED_KIND, OcrError
from ocr.pdfium_guard import PDFIUM
from ocr.preprocess import Image

IMAGE_KINDS = ("png", "jpeg", "tiff")
DEFAULT_DPI = 300
MIN_RENDER_DPI = 100
# A page image larger than this is decoded reduced (images) or rendered at a lower dpi (PDF):
# an A4 page at 600 dpi is 35 MP; the OCR step itself works at 16 MP at most.
MAX_PIXELS = 40_000_000
_REDUCED_COLOR = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                  8: cv2.IMREAD_REDUCED_COLOR_8}
_REDUCED_GREY = {2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


@dataclass(frozen=True)
class RasterPage:
    index: int
    image: Image  # BGR (H, W, 3) or grey (H, W)
    dpi: int
    # False when the file states no usable resolution and `dpi` is DEFAULT_DPI: the page's size
    # in the output PDF then follows from its letters (`ocr.process.page_dpi`).
    dpi_known: bool = True


def check_kind(kind: str) -> None:
    if kind not in (*IMAGE_KINDS, "pdf"):
        raise OcrError(
            UNSUPPORTED_KIND, f"File type '{kind}' cannot be OCR'd: send PDF, PNG, JPEG or TIFF."
        )


def _stated_dpi(frame: PilImage.Image) -> int:
    """The resolution the file states, 0 when it states none or nonsense (72 dpi from
    screenshots and phones, 1 dpi from some scanners)."""
    dpi = frame.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if 100 <= value <= 1200 else 0


def image_dpi(frame: PilImage.Image) -> int:
    return _stated_dpi(frame) or DEFAULT_DPI


def dpi_stated(frame: PilImage.Image) -> bool:
    """Whether the file states a usable resolution (`image_dpi` did not fall back)."""
    return _stated_dpi(frame) > 0


def pil_to_array(frame: PilImage.Image) -> Image:
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        # Transparent pixels are paper, not black.
        rgba = frame.convert("RGBA")
        white = PilImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = PilImage.alpha_composite(white, rgba).convert("RGB")
    if frame.mode.startswith("I;16") or frame.mode in ("I", "F"):
        # 16-bit scans: PIL's convert("L") clips instead of scaling.
        deep = np.asarray(frame, dtype=np.float64)
        top = 65535.0 if deep.max() > 255 else 255.0
        return np.clip(deep * (255.0 / top), 0, 255).astype(np.uint8)
    if frame.mode in ("1", "L"):
        return np.asarray(frame.convert("L"), dtype=np.uint8).copy()
    rgb = np.asarray(frame.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[..., ::-1])


@contextlib.contextmanager
def quiet_large_images() -> Iterator[None]:
    """PIL warns ("DecompressionBombWarning") about any image over 89 megapixels; such images
    are decoded reduced here, so the warning would only alarm the clerk. (Images over twice
    that are still refused by PIL and quarantined with advice by triage.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PilImage.DecompressionBombWarning)
        yield


def reduction_for(width: int, height: int, max_pixels: int = MAX_PIXELS) -> int:
    """The smallest decoding reduction (1, 2, 4 or 8) that brings the image within budget."""
    for factor in (1, 2, 4, 8):
        if width * height / (factor * factor) <= max_pixels:
            return factor
    return 8


def read_reduced(path: Path, factor: int, *, grey: bool) -> Image | None:
    """The image decoded at 1/`factor` of its size (factor 2, 4 or 8), grey or BGR; None when
    the decoder cannot read it (damaged, truncated). JPEG is reduced while decoding; PNG and
    TIFF are decoded one plane at full size, then reduced."""
    flags = (_REDUCED_GREY if grey else _REDUCED_COLOR)[factor]
    image = cv2.imread(str(path), flags)
    return None if image is None or image.size == 0 else np.ascontiguousarray(image)


def _reduced_page(path: Path, img: PilImage.Image) -> RasterPage | None:
    """A single-frame image over the budget, decoded reduced, with its dpi scaled to match;
    None when it is within budget (or has frames: TIFF pages are read one by one by PIL)."""
    factor = reduction_for(*img.size)
    if factor == 1 or getattr(img, "n_frames", 1) > 1:
        return None
    grey = img.mode in ("1", "L", "LA", "I", "F") or img.mode.startswith("I;16")
    image = read_reduced(path, factor, grey=grey)
    if image is None:
        raise OcrError(CORRUPT_IMAGE, f"The image {path.name} cannot be decoded: rescan the page.")
    # The same inches at fewer pixels: the dpi shrinks with the image (OpenCV applies the EXIF
    # orientation itself, as the full decode below does, so compare the long sides).
    scale = max(image.shape[:2]) / max(img.size)
    dpi = max(1, round(image_dpi(img) * scale))
    return RasterPage(index=0, image=image, dpi=dpi, dpi_known=dpi_stated(img))


def iter_image_pages(path: Path) -> Iterator[RasterPage]:
    try:
        with quiet_large_images(), PilImage.open(path) as img:
            reduced = _reduced_page(path, img)
            if reduced is not None:
                yield reduced
                return
            for index, frame in enumerate(ImageSequence.Iterator(img)):
                dpi = image_dpi(frame)
                upright = ImageOps.exif_transpose(frame) if index == 0 else frame
                yield RasterPage(index=index, image=pil_to_array(upright), dpi=dpi,
                                 dpi_known=dpi_stated(frame))
    except OcrError:
        raise
    except (OSError, ValueError, SyntaxError, PilImage.DecompressionBombError) as e:
        raise OcrError(
            CORRUPT_IMAGE, f"The image {path.name} cannot be read ({e}): rescan the page."
        ) from e


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """The document, opened holding `PDFIUM` (the caller holds it again to use or close it)."""
    try:
        with PDFIUM:
            return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise OcrError(
                ENCRYPTED_PDF,
                f"{path.name} is password-protected: remove the password "
                "(qpdf --decrypt) and resubmit.",
            ) from e
        raise OcrError(CORRUPT_PDF, f"{path.name} is not a readable PDF ({e}): rescan it.") from e


@dataclass(frozen=True)
class ScanInfo:
    dpi: int
    grey: bool  # a grey or black-and-white scan: render one channel, not three


def scan_info(page: pdfium.PdfPage) -> ScanInfo | None:
    """The scan behind a page that is one full-page image (a scanner's PDF), else None."""
    with PDFIUM:
        return _scan_info(page)


def _scan_info(page: pdfium.PdfPage) -> ScanInfo | None:
    w_pt, h_pt = page.get_size()
    images = list(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    if len(images) != 1:
        return None
    image = images[0]
    left, bottom, right, top = image.get_bounds()
    if (right - left) * (top - bottom) < 0.85 * w_pt * h_pt:
        return None
    px_w, px_h = image.get_px_size()
    # Either orientation: a landscape scan may be placed rotated on a portrait page.
    dpi = round(max(px_w, px_h) / (max(right - left, top - bottom) / 72.0))
    if dpi <= 0:
        return None
    try:
        meta = image.get_metadata()
        grey = meta.colorspace == pdfium_c.FPDF_COLORSPACE_DEVICEGRAY or meta.bits_per_pixel == 1
    except pdfium.PdfiumError:
        grey = False
    return ScanInfo(dpi=dpi, grey=grey)


def render_page(page: pdfium.PdfPage, index: int, dpi: int) -> RasterPage:
    """Rasterise at `dpi`, or at the scan's own lower resolution (no invented pixels: the
    OCR step resamples low-resolution scans itself, and the output page stays true); grey
    scans are rendered grey (a third of the memory, no colour to keep)."""
    scan = scan_info(page)
    if scan is not None and MIN_RENDER_DPI <= scan.dpi < dpi:
        dpi = scan.dpi
    w_pt, h_pt = page.get_size()
    pixels = (w_pt * dpi / 72.0) * (h_pt * dpi / 72.0)
    if pixels > MAX_PIXELS:
        dpi = int(dpi * (MAX_PIXELS / pixels) ** 0.5)
    grey = scan is not None and scan.grey
    bitmap = page.render(scale=dpi / 72.0, fill_color=(255, 255, 255, 255), grayscale=grey)
    try:
        array = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()
    if array.ndim == 3 and array.shape[2] == 4:
        array = np.ascontiguousarray(array[..., :3])
    if array.ndim == 3 and array.shape[2] == 1:
        array = np.ascontiguousarray(array[..., 0])
    return RasterPage(index=index, image=array, dpi=dpi)


def page_count(path: Path, *, kind: str) -> int:
    """Number of pages of an image, multi-page TIFF or PDF (OcrError when unreadable)."""
    check_kind(kind)
    if kind == "pdf":
        doc = open_pdf(path)
        with PDFIUM:
            try:
                return len(doc)
            finally:
                doc.close()
    try:
        with quiet_large_images(), PilImage.open(path) as img:
            return int(getattr(img, "n_frames", 1))
    except (OSError, ValueError, SyntaxError, PilImage.DecompressionBombError) as e:
        raise OcrError(
            CORRUPT_IMAGE, f"The image {path.name} cannot be read ({e}): rescan the page."
        ) from e
