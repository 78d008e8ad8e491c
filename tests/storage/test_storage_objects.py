"""The object store against the real S3 server (SeaweedFS weed mini on 127.0.0.1)."""

from __future__ import annotations

import secrets
import urllib.request
from datetime import timedelta

import pytest

from storage.errors import ObjectMissingError, ObjectStoreError
from storage.objects import MinioObjectStore, content_key, sha256_hex
from storage.seaweed import S3Endpoint

pytestmark = pytest.mark.integration


@pytest.fixture()
def store(s3_server: S3Endpoint) -> MinioObjectStore:
    return MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                            secret_key=s3_server.secret_key)


def test_put_get_stat_roundtrip_with_content_key(store: MinioObjectStore) -> None:
    bucket = "t-" + secrets.token_hex(4)
    store.ensure_bucket(bucket)
    store.ensure_bucket(bucket)  # idempotent
    data = "Quyết định số 15/QĐ-UBND".encode() * 100
    key = content_key(sha256_hex(data), ".txt")
    info = store.put(bucket, key, data, content_type="text/plain",
                     metadata={"sha256": sha256_hex(data)})
    assert info.size == len(data)
    assert store.get(bucket, key) == data
    stat = store.stat(bucket, key)
    assert stat is not None and stat.size == len(data)
    assert stat.metadata.get("sha256") == sha256_hex(data)
    assert key in list(store.list_keys(bucket, key[:2]))


def test_missing_object_is_none_on_stat_and_error_on_get(store: MinioObjectStore) -> None:
    bucket = "t-" + secrets.token_hex(4)
    store.ensure_bucket(bucket)
    assert store.stat(bucket, "no/such/key") is None
    with pytest.raises(ObjectMissingError):
        store.get(bucket, "no/such/key")


def test_versioning_keeps_both_versions(store: MinioObjectStore) -> None:
    bucket = "t-" + secrets.token_hex(4)
    store.ensure_bucket(bucket, versioning=True)
    first = store.put(bucket, "record.json", b"{}", content_type="application/json")
    second = store.put(bucket, "record.json", b'{"a":1}', content_type="application/json")
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert store.get(bucket, "record.json") == b'{"a":1}'


def test_presigned_url_downloads_and_tampering_is_refused(store: MinioObjectStore) -> None:
    bucket = "t-" + secrets.token_hex(4)
    store.ensure_bucket(bucket)
    store.put(bucket, "a.pdf", b"%PDF-1.7 test", content_type="application/pdf")
    url = store.presigned_get(bucket, "a.pdf", expires=timedelta(minutes=5))
    assert urllib.request.urlopen(url, timeout=10).read() == b"%PDF-1.7 test"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url.replace("a.pdf", "b.pdf"), timeout=10)
    assert info.value.code == 403


def test_wrong_credentials_give_a_storage_error(s3_server: S3Endpoint) -> None:
    bad = MinioObjectStore(s3_server.endpoint, access_key="nobody", secret_key="wrong-secret")
    with pytest.raises(ObjectStoreError):
        bad.ensure_bucket("t-" + secrets.token_hex(4))
