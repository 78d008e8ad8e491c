"""Object store: a narrow protocol and its real implementation over the `minio` SDK.

The same `MinioObjectStore` talks to the embedded SeaweedFS server (tests, laptops) and to MinIO in
production. Object metadata must be ASCII (the SDK rejects other header values), so Vietnamese text
never goes into S3 headers: it lives in the JSON record object and the index.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import MinioException, S3Error
from minio.versioningconfig import VersioningConfig

from storage.errors import ObjectMissingError, ObjectStoreError


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str
    metadata: Mapping[str, str]
    version_id: str | None = None


class ObjectStore(Protocol):
    def ensure_bucket(self, bucket: str, *, versioning: bool = True) -> None: ...

    def put(
        self, bucket: str, key: str, data: bytes, *, content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo: ...

    def get(self, bucket: str, key: str) -> bytes: ...

    def stat(self, bucket: str, key: str) -> ObjectInfo | None: ...

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]: ...

    def presigned_get(self, bucket: str, key: str, *, expires: timedelta) -> str: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_key(sha256: str, suffix: str = "") -> str:
    """Content-addressed key: a two-character fan-out folder, then the hash."""
    return f"{sha256[:2]}/{sha256}{suffix}"


class MinioObjectStore:
    """ObjectStore over the minio SDK (7.2.x)."""

    def __init__(
        self, endpoint: str, *, access_key: str, secret_key: str, secure: bool = False,
        region: str | None = None, timeout_s: float = 30.0,
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

    def ensure_bucket(self, bucket: str, *, versioning: bool = True) -> None:
        try:
            if not self._client.bucket_exists(bucket):
                self._client.make_bucket(bucket)
            if versioning:
                self._client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
        except S3Error as e:
            if e.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                return
            raise ObjectStoreError(
                f"cannot prepare bucket {bucket!r} on {self.endpoint}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as e:
            raise ObjectStoreError(
                f"the S3 server at {self.endpoint} is unreachable or refused bucket {bucket!r}: {e}"
            ) from e

    def put(
        self, bucket: str, key: str, data: bytes, *, content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        try:
            result = self._client.put_object(
                bucket, key, io.BytesIO(data), len(data), content_type=content_type,
                metadata=dict(metadata or {}),
            )
        except (MinioException, urllib3.exceptions.HTTPError, ValueError) as e:
            raise ObjectStoreError(f"cannot store {bucket}/{key} on {self.endpoint}: {e}") from e
        return ObjectInfo(bucket, key, len(data), result.etag or "", dict(metadata or {}),
                          result.version_id)

    def get(self, bucket: str, key: str) -> bytes:
        try:
            response = self._client.get_object(bucket, key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectMissingError(f"object {bucket}/{key} does not exist") from e
            raise ObjectStoreError(f"cannot read {bucket}/{key}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise ObjectStoreError(f"cannot read {bucket}/{key} from {self.endpoint}: {e}") from e
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stat(self, bucket: str, key: str) -> ObjectInfo | None:
        try:
            st = self._client.stat_object(bucket, key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound"):
                return None
            raise ObjectStoreError(f"cannot stat {bucket}/{key}: {e}") from e
        except (MinioException, urllib3.exceptions.HTTPError) as e:
            raise ObjectStoreError(f"cannot stat {bucket}/{key} on {self.endpoint}: {e}") from e
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

    def presigned_get(self, bucket: str, key: str, *, expires: timedelta) -> str:
        return self._client.presigned_get_object(bucket, key, expires=expires)
