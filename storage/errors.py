"""Errors raised by the storage package, each with a stable code and a message for the operator."""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage failure; `code` is stored in reports, `message` is shown to people."""

    code = "STORAGE_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class S3ServerError(StorageError):
    """The embedded S3 server could not be started or stopped."""

    code = "S3_SERVER_FAILED"


class ObjectStoreError(StorageError):
    """An S3 call failed (unreachable server, bad credentials, missing object)."""

    code = "OBJECT_STORE_FAILED"


class ObjectStoreUnavailable(ObjectStoreError):
    """The S3 server did not answer, or answered 5xx, for the whole retry budget: a transient
    fault (restart, network), not a problem with the document."""

    code = "S3_UNAVAILABLE"
    cause: str | None = None  # in a few words: "connection refused", "HTTP 503", "timed out"


class ObjectMissingError(ObjectStoreError):
    code = "OBJECT_MISSING"


class ObjectLockedError(ObjectStoreError):
    """The object is under retention or legal hold: it cannot be deleted or replaced."""

    code = "OBJECT_LOCKED"


class StorageUnusable(StorageError):
    """The S3 server or the disk cannot take writes (full disk, no writable volumes)."""

    code = "STORAGE_UNUSABLE"


class IndexError_(StorageError):
    """The index database could not be opened, migrated or written."""

    code = "INDEX_FAILED"


class IndexUnavailable(IndexError_):
    """The index database dropped the connection or refused it for the whole retry budget (a
    restart, a network fault): transient, not a problem with the document."""

    code = "INDEX_UNAVAILABLE"
