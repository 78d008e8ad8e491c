"""The provenance manifest: how a copy was made, attached to the PDF before it is signed.

``sohoa-manifest.json`` (SHA-256 of the original scan, preprocessing and OCR versions, per-page
confidence, extraction results, clerk and agency codes) is written in the same incremental update
as the signature, so the signature covers it; ``read_manifest`` gets it back for audits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.generic import NameObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

MANIFEST_NAME = "sohoa-manifest.json"


def embed_manifest(writer: IncrementalPdfFileWriter, manifest: dict[str, Any]) -> None:
    """Attach the manifest as ``sohoa-manifest.json`` (document-level AF, relationship /Data)."""
    data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    now = datetime.now(UTC)
    embedded = EmbeddedFileObject.from_file_data(
        writer,
        data=data,
        mime_type="application/json",
        params=EmbeddedFileParams(creation_date=now, modification_date=now),
    )
    spec = FileSpec(
        file_spec_string=MANIFEST_NAME,
        file_name=MANIFEST_NAME,
        embedded_data=embedded,
        description="sohoa provenance manifest (how this copy was made)",
        af_relationship=NameObject("/Data"),
    )
    embed_file(writer, spec)


def read_manifest(pdf: bytes) -> dict[str, Any] | None:
    """The embedded manifest, or None when absent or unreadable (never raises)."""
    try:
        import pikepdf

        with pikepdf.open(BytesIO(pdf)) as doc:
            attachment = doc.attachments.get(MANIFEST_NAME)
            if attachment is None:
                return None
            data = attachment.get_file().read_bytes()
        value = json.loads(data)
    except Exception:  # noqa: BLE001 - an audit helper reports absence, not a crash
        return None
    return value if isinstance(value, dict) else None
