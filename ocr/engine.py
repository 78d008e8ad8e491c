"""The narrow interface between page processing and an OCR engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ocr.types import Word


@dataclass(frozen=True)
class EngineOutput:
    words: tuple[Word, ...]
    text: str  # NFC, lines joined with "\n"
    text_pdf: Path | None  # one-page PDF holding only the invisible text layer, if produced
    engine_s: float = 0.0  # how long the engine ran (its wait for a free core left out)


class EngineTimeout(Exception):
    """The engine did not finish a page in time (the page becomes a flagged empty page)."""


class EngineFailure(Exception):
    """The engine crashed on a page (the page becomes a flagged empty page)."""


class OcrEngine(Protocol):
    def recognise(
        self, image_png: Path, out_base: Path, *, dpi: int, timeout_s: float
    ) -> EngineOutput:
        """OCR one prepared page image; write `out_base`.pdf (text only) when supported."""
        ...

    def orientation(self, image_png: Path, *, timeout_s: float) -> tuple[int, float]:
        """(clockwise degrees to rotate the page upright, confidence)."""
        ...

    def describe(self) -> dict[str, str]:
        """Engine and model versions for the record."""
        ...
