"""Page set and error metrics for bench/ocr.py (and for tuning experiments).

CER/WER are computed line by line against the ground truth, each truth line aligned to its
best-matching span of the OCR text ("flexible" accuracy): reading order differences in the
two-column header (agency | national motto) are not counted as errors, every misread
character is, and OCR text that matches no truth line counts as insertions.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from samples.generate import degrade, ground_truth, make_specs, render_pages
from samples.render import SEAL_KEY

_GONE = "\x00"


@dataclass(frozen=True)
class Errors:
    char_errors: int = 0
    chars: int = 0
    word_errors: int = 0
    words: int = 0

    def __add__(self, other: Errors) -> Errors:
        return Errors(
            self.char_errors + other.char_errors,
            self.chars + other.chars,
            self.word_errors + other.word_errors,
            self.words + other.words,
        )

    @property
    def cer(self) -> float:
        return self.char_errors / max(1, self.chars)

    @property
    def wer(self) -> float:
        return self.word_errors / max(1, self.words)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _best_span(line: str, text: str) -> tuple[int, int]:
    align = fuzz.partial_ratio_alignment(line, text)
    if align is None or align.score == 0:
        return 0, 0
    start, end = align.dest_start, align.dest_end
    best = (Levenshtein.distance(line, text[start:end].replace(_GONE, "")), start, end)
    for ds in range(-3, 4):  # the window has the truth line's length: let it breathe
        for de in range(-3, 4):
            s, e = max(0, start + ds), min(len(text), end + de)
            if s < e:
                d = Levenshtein.distance(line, text[s:e].replace(_GONE, ""))
                if d < best[0]:
                    best = (d, s, e)
    return best[1], best[2]


def page_errors(truth_lines: list[str], text: str) -> Errors:
    """Errors of `text` against the truth lines; longest lines are placed first (they are the
    most distinctive), each on its best span of the OCR text not yet taken."""
    remaining = _norm(text)
    errors = Errors()
    for line in sorted((_norm(t) for t in truth_lines if t.strip()), key=len, reverse=True):
        start, end = _best_span(line, remaining)
        found = remaining[start:end].replace(_GONE, "").strip()
        errors += Errors(
            Levenshtein.distance(line, found),
            len(line),
            Levenshtein.distance(line.split(), found.split()),
            len(line.split()),
        )
        remaining = remaining[:start] + _GONE * (end - start) + remaining[end:]
    leftover = [w for w in remaining.replace(_GONE, " ").split() if w.strip()]
    return errors + Errors(sum(len(w) for w in leftover), 0, len(leftover), 0)


def _seal_page(pages: list[Image.Image]) -> int:
    for index, page in enumerate(pages):
        if page.info.get(SEAL_KEY) is not None:
            return index
    return 0


@dataclass(frozen=True)
class BenchPage:
    variant: str
    name: str
    image: Path  # PNG with dpi metadata (RGB for seal pages)
    lines: list[str]
    skew: float | None


def build_pages(
    out: Path, *, variants: list[str], pages_per_variant: int, seed: int
) -> list[BenchPage]:
    """First page of `pages_per_variant` synthetic documents, degraded per variant."""
    out.mkdir(parents=True, exist_ok=True)
    specs = make_specs(pages_per_variant, seed)
    result: list[BenchPage] = []
    for spec in specs:
        rendered = render_pages(spec)
        truths = ground_truth(spec, file="", variant="clean")["pages"]
        for variant in variants:
            # The first page (header, title), except for "seal": the page with the signer
            # block, where the seal is stamped (the last page of a multi-page document).
            index = _seal_page(rendered) if variant == "seal" else 0
            clean, truth = rendered[index], truths[index]["lines"]
            rng = random.Random(f"{seed}:{spec.name}:{variant}")
            img: Image.Image = degrade(clean, variant, rng)
            dpi = img.info.get("dpi", (300, 300))
            path = out / f"{spec.name}-{variant}.png"
            img.save(path, dpi=dpi)
            result.append(
                BenchPage(variant, spec.name, path, truth, img.info.get("sohoa_skew_deg"))
            )
    return result


def _save_png(image: Image.Image, path: Path, dpi: float) -> Path:
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    image.save(path, dpi=(dpi, dpi))
    return path


def _truth_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("# ")]


def realdocs_pages(out: Path, realdocs: Path, truth: Path) -> list[BenchPage]:
    """Every page of the real dev set that has a text truth file (`<file>.p<N>.txt`), as sohoa
    sees it: an image file as it is, a PDF page rasterised the way ocr_file does."""
    import numpy as np
    from PIL import ImageOps

    from ocr.pages import open_pdf, render_page

    out.mkdir(parents=True, exist_ok=True)
    result: list[BenchPage] = []
    for txt in sorted(truth.glob("*/*.p*.txt")):
        file_name, page_no = txt.name[: -len(".txt")].rsplit(".p", 1)
        source = realdocs / txt.parent.name / file_name
        if not source.is_file():
            continue
        png = out / f"{txt.parent.name}__{file_name}.p{page_no}.png"
        if source.suffix.lower() == ".pdf":
            doc = open_pdf(source)
            raster = render_page(doc[int(page_no) - 1], int(page_no) - 1, 300)
            doc.close()
            pixels = raster.image[..., ::-1] if raster.image.ndim == 3 else raster.image
            _save_png(Image.fromarray(np.ascontiguousarray(pixels)), png, raster.dpi)
        else:
            with Image.open(source) as img:
                dpi = float(img.info.get("dpi", (72, 72))[0]) or 72.0
                _save_png(ImageOps.exif_transpose(img), png, dpi)
        result.append(BenchPage("real", file_name[:28], png, _truth_lines(txt), None))
    return result


def heldout_pages(out: Path, *, docs: int, seed: int) -> list[BenchPage]:
    """Every page of a held-out set (bench/heldout, never tuned on), variant "ho:<damage>"."""
    from bench.heldout.generate import build
    from bench.heldout.load import load_set

    build(out, docs=docs, seed=seed)
    return [
        BenchPage(f"ho:{doc.variant}", f"{doc.doc_id}.p{n + 1}", page.image, page.lines, None)
        for doc in load_set(out)
        for n, page in enumerate(doc.pages)
    ]
