"""Object store: a narrow protocol and its real implementation over the `minio` SDK.

The same `MinioObjectStore` talks to the embedded SeaweedFS server (tests, laptops) and to MinIO in
production. Object metadata must be ASCII (the SDK rejects other header values), so Vietnamese text
never goes into S3 headers: it lives in the JSON record object and the index.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, CopySource
from minio.error import MinioException, S3Error, ServerError
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig

from storage.errors import (
    ObjectLockedError,
    ObjectMissingError,
    ObjectStoreError,
    ObjectStoreUnavailable,
)
from storage.retry import NO_RETRY, Backoff, call_with_retries

_LOCKED_CODES = ("AccessDenied", "ObjectLocked", "InvalidRequest", "MethodNotAllowed")
# S3 error codes a server sends while it is busy or restarting: worth trying again.
_TRANSIENT_CODES = ("InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout",
                    "XMinioServerNotInitialized")
_Result = TypeVar("_Result")


def is_transient_s3_failure(error: BaseException) -> bool:
    """Connection refused or reset, a timeout, HTTP 5xx: the server may answer again soon.
    A refused request (403, a missing object, a lock) or a bad TLS certificate is not."""
    if isinstance(error, urllib3.exceptions.SSLError):
        return False
    if isinstance(error, urllib3.exceptions.MaxRetryError):
        return not isinstance(error.reason, urllib3.exceptions.SSLError)
    if isinstance(error, urllib3.exceptions.HTTPError | ServerError | ConnectionError
                  | TimeoutError):
        return True
    if isinstance(error, S3Error):
        status = getattr(error.response, "status", 0) or 0
        return status >= 500 or error.code in _TRANSIENT_CODES
    return False


def _failure(error: Exception, message: str) -> ObjectStoreError:
    """The store's error for a failed SDK call: `ObjectStoreUnavailable` (with the cause in a
    few words, for the clerk) when transient."""
    if not is_transient_s3_failure(error):
        return ObjectStoreError(message)
    unavailable = ObjectStoreUnavailable(message)
    unavailable.cause = transient_cause(error)
    return unavailable


def transient_cause(error: BaseException) -> str:
    """'connection refused', 'timed out', 'HTTP 503': what a person needs of a urllib3 error."""
    reason = getattr(error, "reason", None) or error
    text = str(reason).lower()
    status = getattr(error, "status_code", None) or getattr(
        getattr(error, "response", None), "status", None)
    if isinstance(status, int) and status >= 500:
        return f"HTTP {status}"
    for marker, cause in (("refused", "connection refused"), ("reset", "connection reset"),
                          ("timed out", "timed out"), ("timeout", "timed out"),
                          ("too many 5", "HTTP 5xx"), ("broken pipe", "connection broken"),
                          ("remote end closed", "connection closed by the server")):
        if marker in text:
            return cause
    return type(reason).__name__


def _retried(what: str) -> Callable[[Callable[..., _Result]], Callable[..., _Result]]:
    """Retry the S3 call with the store's backoff while the server is unavailable."""

    def wrap(method: Callable[..., _Result]) -> Callable[..., _Result]:
        @functools.wraps(method)
        def retrying(self: MinioObjectStore, *args: Any, **kwargs: Any) -> _Result:
            result = call_with_retries(
                lambda: method(self, *args, **kwargs), backoff=self.backoff,
                transient=lambda e: isinstance(e, ObjectStoreUnavailable),
                what=f"S3 {what} on {self.endpoint}")
            self.last_ok = time.monotonic()
            return result

        return retrying

    return wrap


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    metadata: Mapping[str, str]
    version_id: str | None = None
    is_latest: bool = True
    is_delete_marker: bool = False
    last_modified: datetime | None = None


@dataclass(frozen=True)
class Lock:
    """Object lock of a stored version: retained until a date, or held for good."""

    mode: str = "GOVERNANCE"  # or COMPLIANCE
    until: datetime | None = None
    legal_hold: bool = False  # permanent results: no expiry


class ObjectStore(Protocol):
    def ensure_bucket(self, bucket: str, *, versioning: bool = True,
                      object_lock: bool = False) -> None: ...

    def put(
        self, bucket: str, key: str, data: bytes, *, content_type: str,
        metadata: Mapping[str, str] | None = None, lock: Lock | None = None,
    ) -> ObjectInfo: ...

    def get(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes: ...

    def delete(self, bucket: str, key: str, *, version_id: str | None = None) -> None: ...

    def versions(self, bucket: str, key: str) -> list[ObjectInfo]: ...

    def restore_version(self, bucket: str, key: str, version_id: str) -> ObjectInfo: ...

    def copy(self, bucket: str, key: str, to_bucket: str, to_key: str) -> ObjectInfo: ...

    def stat(self, bucket: str, key: str) -> ObjectInfo | None: ...

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]: ...

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def presigned_get(self, bucket: str, key: str, *, expires: timedelta) -> str: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_key(sha256: str, suffix: str = "") -> str:
    """Content-addressed key: a two-character fan-out folder, then the hash."""
    return f"{sha256[:2]}/{sha256}{suffix}"


