"""Triage: decide by content (magic bytes), not by extension, whether a file can be digitized.

Runs before any expensive work. A file that cannot be processed raises an `InputRejected` with a
code and a message telling the clerk what to do; the caller quarantines it and goes on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from ocr.pages import quiet_large_images, read_reduced, reduction_for
from ocr.pdfium_guard import PDFIUM
from pipeline.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    FileMissing,
    InputRejected,
    UnsupportedType,
)
from pipeline.i18n import _, ngettext

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
}
SUFFIXES = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif"}

# PIL refuses to open images over twice its bomb warning limit (about 179 megapixels): an A0
# sheet at 300 dpi is 139 MP, an A4 page at 300 dpi 8.7 MP. Beyond it we advise the clerk.
MAX_IMAGE_PIXELS = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)
_LARGE_PIXELS = 16_000_000  # above this, a JPEG is checked decoded at a reduced scale
# Blank-page test on a ~400-pixel thumbnail: pixels 40 grey levels darker than the paper,
# inside a 4 % margin (scanner edges and shadows). A single line of text gives ~0.4 %, scanner
# specks next to nothing.
_THUMBNAIL_PX = 400
_INK_STEP = 40
_BLANK_INK_FRACTION = 0.0005


@dataclass(frozen=True)
class TriagedFile:
    path: Path
    kind: str  # "pdf" | "png" | "jpeg" | "tiff"
    sha256: str
    size: int
    pages: int
    owner_password_only: bool = False  # encrypted PDF that opens without a password
    has_signatures: bool = False
    # How the clerk names the file when `path` is only a working copy (an S3 inbox file
    # fetched by a worker: its relative path in the batch); empty: the path itself.
    name: str = ""

    @property
    def original_name(self) -> str:
        return self.name or str(self.path)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.kind]


def sniff_kind(head: bytes) -> str | None:
    """The file kind from its first bytes; None when it is none we digitize."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in head[:1024]:  # some producers put junk before the header
        return "pdf"
    return None


def _known_other() -> tuple[tuple[bytes, str], ...]:
    return (
        (b"PK\x03\x04", _("it is a ZIP archive or an Office document such as .docx/.xlsx")),
        (b"\xd0\xcf\x11\xe0", _("it is an old Office document such as .doc/.xls")),
        (b"GIF8", _("it is a GIF image")),
        (b"BM", _("it is a BMP image")),
        (b"%!PS", _("it is a PostScript file")),
        (b"{\\rtf", _("it is an RTF document")),
    )


def describe_content(head: bytes) -> str:
    """What an unsupported file seems to be, in words a clerk understands."""
    for magic, words in _known_other():
        if head.startswith(magic):
            return words
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _("it is a WebP image")
    if head.lstrip()[:1] == b"<":
        return _("it is an HTML or XML file")
    try:
        head.decode("utf-8")
        return _("it is a plain text file")
    except UnicodeDecodeError:
        return _("unknown content starting with {bytes}").format(bytes=head[:8].hex(" "))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def triage(path: Path) -> TriagedFile:
    """Check that `path` is a readable scan; raise `InputRejected` subclasses otherwise."""
    if not path.is_file():
        raise FileMissing(_("{path}: not found or not a regular file; check the path.").format(
            path=path))
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(_("{path}: the file is empty (0 bytes); scan the document again.").format(
            path=path))
    with path.open("rb") as fh:
        head = fh.read(1024)
    kind = sniff_kind(head)
    if kind is None:
        raise UnsupportedType(
            _("{path}: not a PDF, PNG, JPEG or TIFF scan ({what}); export the scan as PDF or "
              "image and resubmit.").format(path=path, what=describe_content(head)))
    sha = file_sha256(path)
    if kind == "pdf":
        return _triage_pdf(path, sha, size)
    return _triage_image(path, kind, sha, size)


def _triage_pdf(path: Path, sha: str, size: int) -> TriagedFile:
    try:
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
            owner_only = pdf.is_encrypted
            has_signatures = _has_signature_fields(pdf)
    except pikepdf.PasswordError as e:
        raise EncryptedPdf(
            _("{path}: the PDF needs a password to open; remove it (qpdf --decrypt "
              "--password=… in.pdf out.pdf) or rescan, then resubmit.").format(path=path)
        ) from e
    except (pikepdf.PdfError, OSError, ValueError) as e:
        raise CorruptFile(
            _("{path}: the PDF is damaged and cannot be read ({error}); copy it again from the "
              "scanner or rescan it.").format(path=path, error=_short(e))
        ) from e
    if pages == 0:
        raise CorruptFile(_("{path}: the PDF has no pages; rescan the document.").format(
            path=path))
    _check_complete(path, pages)
    if _all_pdf_pages_blank(path):
        raise _blank_pages(path, pages)
    return TriagedFile(path, "pdf", sha, size, pages, owner_only, has_signatures)


