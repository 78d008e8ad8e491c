"""The pipeline's exception family: a stable `code` for the index and reports, a `message` for the
clerk that says what happened and what to do."""

from __future__ import annotations


class SohoaError(Exception):
    code = "SOHOA_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InputRejected(SohoaError):
    """The file cannot be digitized as it is; it goes to quarantine, the batch goes on."""

    code = "REJECTED"


class EmptyFile(InputRejected):
    code = "EMPTY_FILE"


class CorruptFile(InputRejected):
    code = "CORRUPT_FILE"


class EncryptedPdf(InputRejected):
    code = "ENCRYPTED_PDF"


class UnsupportedType(InputRejected):
    code = "UNSUPPORTED_TYPE"


class FileMissing(InputRejected):
    code = "NOT_FOUND"


class ProcessingFailed(SohoaError):
    """A stage failed on a file that looked fine (OCR crash, signing error); the file is kept."""

    code = "PROCESSING_FAILED"


class ConfigurationError(SohoaError):
    """Settings or services are wrong: nothing can be processed until an operator fixes them."""

    code = "CONFIGURATION"
