"""Ground truth of a synthetic document: the lines drawn per page and its metadata fields.

Kept apart from `generate` so that `bundled` (which `generate` calls) can use it without an
import loop.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from samples.layout import layout
from samples.specs import DocSpec


def ground_truth(spec: DocSpec, *, file: str, variant: str) -> dict[str, Any]:
    """Ground truth: the exact lines drawn per page (reading order) and the metadata fields."""
    pages = layout(spec)
    fields = dict(spec.fields)
    fields["page_count"] = len(pages)
    return {
        "file": file,
        "variant": variant,
        "doc_type": spec.doc_type,
        "type_abbr": spec.type_abbr,
        "pages": [{"lines": [unicodedata.normalize("NFC", ln.text) for ln in p.lines]}
                  for p in pages],
        "fields": fields,
    }


def write_truth(path: Path, truth: dict[str, Any]) -> Path:
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
