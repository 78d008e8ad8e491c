"""Scrub against the real S3 server and SQLite: a crashed process's claim is released, a record
stored before the index kept copies is adopted, a young unreferenced object is left alone."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.scrub import ORPHAN, RECORD_NOT_INDEXED, STALE_CLAIM, ScrubOptions, scrub
from storage.index import Claim, DocumentIndex, DocumentRow
from storage.objects import MinioObjectStore, sha256_hex
from storage.seaweed import S3Endpoint

pytestmark = pytest.mark.integration


def test_scrub_releases_lapsed_claims_adopts_records_and_spares_young_objects(
        tmp_path: Path, s3_server: S3Endpoint) -> None:
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    prefix = "s" + secrets.token_hex(3)
    buckets = (f"{prefix}-o", f"{prefix}-s", f"{prefix}-r")
    for bucket in (*buckets, f"{prefix}-q"):
        store.ensure_bucket(bucket)
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    try:
        crashed = index.claim("c" * 64, doc_id="c" * 16, owner="dead-1",
                              lease=timedelta(seconds=-5), template=DocumentRow(
                                  id="", original_sha256="", original_name="x", status=""))
        assert isinstance(crashed, Claim)
        # a document stored by the previous version: objects and a row, no record copy
        original, signed = b"scan bytes", b"%PDF signed bytes"
        record = {"signed": {"sha256": sha256_hex(signed)}, "id": "d" * 16}
        store.put(buckets[0], "o.png", original, content_type="image/png")
        store.put(buckets[1], "s.pdf", signed, content_type="application/pdf")
        store.put(buckets[2], "r.json", json.dumps(record).encode(),
                  content_type="application/json")
        index.add(DocumentRow(
            id="d" * 16, original_sha256=sha256_hex(original), original_name="/scans/d.png",
            status="stored", original_bucket=buckets[0], original_key="o.png",
            signed_bucket=buckets[1], signed_key="s.pdf", signed_sha256=sha256_hex(signed),
            record_bucket=buckets[2], record_key="r.json"))
        store.put(buckets[1], "young.pdf", b"%PDF uploading", content_type="application/pdf")
        options = ScrubOptions(buckets, f"{prefix}-q", repair=False,
                               grace=timedelta(minutes=5))
        kinds = {f.kind for f in scrub(index, store, options).findings}
        assert kinds == {STALE_CLAIM, RECORD_NOT_INDEXED}  # the young object is not an orphan
        repaired = scrub(index, store, ScrubOptions(buckets, f"{prefix}-q", repair=True,
                                                    grace=timedelta(minutes=5)))
        assert repaired.ok and len(repaired.findings) == 2
        assert index.get("c" * 16) is None  # released: the file can be digitized again
        copy = index.record_of("d" * 16)
        assert copy is not None and copy.record == record
        late = scrub(index, store, ScrubOptions(buckets, f"{prefix}-q", repair=False,
                                                grace=timedelta(0)))
        assert [(f.kind, f.key) for f in late.findings] == [(ORPHAN, "young.pdf")]
    finally:
        index.close()
