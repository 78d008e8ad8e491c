"""Documents are digitized two or more at a time on threads (SOHOA_DOCUMENTS_IN_PARALLEL) and
the web pages render page images on threads. PDFium is not thread-safe, even across documents:
unguarded, these runs fail to load pages or crash the process (the CLI once died of SIGSEGV
mid-batch). The real functions, many threads at once, no mocks."""

from __future__ import annotations

import threading
from pathlib import Path

from ocr.document import ocr_file
from ocr.pages import page_count
from ocr.types import OcrOptions
from pipeline.triage import triage
from samples.doctypes import make_specs
from samples.writers import text_pdf_bytes
from sohoa.web.images import render_pdf_page

THREADS = 4
ROUNDS = 30


def test_pdf_work_on_many_threads_at_once(tmp_path: Path) -> None:
    paths = []
    for n, spec in enumerate(make_specs(THREADS, 4242)):
        path = tmp_path / f"doc-{n}.pdf"
        path.write_bytes(text_pdf_bytes(spec))
        paths.append(path)
    expected = {p: (page_count(p, kind="pdf"), ocr_file(
        p, kind="pdf", options=OcrOptions(), workdir=tmp_path / f"w-{p.stem}").text)
        for p in paths}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for r in range(ROUNDS):
                path = paths[(k + r) % len(paths)]
                pages, text = expected[path]
                assert triage(path).pages == pages
                assert page_count(path, kind="pdf") == pages
                if r % 10 == 0:  # the whole OCR step (born-digital: its text is kept)
                    assert ocr_file(path, kind="pdf", options=OcrOptions(),
                                    workdir=tmp_path / f"t{k}-r{r}").text == text
                png = render_pdf_page(path.read_bytes(), 1, width=300)
                assert png.startswith(b"\x89PNG")
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