# Key scheme (README "Object layout"): `{agency}/{year}/{original sha256}...` in every bucket.
#   originals  {agency}/{year}/{sha}{.suffix}               content-addressed, locked
#   signed     {agency}/{year}/{sha}/{signed sha}.pdf        one per signing, locked
#   records    {agency}/{year}/{sha}/record-{attempt}.json   versioned; one key per attempt, so
#                                                            two processes never share a key
#   quarantine orphans/{bucket}/{key}                        objects scrub found without a row
# `agency` is the unit code (ASCII) or LOCAL; `year` is the year of digitization.
def agency_folder(agency_code: str | None) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9.-]+", "-", agency_code or "").strip("-.")
    return cleaned or "LOCAL"


def original_object_key(agency_code: str | None, year: int, sha256: str, suffix: str) -> str:
    return f"{agency_folder(agency_code)}/{year}/{sha256}{suffix}"


def signed_object_key(agency_code: str | None, year: int, sha256: str, signed_sha: str) -> str:
    return f"{agency_folder(agency_code)}/{year}/{sha256}/{signed_sha}.pdf"


def record_object_key(agency_code: str | None, year: int, sha256: str, attempt: str) -> str:
    return f"{agency_folder(agency_code)}/{year}/{sha256}/record-{attempt}.json"


