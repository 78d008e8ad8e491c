"""Page images for the review and detail pages: page N of the stored signed PDF as PNG.

Rendered with pypdfium2 on request and cached on disk under `<data dir>/cache/pages/`, keyed by
the signed copy's SHA-256 (content-addressed: a cached image can never be stale).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pypdfium2 as pdfium

from ocr.pdfium_guard import PDFIUM
from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.queries import fetch_document_file, get_row
from storage.index import DocumentIndex
from storage.objects import ObjectStore


class PageNotFound(SohoaError):
    code = "PAGE_NOT_FOUND"


def render_pdf_page(pdf: bytes, page_number: int, *, width: int) -> bytes:
    """Page `page_number` (1-based) of a PDF as a PNG `width` pixels wide."""
    with PDFIUM:
        document = pdfium.PdfDocument(pdf)
        # Forms on: the visible "SAO Y" stamp is the signature field's appearance.
        document.init_forms()
        try:
            if not 1 <= page_number <= len(document):
                raise PageNotFound(_("The document has {n} page(s); there is no page {page}.")
                                   .format(n=len(document), page=page_number))
            page = document[page_number - 1]
            try:
                bitmap = page.render(scale=width / page.get_width())
                try:  # a copy: the bitmap's memory is PDFium's, freed on close
                    image = bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def page_png(index: DocumentIndex, store: ObjectStore, doc_id: str, page_number: int, *,
             width: int, cache_dir: Path) -> bytes:
    """The cached PNG of a document's page; rendered from the signed PDF the first time."""
    row = get_row(index, doc_id)
    key = row.signed_sha256 or row.original_sha256
    cached = cache_dir / f"{key}-{page_number}-{width}.png"
    if cached.exists():
        return cached.read_bytes()
    original = row.signed_key is None
    if original and row.media_type != "application/pdf":
        raise PageNotFound(_("This document has no PDF to show yet."))
    png = render_pdf_page(fetch_document_file(index, store, row.id, original=original),
                          page_number, width=width)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(png)
    partial.replace(cached)  # atomic: two workers may render the same page at once
    return png
