"""The three OCR engines of bench/ocr.py, each run in its own child process so that CPU time
and peak memory are measured per engine: `python bench/_ocr_engines.py ENGINE JOB.json`.

JOB.json: {"variants": {variant: {"pdf": path, "images": [png paths]}}, "workdir": path,
"jobs": int, "tessdata": path|null, "languages": str}. Prints one JSON object to stdout:
{"variants": {variant: {"texts": [page texts], "wall_s": float}}, "cpu_s": float,
"peak_rss_mb": float}.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pdfplumber


def _pdf_texts(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def run_tesseract(job: dict[str, Any], variant: str, spec: dict[str, Any]) -> list[str]:
    """(a) what a user types: `tesseract page.png stdout -l vie`, page after page."""
    texts = []
    for image in spec["images"]:
        out = subprocess.run(
            ["tesseract", image, "stdout", "-l", "vie"],
            capture_output=True,
            text=True,
            check=True,
        )
        texts.append(out.stdout)
    return texts


def run_ocrmypdf(job: dict[str, Any], variant: str, spec: dict[str, Any]) -> list[str]:
    """(b) `ocrmypdf -l vie --deskew --clean --jobs N`, text read back with pdfplumber."""
    out = Path(job["workdir"]) / f"ocrmypdf-{variant}.pdf"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("ocrmypdf")),
            "-q",
            "-l",
            "vie",
            "--deskew",
            "--clean",
            "--jobs",
            str(job["jobs"]),
            spec["pdf"],
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return _pdf_texts(out)


def run_sohoa(job: dict[str, Any], variant: str, spec: dict[str, Any]) -> list[str]:
    """(c) sohoa's ocr_file on each page image plain Tesseract reads (on the variant's PDF
    when there are no images: the memory check), text read back from its output PDF with
    pdfplumber (the same extraction path as OCRmyPDF's)."""
    from ocr.document import ocr_file
    from ocr.types import OcrOptions
    from pipeline.ocrtext import repair_line

    options = OcrOptions(
        text_repair=repair_line,  # as the application runs it (pipeline.process.ocr_options)
        jobs=job["jobs"],
        languages=job["languages"],
        tessdata_dir=Path(job["tessdata"]) if job.get("tessdata") else None,
    )
    work = Path(job["workdir"]) / f"sohoa-{variant}"
    if spec.get("images"):
        return _sohoa_images(spec["images"], options, work)
    result = ocr_file(Path(spec["pdf"]), kind="pdf", options=options, workdir=work)
    # Peak of the OCR itself, before pdfplumber (whose page cache grows with the document).
    OCR_PEAK_MB.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out = work / "result.pdf"
    out.write_bytes(result.pdf)
    return _pdf_texts(out)


def _sohoa_images(images: list[str], options: Any, work: Path) -> list[str]:
    """sohoa's ocr_file on the very image files plain Tesseract reads, `jobs` files at once.

    Not through the variant's PDF: rendering an img2pdf page back to pixels resamples it by a
    pixel or so, and that alone moved plain Tesseract's CER on a real 200-dpi scan from 7.5 %
    to 9.0 %; a claim "never worse than plain Tesseract on the same image" needs the same image.
    """
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from ocr.document import ocr_file

    one_job = replace(options, jobs=1)

    def read(n_image: tuple[int, str]) -> str:
        n, image = n_image
        folder = work / f"p{n:04d}"
        kind = KINDS.get(Path(image).suffix.lower(), "png")
        result = ocr_file(Path(image), kind=kind, options=one_job, workdir=folder)
        out = folder / "result.pdf"
        out.write_bytes(result.pdf)
        return _pdf_texts(out)[0]

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        texts = list(pool.map(read, enumerate(images)))
    OCR_PEAK_MB.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return texts


OCR_PEAK_MB: list[float] = []
KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff",
         ".pdf": "pdf"}
ENGINES = {"tesseract": run_tesseract, "ocrmypdf": run_ocrmypdf, "sohoa": run_sohoa}


def main(engine: str, job_path: str) -> None:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    run = ENGINES[engine]
    result: dict[str, Any] = {"variants": {}}
    for variant, spec in job["variants"].items():
        start = time.perf_counter()
        texts = run(job, variant, spec)
        result["variants"][variant] = {"texts": texts, "wall_s": time.perf_counter() - start}
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    result["cpu_s"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    result["peak_rss_mb"] = max(me.ru_maxrss, kids.ru_maxrss) / 1024
    result["self_rss_mb"] = max(OCR_PEAK_MB) if OCR_PEAK_MB else me.ru_maxrss / 1024
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1], sys.argv[2])