def ink_fraction(image: Image.Image) -> float:
    """Share of a page's pixels that are markedly darker than its paper, on a thumbnail."""
    if image.mode not in ("L", "RGB"):  # bilevel, palette, 16-bit, CMYK scans
        image = image.convert("L")
    factor = max(1, max(image.size) // _THUMBNAIL_PX)
    small = image.reduce(factor) if factor > 1 else image
    gray = np.asarray(small.convert("L"), dtype=np.int16)
    height, width = gray.shape
    margin_y, margin_x = max(1, height // 25), max(1, width // 25)
    core = gray[margin_y:height - margin_y, margin_x:width - margin_x]
    if core.size == 0:
        return 0.0
    paper = np.percentile(core, 90)
    return float((core < paper - _INK_STEP).mean())


def is_blank(image: Image.Image) -> bool:
    return ink_fraction(image) < _BLANK_INK_FRACTION


def _all_pdf_pages_blank(path: Path) -> bool:
    """Rendered small; stops at the first page with ink, so a normal document costs one page."""
    with PDFIUM:
        document = pdfium.PdfDocument(str(path))
        try:
            return all(_page_blank(document[index]) for index in range(len(document)))
        finally:
            document.close()


def _page_blank(page: pdfium.PdfPage) -> bool:
    """The page rendered small is blank; the page is closed (the caller holds `PDFIUM`)."""
    try:
        width, height = page.get_size()
        bitmap = page.render(scale=_THUMBNAIL_PX / max(width, height, 1.0))
        try:
            return is_blank(bitmap.to_pil())  # the image shares the bitmap's memory
        finally:
            bitmap.close()
    finally:
        page.close()


def _blank_pages(path: Path, pages: int) -> InputRejected:
    what = ngettext("the page is blank", "all {pages} pages are blank", pages).format(
        pages=pages)
    return InputRejected(
        _("{path}: {what}; check that the document lay with its text towards the scanner "
          "glass (or that the right side was scanned) and scan it again.").format(
              path=path, what=what), code="BLANK_PAGES")


def _check_complete(path: Path, pages: int) -> None:
    """qpdf silently 'recovers' a cut-off PDF, possibly without some pages: refuse it instead.

    A complete PDF ends with %%EOF (tolerating trailing junk) and pdfium, which renders the
    pages for OCR, opens it with the same page count.
    """
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2048))
        tail = fh.read()
    problem = None
    if b"%%EOF" not in tail:
        problem = _("the file is cut off (no end-of-file marker)")
    else:
        try:
            with PDFIUM:
                document = pdfium.PdfDocument(str(path))
                try:
                    read = len(document)
                finally:
                    document.close()
            if read != pages:
                problem = _("only {read} of {pages} pages can be read").format(
                    read=read, pages=pages)
        except pdfium.PdfiumError as e:
            problem = _("the PDF structure is damaged ({error})").format(error=_short(e))
    if problem:
        raise CorruptFile(_("{path}: {problem}; copy it again from the scanner or rescan it.")
                          .format(path=path, problem=problem))


def _has_signature_fields(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is None:
        return False
    fields: Any = acroform.get("/Fields") or []
    return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields)


def _triage_image(path: Path, kind: str, sha: str, size: int) -> TriagedFile:
    try:
        with quiet_large_images(), Image.open(path) as image:
            pages = getattr(image, "n_frames", 1)
            if pages == 1 and kind != "jpeg" and image.width * image.height > _LARGE_PIXELS:
                blank = _large_image_blank(path, image)
            else:
                blank = _frames_blank(image, kind, pages)
    except Image.DecompressionBombError as e:
        raise _too_large(path, e) from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFile(
            _("{path}: the {kind} image is damaged and cannot be decoded ({error}); copy it "
              "again from the scanner or rescan it.").format(path=path, kind=kind.upper(),
                                                             error=_short(e))
        ) from e
    if blank:
        raise _blank_pages(path, pages)
    return TriagedFile(path, kind, sha, size, pages)


def _frames_blank(image: Image.Image, kind: str, pages: int) -> bool:
    blank = True
    for frame in range(pages):
        image.seek(frame)
        if kind == "jpeg" and image.width * image.height > _LARGE_PIXELS:
            # the JPEG decoder scales by 1/2..1/8 while decoding: the whole stream is
            # still read (truncation is caught) in a fraction of the memory
            image.draft("L", (image.width // 4, image.height // 4))
        image.load()  # decodes fully: catches truncated data that verify() misses
        blank = blank and is_blank(image)
    return blank


def _large_image_blank(path: Path, image: Image.Image) -> bool:
    """A large PNG or TIFF page, decoded grey and reduced (one byte a pixel at most, where PIL
    holds three): a 13000×13000 PNG takes ~200 MB instead of ~700 MB. The whole stream is
    still decoded, so a damaged or truncated file is caught."""
    if image.format == "PNG":
        with Image.open(path) as again:  # chunk checksums first: libpng would print its error
            again.verify()
    reduced = read_reduced(path, reduction_for(*image.size, _LARGE_PIXELS), grey=True)
    if reduced is None:
        raise OSError("the image data is damaged or cut short")
    return is_blank(Image.fromarray(reduced))


def _too_large(path: Path, error: Exception) -> InputRejected:
    """Advice instead of PIL's 'decompression bomb': what is accepted, how to rescan."""
    found = re.search(r"\((\d+) pixels\)", str(error))
    size = _(" ({megapixels:,.0f} megapixels)").format(
        megapixels=int(found.group(1)) / 1e6) if found else ""
    return InputRejected(
        _("{path}: the image is too large to digitize{size}; sohoa accepts images up to "
          "{limit:,.0f} megapixels. Scan paper documents at 300 dpi (an A4 page is then "
          "2480×3508 pixels, 9 megapixels); split a large sheet (a map, a drawing) into parts "
          "of at most A0 and scan them separately.").format(
              path=path, size=size, limit=MAX_IMAGE_PIXELS / 1e6), code="IMAGE_TOO_LARGE")


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
