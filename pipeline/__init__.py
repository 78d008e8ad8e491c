"""sohoa domain core: document model, metadata extraction, the per-document pipeline, reports."""

from __future__ import annotations

__version__ = "0.1.0"