class MinioObjectStore:
    """ObjectStore over the minio SDK (7.2.x)."""

    def __init__(
        self, endpoint: str, *, access_key: str, secret_key: str, secure: bool = False,
        region: str | None = None, timeout_s: float = 30.0, backoff: Backoff | None = None,
    ) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5.0, read=timeout_s),
            retries=urllib3.Retry(total=3, backoff_factor=0.2,
                                  status_forcelist=[500, 502, 503, 504]),
            maxsize=8,
        )
        self._client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
            region=region, http_client=http,
        )
        self.endpoint = endpoint
        # Transient faults (a restarting server) are retried by every call for this long.
        self.backoff = backoff or Backoff(budget_s=10.0)
        self.last_ok = 0.0  # time.monotonic() of the last call that reached the server

    def reachable(self, bucket: str) -> None:
        """A cheap round trip (HEAD bucket), retried while the server is unavailable; raises
        ObjectStoreUnavailable when it stays away for the whole budget."""
        self._bucket_exists(bucket)

    @_retried("HEAD bucket")
    def _bucket_exists(self, bucket: str) -> bool:
        try:
            return bool(self._client.bucket_exists(bucket))
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as e:
            raise _failure(e, f"the S3 server at {self.endpoint} does not answer: {e}") from e

    @_retried("bucket set-up")
    def ensure_bucket(self, bucket: str, *, versioning: bool = True,
                      object_lock: bool = False) -> None:
        """Create the bucket if missing. Object lock can only be chosen at creation: a bucket
        made without it stays without it (scrub and `s3 status` report that)."""
        try:
            if not self._client.bucket_exists(bucket):
                self._client.make_bucket(bucket, object_lock=object_lock)
            if versioning:
                self._client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
        except S3Error as e:
            if e.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return
            raise ObjectStoreError(
                f"cannot prepare bucket {bucket!r} on {self.endpoint}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as e:
            raise _failure(e, f"the S3 server at {self.endpoint} is unreachable or refused "
                              f"bucket {bucket!r}: {e}") from e

    @_retried("PUT")
    def put(
        self, bucket: str, key: str, data: bytes, *, content_type: str,
        metadata: Mapping[str, str] | None = None, lock: Lock | None = None,
    ) -> ObjectInfo:
        retention = (Retention(lock.mode, lock.until) if lock is not None and lock.until
                     else None)
        try:
            result = self._client.put_object(
                bucket, key, io.BytesIO(data), len(data), content_type=content_type,
                metadata=dict(metadata or {}), retention=retention,
                legal_hold=bool(lock and lock.legal_hold),
            )
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as e:
            raise _failure(e, f"cannot store {bucket}/{key} on {self.endpoint}: {e}") from e
        return ObjectInfo(bucket, key, len(data), result.etag or "", dict(metadata or {}),
                          result.version_id)

    @_retried("GET")
    def get(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes:
        try:
            response = self._client.get_object(bucket, key, version_id=version_id)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectMissingError(f"object {bucket}/{key} does not exist") from e
            raise _failure(e, f"cannot read {bucket}/{key}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot read {bucket}/{key} from {self.endpoint}: {e}") from e
        try:
            return response.read()
        except urllib3.exceptions.HTTPError as e:  # the connection dropped mid-body
            raise _failure(e, f"cannot read {bucket}/{key} from {self.endpoint}: {e}") from e
        finally:
            response.close()
            response.release_conn()

    @_retried("HEAD")
    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        try:
            st = self._client.stat_object(bucket, key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"):
                return None
            raise _failure(e, f"cannot stat {bucket}/{key}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot stat {bucket}/{key} on {self.endpoint}: {e}") from e
        meta = {k.lower().removeprefix("x-amz-meta-"): v for k, v in (st.metadata or {}).items()
                if k.lower().startswith("x-amz-meta-")}
        return ObjectInfo(bucket, key, st.size or 0, st.etag or "", meta, st.version_id)

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        try:
            for obj in self._client.list_objects(bucket, prefix=prefix, recursive=True):
                if obj.object_name is not None:
                    yield obj.object_name
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise ObjectStoreError(f"cannot list {bucket}/{prefix}: {e}") from e

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Current objects with size and time (no metadata: SeaweedFS lists none)."""
        try:
            for obj in self._client.list_objects(bucket, prefix=prefix, recursive=True):
                if obj.object_name is not None:
                    yield ObjectInfo(bucket, obj.object_name, obj.size or 0, obj.etag or "", {},
                                     obj.version_id, last_modified=obj.last_modified)
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise ObjectStoreError(f"cannot list {bucket}/{prefix}: {e}") from e

    def presigned_get(self, bucket: str, key: str, *, expires: timedelta) -> str:
        return self._client.presigned_get_object(bucket, key, expires=expires)

    @_retried("DELETE")
    def delete(self, bucket: str, key: str, *, version_id: str | None = None) -> None:
        """Delete a version (or, without one, hide the object behind a delete marker)."""
        try:
            self._client.remove_object(bucket, key, version_id=version_id)
        except S3Error as e:
            if e.code in _LOCKED_CODES:
                raise ObjectLockedError(
                    f"{bucket}/{key} is locked (object lock retention or legal hold) and "
                    f"cannot be deleted or overwritten: {e.code}") from e
            raise _failure(e, f"cannot delete {bucket}/{key}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot delete {bucket}/{key} on {self.endpoint}: {e}") from e

    @_retried("version listing")
    def versions(self, bucket: str, key: str) -> list[ObjectInfo]:
        """Every version of one key, newest first (delete markers included)."""
        found: list[ObjectInfo] = []
        try:
            for obj in self._client.list_objects(bucket, prefix=key, include_version=True):
                if obj.object_name != key:
                    continue
                found.append(ObjectInfo(bucket, key, obj.size or 0, obj.etag or "", {},
                                        obj.version_id, bool(obj.is_latest),
                                        bool(obj.is_delete_marker)))
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot list versions of {bucket}/{key}: {e}") from e
        return found  # S3 lists versions newest first (SeaweedFS marks every one "latest")

    @_retried("copy")
    def restore_version(self, bucket: str, key: str, version_id: str) -> ObjectInfo:
        """Make an earlier version the current one again (by copying it on top)."""
        try:
            result = self._client.copy_object(bucket, key, CopySource(bucket, key,
                                                                      version_id=version_id))
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot restore {bucket}/{key}@{version_id}: {e}") from e
        stat = self.stat(bucket, key)
        return stat or ObjectInfo(bucket, key, 0, result.etag or "", {}, result.version_id)

    @_retried("copy")
    def copy(self, bucket: str, key: str, to_bucket: str, to_key: str) -> ObjectInfo:
        try:
            result = self._client.copy_object(to_bucket, to_key, CopySource(bucket, key))
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise _failure(e, f"cannot copy {bucket}/{key} to {to_bucket}: {e}") from e
        return ObjectInfo(to_bucket, to_key, 0, result.etag or "", {}, result.version_id)

    def object_lock_enabled(self, bucket: str) -> bool:
        try:
            return self._client.get_object_lock_config(bucket) is not None
        except S3Error:
            return False
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise ObjectStoreError(f"cannot read the lock settings of {bucket}: {e}") from e

    def check_writable(self, bucket: str, *, retry: bool = True) -> None:
        """Write, read back and delete a small probe: the server accepts writes right now.
        Without `retry`, one attempt per call (after a write already failed for the whole
        budget, waiting again tells nothing new)."""
        if not retry:
            once = copy.copy(self)
            once.backoff = NO_RETRY
            once.check_writable(bucket)
            return
        key = f"_health/{secrets.token_hex(8)}"
        data = secrets.token_bytes(64)
        self.put(bucket, key, data, content_type="application/octet-stream")
        if self.get(bucket, key) != data:
            raise ObjectStoreError(f"the S3 server at {self.endpoint} returned other bytes "
                                   "than were written")
        for info in self.versions(bucket, key):
            self.delete(bucket, key, version_id=info.version_id)
