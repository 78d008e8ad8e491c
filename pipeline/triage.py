"""Triage: decide by content (magic bytes), not by extension, whether a file can be digitized.

Runs before any expensive work. A file that cannot be processed raises an `InputRejected` with a
code and a message telling the clerk what to do; the caller quarantines it and goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from pipeline.errors import CorruptFile, EmptyFile, EncryptedPdf, FileMissing, UnsupportedType

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
}
SUFFIXES = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif"}


@dataclass(frozen=True)
class TriagedFile:
    path: Path
    kind: str  # "pdf" | "png" | "jpeg" | "tiff"
    sha256: str
    size: int
    pages: int
    owner_password_only: bool = False  # encrypted PDF that opens without a password
    has_signatures: bool = False

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


_KNOWN_OTHER = (
    (b"PK\x03\x04", "it is a ZIP archive or an Office document such as .docx/.xlsx"),
    (b"\xd0\xcf\x11\xe0", "it is an old Office document such as .doc/.xls"),
    (b"GIF8", "it is a GIF image"),
    (b"BM", "it is a BMP image"),
    (b"%!PS", "it is a PostScript file"),
    (b"{\\rtf", "it is an RTF document"),
)


def describe_content(head: bytes) -> str:
    """What an unsupported file seems to be, in words a clerk understands."""
    for magic, words in _KNOWN_OTHER:
        if head.startswith(magic):
            return words
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "it is a WebP image"
    if head.lstrip()[:1] == b"<":
        return "it is an HTML or XML file"
    try:
        head.decode("utf-8")
        return "it is a plain text file"
    except UnicodeDecodeError:
        return f"unknown content starting with {head[:8].hex(' ')}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def triage(path: Path) -> TriagedFile:
    """Check that `path` is a readable scan; raise `InputRejected` subclasses otherwise."""
    if not path.is_file():
        raise FileMissing(f"{path}: not found or not a regular file; check the path.")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(f"{path}: the file is empty (0 bytes); scan the document again.")
    with path.open("rb") as fh:
        head = fh.read(1024)
    kind = sniff_kind(head)
    if kind is None:
        raise UnsupportedType(
            f"{path}: not a PDF, PNG, JPEG or TIFF scan ({describe_content(head)}); "
            "export the scan as PDF or image and resubmit."
        )
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
            f"{path}: the PDF needs a password to open; remove it (qpdf --decrypt "
            "--password=… in.pdf out.pdf) or rescan, then resubmit."
        ) from e
    except (pikepdf.PdfError, OSError, ValueError) as e:
        raise CorruptFile(
            f"{path}: the PDF is damaged and cannot be read ({_short(e)}); "
            "copy it again from the scanner or rescan it."
        ) from e
    if pages == 0:
        raise CorruptFile(f"{path}: the PDF has no pages; rescan the document.")
    _check_complete(path, pages)
    return TriagedFile(path, "pdf", sha, size, pages, owner_only, has_signatures)


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
        problem = "the file is cut off (no end-of-file marker)"
    else:
        try:
            document = pdfium.PdfDocument(str(path))
            try:
                if len(document) != pages:
                    problem = f"only {len(document)} of {pages} pages can be read"
            finally:
                document.close()
        except pdfium.PdfiumError as e:
            problem = f"the PDF structure is damaged ({_short(e)})"
    if problem:
        raise CorruptFile(f"{path}: {problem}; copy it again from the scanner or rescan it.")


def _has_signature_fields(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is None:
        return False
    fields: Any = acroform.get("/Fields") or []
    return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields)


def _triage_image(path: Path, kind: str, sha: str, size: int) -> TriagedFile:
    try:
        with Image.open(path) as image:
            pages = getattr(image, "n_frames", 1)
            for frame in range(pages):
                image.seek(frame)
                image.load()  # decodes fully: catches truncated data that verify() misses
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFile(
            f"{path}: the {kind.upper()} image is damaged and cannot be decoded ({_short(e)}); "
            "copy it again from the scanner or rescan it."
        ) from e
    except Image.DecompressionBombError as e:
        raise CorruptFile(f"{path}: the image is implausibly large ({_short(e)}).") from e
    return TriagedFile(path, kind, sha, size, pages)


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:160]
