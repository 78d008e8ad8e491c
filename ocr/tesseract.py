"""Tesseract as an OcrEngine through pytesseract: one run per page gives TSV + text-only PDF.

pytesseract's `run_and_get_multiple_output` takes no config (page segmentation, dpi, tessdata
folder, `textonly_pdf`), so pages go through `run_tesseract`, the function it wraps, with the
same two outputs in one run and its `timeout` bounding the page.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import pytesseract
from numpy.typing import NDArray

from ocr.engine import EngineFailure, EngineOutput, EngineTimeout
from ocr.errors import MODEL_MISSING, TESSERACT_MISSING, OcrError
from ocr.types import LineRepair, Word
from ocr.words import (
    counted_numerals,
    curly_apostrophes,
    dropped_marks,
    glued_punctuation,
    inkless_word_indices,
    item_number_marks,
    noise_word_indices,
    number_separators,
    numbered_headings,
    page_text,
    phantom_marks,
    raised_units,
    renumber_lines,
    repaired_texts,
    rewrite_words_in_text_pdf,
    stroke_word_indices,
    tees_read_as_i,
    trimmed_leaders,
    vees_read_as_w,
)

_COMBINING_OUTSIDE_CLUSTER = re.compile(r"(?:(?<=\s)|^)[\u0300-\u036f]+", re.MULTILINE)


def _grey(image_png: Path) -> NDArray[Any] | None:
    """The image Tesseract read, in grey (None when it cannot be read back)."""
    grey = cv2.imread(str(image_png), cv2.IMREAD_GRAYSCALE)
    return grey if grey is not None and grey.size else None


def nfc(text: str) -> str:
    """NFC text without combining marks that have no base letter to sit on."""
    return _COMBINING_OUTSIDE_CLUSTER.sub("", unicodedata.normalize("NFC", text))


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity: a container's or `taskset`'s share)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# At most one Tesseract process per core at a time, whoever starts it (pages in flight, a
# page's independent readings, documents on parallel threads): more only oversubscribe the
# cores. A page's timeout counts from its process's start, not from the wait for a slot.
_ENGINE_SLOTS = threading.BoundedSemaphore(usable_cores())


def limit_threads() -> None:
    """One OpenMP thread per tesseract process: parallelism comes from running `jobs` pages at
    once; Tesseract's own threads oversubscribe the cores and cost more CPU and wall time.
    pytesseract starts tesseract with this process's environment, so the limit is set here
    (only when the caller has not chosen one)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@lru_cache(maxsize=4)
def tesseract_version(binary: str = "tesseract") -> str:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise OcrError(
            TESSERACT_MISSING,
            "Tesseract is not installed or does not run: install tesseract-ocr "
            "(scripts/install.sh) and retry.",
        ) from e
    return out.split()[1] if out.split() else "unknown"


def _missing() -> OcrError:
    return OcrError(
        TESSERACT_MISSING,
        "Tesseract is not installed: install tesseract-ocr (scripts/install.sh) and retry.",
    )


def default_tessdata_dir() -> Path:
    for candidate in (
        Path("/usr/share/tesseract-ocr/5/tessdata"),
        Path("/usr/share/tesseract-ocr/4.00/tessdata"),
        Path("/usr/share/tessdata"),
    ):
        if candidate.is_dir():
            return candidate
    return Path("/usr/share/tesseract-ocr/5/tessdata")


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def parse_tsv(tsv: str) -> tuple[Word, ...]:
    """Words (level-5 rows with text) in Tesseract's reading order, lines numbered from 0."""
    words: list[Word] = []
    line_keys: dict[tuple[int, int, int], int] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = nfc(cols[11]).strip()
        if not text:
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        line_no = line_keys.setdefault(key, len(line_keys))
        words.append(
            Word(
                text=text,
                left=int(cols[6]),
                top=int(cols[7]),
                width=int(cols[8]),
                height=int(cols[9]),
                conf=max(0.0, float(cols[10])),
                block=int(cols[2]),
                line=line_no,
            )
        )
    return tuple(words)


