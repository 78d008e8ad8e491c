"""The one exception family of the ocr package, with stable codes and clerk-facing messages."""

from __future__ import annotations

OCR_FAILED = "OCR_FAILED"
CORRUPT_IMAGE = "CORRUPT_IMAGE"
CORRUPT_PDF = "CORRUPT_PDF"
ENCRYPTED_PDF = "ENCRYPTED_PDF"
TESSERACT_MISSING = "TESSERACT_MISSING"
MODEL_MISSING = "MODEL_MISSING"
UNSUPPORTED_KIND = "UNSUPPORTED_KIND"
MODEL_INSTALL_FAILED = "MODEL_INSTALL_FAILED"


class OcrError(Exception):
    """Raised when a whole document cannot be OCR'd.

    `code` is a short stable UPPER_SNAKE string for the index and the quarantine record;
    `message` says what happened and what the clerk (or the operator) should do.
    A single bad page never raises: it becomes a flagged page instead.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
