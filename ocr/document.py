"""ocr_file: a whole document (image, multi-page TIFF or PDF) to text, word boxes and a
searchable PDF, streaming page by page with `options.jobs` pages in flight."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

import pdfplumber
import pikepdf

from ocr.compose import PagePart, assemble, write_page_pdf
from ocr.engine import OcrEngine
from ocr.errors import CORRUPT_PDF, OCR_FAILED, OcrError
from ocr.pages import (
    RasterPage,
    check_kind,
    iter_image_pages,
    open_pdf,
    page_count,
    render_page,
)
from ocr.pdfium_guard import PDFIUM
from ocr.process import PageOutcome, process_page
from ocr.tesseract import TesseractEngine
from ocr.textlayer import inspect_page, is_usable, text_layer_page
from ocr.types import FLAG_ENGINE_ERROR, SOURCE_FAILED, OcrOptions, OcrResult, PageOcr

__all__ = ["ocr_file", "page_count"]

log = logging.getLogger(__name__)

PageCallback = Callable[[PageOcr], None]


def _pdf_items(path: Path, options: OcrOptions) -> Iterator[PageOcr | RasterPage]:
    """Kept born-digital pages as PageOcr, pages to OCR as rasters; one page in memory."""
    doc = open_pdf(path)
    try:
        with PDFIUM:
            pages = len(doc)
        with pdfplumber.open(path) as plumber:
            for index in range(pages):
                # PDFium is held for one page's work, never across a yield.
                with PDFIUM:
                    page = doc[index]
                    try:
                        info = inspect_page(page)
                        usable = is_usable(
                            info,
                            min_chars=options.min_text_layer_chars,
                            min_quality=options.min_quality,
                        )
                        raster = None if usable else render_page(page, index, options.dpi)
                    finally:
                        page.close()
                if raster is None:
                    yield text_layer_page(plumber, index, dpi=options.dpi, text=info.text)
                else:
                    yield raster
    finally:
        with PDFIUM:
            doc.close()


def _failed_page(
    raster: RasterPage, workdir: Path, options: OcrOptions, error: Exception
) -> PageOutcome:
    """Last resort for a page that broke preprocessing: keep its image, no text, flagged."""
    log.warning("page %d failed: %r", raster.index + 1, error)
    from ocr.compose import encode_jpeg

    h, w = raster.image.shape[:2]
    page_pdf = workdir / f"page-{raster.index:06d}-page.pdf"
    write_page_pdf(
        page_pdf,
        jpeg=encode_jpeg(raster.image, options.jpeg_quality),
        width_px=w,
        height_px=h,
        dpi=raster.dpi,
        colour=raster.image.ndim == 3,
        text_pdf=None,
    )
    page = PageOcr(
        index=raster.index,
        text="",
        words=(),
        confidence=0.0,
        width=w,
        height=h,
        dpi=raster.dpi,
        source=SOURCE_FAILED,
        flags=(FLAG_ENGINE_ERROR,),
    )
    return PageOutcome(page=page, page_pdf=page_pdf)


def _safe_process(
    raster: RasterPage, options: OcrOptions, engine: OcrEngine, workdir: Path
) -> PageOutcome:
    try:
        return process_page(raster, options, engine, workdir)
    except OcrError:
        raise
    except Exception as e:  # one bad page must not fail the document (degrade per page)
        return _failed_page(raster, workdir, options, e)


def _run_pages(
    items: Iterator[PageOcr | RasterPage],
    options: OcrOptions,
    engine: OcrEngine,
    workdir: Path,
    on_page: PageCallback | None,
) -> tuple[dict[int, PageOcr], dict[int, PagePart]]:
    pages: dict[int, PageOcr] = {}
    parts: dict[int, PagePart] = {}

    def record(page: PageOcr, part: PagePart) -> None:
        pages[page.index], parts[page.index] = page, part
        if on_page is not None:
            on_page(page)

    def collect(done: set[Future[PageOutcome]]) -> None:
        for future in done:
            outcome = future.result()
            record(outcome.page, PagePart(page_pdf=outcome.page_pdf))

    jobs = max(1, options.jobs)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ocr-page") as pool:
        pending: set[Future[PageOutcome]] = set()
        try:
            for item in items:
                if isinstance(item, PageOcr):
                    record(item, PagePart(source_index=item.index))
                    continue
                # Bounded window: at most jobs + 1 page images alive, memory flat in page count.
                while len(pending) > jobs:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    collect(done)
                pending.add(pool.submit(_safe_process, item, options, engine, workdir))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        finally:
            for future in pending:
                future.cancel()
    return pages, parts


def ocr_file(
    path: Path,
    *,
    kind: str,
    options: OcrOptions,
    workdir: Path,
    on_page: PageCallback | None = None,
    engine: OcrEngine | None = None,
) -> OcrResult:
    """OCR a document into text, word boxes and one searchable PDF of all its pages.

    PDF pages with a usable text layer are kept as they are (no OCR); the others are
    rasterised at `options.dpi`, cleaned up and OCR'd. A page that times out or crashes the
    engine becomes an image-only page flagged in `OcrResult.needs_review`; only a document
    that cannot be opened at all raises OcrError.
    """
    check_kind(kind)
    if engine is None:
        tesseract = TesseractEngine(
            languages=options.languages, tessdata_dir=options.tessdata_dir, psm=options.psm,
            repair=options.text_repair,
        )
        tesseract.check()
        engine = tesseract
    workdir.mkdir(parents=True, exist_ok=True)
    items = _pdf_items(path, options) if kind == "pdf" else iter_image_pages(path)
    pages, parts = _run_pages(items, options, engine, workdir, on_page)
    if not pages:
        raise OcrError(OCR_FAILED, f"{path.name} has no pages to OCR: check the file and rescan.")
    order = sorted(pages)
    out = workdir / "ocr-output.pdf"
    try:
        assemble(
            [parts[i] for i in order],
            out,
            source_pdf=path if kind == "pdf" else None,
            workdir=workdir,
        )
    except pikepdf.PdfError as e:
        raise OcrError(
            CORRUPT_PDF, f"{path.name}: the searchable PDF could not be written ({e})."
        ) from e
    for part in parts.values():
        if part.page_pdf is not None:
            part.page_pdf.unlink(missing_ok=True)
    return OcrResult(
        pages=tuple(pages[i] for i in order),
        pdf=out.read_bytes(),
        engine=engine.describe(),
        min_confidence=options.min_confidence,
        min_quality=options.min_quality,
    )