def _drawn_rows(tsv: str) -> list[str]:
    """The level-5 rows Tesseract draws in its text-only PDF, one `TJ` each: words whose text
    is not blank (a table cell or a gap can be a word of spaces, which the TSV lists and the
    PDF does not; counting those made every page with one look mismatched, and its dropped
    signature scribbles stayed in the searchable PDF)."""
    rows = (r.split("\t") for r in tsv.splitlines()[1:])
    return [c[11] for c in rows if len(c) >= 12 and c[0] == "5" and c[11].strip()]


def _all_word_indices(tsv: str, drop: set[int]) -> set[int]:
    """Indices (among the words drawn in the text PDF) of the dropped non-empty words."""
    drawn = _drawn_indices(tsv)
    return {drawn[i] for i in drop}


def _drawn_indices(tsv: str) -> list[int]:
    """For each non-empty word (parse_tsv's order), its index among the words drawn in the
    text PDF."""
    return [index for index, text in enumerate(_drawn_rows(tsv)) if nfc(text).strip()]


def _tsv_word_count(tsv: str) -> int:
    return len(_drawn_rows(tsv))


@dataclass(frozen=True)
class TesseractEngine:
    languages: str = "vie+Vietnamese"
    tessdata_dir: Path | None = None
    psm: int = 11
    binary: str = "tesseract"
    repair: LineRepair | None = None  # OcrOptions.text_repair

    def with_psm(self, psm: int) -> TesseractEngine:
        """The same engine with another page segmentation mode."""
        return replace(self, psm=psm)

    def with_first_language(self) -> TesseractEngine:
        """The same engine with its first model only ("vie" of "vie+Vietnamese")."""
        return replace(self, languages=self.languages.split("+")[0])

    def _data_args(self) -> list[str]:
        return ["--tessdata-dir", str(self.tessdata_dir)] if self.tessdata_dir else []

    def check(self) -> None:
        """Raise OcrError early when the binary or a model is missing."""
        if shutil.which(self.binary) is None:
            raise OcrError(
                TESSERACT_MISSING,
                "Tesseract is not installed: install tesseract-ocr (scripts/install.sh) and retry.",
            )
        data = self.tessdata_dir or default_tessdata_dir()
        for lang in self.languages.split("+"):
            if not (data / f"{lang}.traineddata").is_file():
                raise OcrError(
                    MODEL_MISSING,
                    f"The OCR model '{lang}' is missing from {data}: run scripts/install.sh "
                    "or change the OCR languages setting.",
                )

    def recognise(
        self, image_png: Path, out_base: Path, *, dpi: int, timeout_s: float
    ) -> EngineOutput:
        config = [*self._data_args(), "--psm", str(self.psm), "--dpi", str(dpi)]
        config += ["-c", "tessedit_create_tsv=1", "-c", "textonly_pdf=1"]
        engine_s = self._run(image_png, out_base, "tsv pdf", config, timeout_s)
        tsv_path = out_base.with_suffix(".tsv")
        pdf_path = out_base.with_suffix(".pdf")
        if not tsv_path.is_file():
            raise EngineFailure(f"tesseract wrote no TSV for {image_png.name}")
        tsv = tsv_path.read_text(encoding="utf-8", errors="replace")
        read = list(parse_tsv(tsv))
        load_grey = lru_cache(maxsize=1)(lambda: _grey(image_png))
        drop = noise_word_indices(read) | inkless_word_indices(read, load_grey)
        drop |= stroke_word_indices(read, load_grey)
        trims = {i: t for i, t in trimmed_leaders(read).items() if i not in drop}
        glued = {i: j for i, j in glued_punctuation(read).items()
                 if i not in drop and j not in drop}
        for i, j in glued.items():  # the punctuation goes back onto its word, in its box
            trims[j] = trims.get(j, read[j].text) + read[i].text
            read[j] = replace(read[j], width=max(read[j].width,
                                                 read[i].left + read[i].width - read[j].left))
        drop |= set(glued)
        kept = [i for i in range(len(read)) if i not in drop]
        words = renumber_lines([replace(read[i], text=trims[i]) if i in trims else read[i]
                                for i in kept])
        fixes = repaired_texts(words, self.repair)
        fixes |= counted_numerals(words, fixes, load_grey)
        fixes |= tees_read_as_i(words, fixes, load_grey)
        fixes |= curly_apostrophes(words, fixes, load_grey)
        fixes |= vees_read_as_w(words, fixes, load_grey)
        fixes |= numbered_headings(words, fixes)
        fixes |= number_separators(words, fixes, load_grey)
        fixes |= raised_units(words, fixes, load_grey)
        fixes |= phantom_marks(words, fixes, load_grey)
        fixes |= item_number_marks(words, fixes, load_grey)
        fixes |= dropped_marks(words, fixes, load_grey)
        edits = dict.fromkeys(drop, "") | trims | {kept[k]: t for k, t in fixes.items()}
        if pdf_path.is_file() and edits:
            # Map indices among non-empty words to indices among all TSV words.
            drawn = _drawn_indices(tsv)
            rewrite_words_in_text_pdf(pdf_path, {drawn[i]: t for i, t in edits.items()},
                                      _tsv_word_count(tsv))
        text = page_text([replace(w, text=fixes[k]) if k in fixes else w
                          for k, w in enumerate(words)])
        return EngineOutput(
            words=words, text=text, text_pdf=pdf_path if pdf_path.is_file() else None,
            engine_s=engine_s,
        )

    def orientation(self, image_png: Path, *, timeout_s: float) -> tuple[int, float]:
        limit_threads()
        try:
            with _ENGINE_SLOTS:
                out = pytesseract.image_to_osd(
                    str(image_png), config=" ".join(self._data_args()), timeout=timeout_s
                )
        except RuntimeError as e:  # pytesseract's timeout
            raise EngineTimeout(f"tesseract took longer than {timeout_s:.0f} s") from e
        except pytesseract.TesseractError:
            return 0, 0.0  # too little text to tell: leave the page as it is
        except (pytesseract.TesseractNotFoundError, OSError) as e:
            raise _missing() from e
        rotate = re.search(r"Rotate:\s*(\d+)", out)
        conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
        return (int(rotate.group(1)) if rotate else 0), (float(conf.group(1)) if conf else 0.0)

    def _run(
        self, image: Path, out_base: Path, outputs: str, config: list[str], timeout_s: float
    ) -> float:
        """Runs Tesseract; the seconds it ran."""
        limit_threads()
        pytesseract.pytesseract.tesseract_cmd = self.binary
        try:
            with _ENGINE_SLOTS:
                started = time.monotonic()
                pytesseract.pytesseract.run_tesseract(
                    str(image), str(out_base), outputs, self.languages,
                    config=shlex.join(config), timeout=timeout_s,
                )
                return time.monotonic() - started
        except RuntimeError as e:  # pytesseract's timeout (the process is killed)
            raise EngineTimeout(f"tesseract took longer than {timeout_s:.0f} s") from e
        except pytesseract.TesseractError as e:
            raise EngineFailure(str(e.message)[-500:] or f"tesseract exit {e.status}") from e
        except (pytesseract.TesseractNotFoundError, OSError) as e:
            raise _missing() from e

    def describe(self) -> dict[str, str]:
        data = self.tessdata_dir or default_tessdata_dir()
        info = {
            "engine": "tesseract",
            "tesseract": tesseract_version(self.binary),
            "languages": self.languages,
            "psm": str(self.psm),
            "tessdata": str(data),
        }
        for lang in self.languages.split("+"):
            model = data / f"{lang}.traineddata"
            if model.is_file():
                info[f"model:{lang}"] = f"sha256:{_file_digest(model)}"
        return info
