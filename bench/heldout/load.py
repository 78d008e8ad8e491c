"""Read a written held-out set back: what a benchmark needs, without knowing the layout."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class HeldoutPage:
    image: Path
    lines: list[str]  # the text drawn, reading order
    dpi: int  # as written into the image file
    rotation: int  # degrees the content was turned clockwise (0, 90, 270)


@dataclass(frozen=True)
class HeldoutDocument:
    doc_id: str
    variant: str
    doc_type: str
    folder: Path
    pages: list[HeldoutPage]
    fields: dict[str, Any]  # pipeline.extract.FIELDS plus "parties"
    pdf: Path | None


def load_set(root: Path) -> list[HeldoutDocument]:
    """Every document of a set written by `python -m bench.heldout`, in index order."""
    index = json.loads((root / "index.json").read_text("utf-8"))
    out = []
    for row in index["documents"]:
        folder = root / row["folder"]
        truth = json.loads((folder / "truth.json").read_text("utf-8"))
        pages = [HeldoutPage(folder / p["image"], p["lines"], p["dpi"], p["rotation"])
                 for p in truth["pages"]]
        pdf = folder / "document.pdf"
        out.append(HeldoutDocument(truth["doc_id"], truth["variant"], truth["doc_type"], folder,
                                   pages, truth["fields"], pdf if pdf.exists() else None))
    return out
