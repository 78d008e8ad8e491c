"""One lock for every call into PDFium in a process.

PDFium is not thread-safe: two threads may not call it at the same time, not even on two
different documents (pypdfium2's documentation; doing it crashes the process). Documents are
digitized on threads, and the web pages render page images on threads, so every use of
pypdfium2, in any package, holds `PDFIUM` and closes what it opened before letting go (an object
left to the garbage collector would be freed by PDFium later, on whatever thread, unlocked).
"""

from __future__ import annotations

import threading

__all__ = ["PDFIUM"]

# Re-entrant: a function holding it may call another that takes it too.
PDFIUM = threading.RLock()
