"""Metadata extraction: OCR text and word boxes of a digitized result → its record fields.

The face of the extraction subpackage; `core` sequences the parts: `layout` (lines and columns
from word boxes), `doc` (the document's regions), `fields` (header fields), `owner` (the owner),
`parties` (everyone the document names, with roles), `lexicon` (package word lists), `patterns`
and `vocab` (the words they recognise).
"""

from __future__ import annotations

from pipeline.extract.core import (
    FIELDS,
    Extraction,
    ExtractOptions,
    FieldValue,
    PageInput,
    Party,
    WordBox,
    apply_corrections,
    extract_metadata,
)

__all__ = [
    "FIELDS", "Extraction", "ExtractOptions", "FieldValue", "PageInput", "Party", "WordBox",
    "apply_corrections", "extract_metadata",
]
