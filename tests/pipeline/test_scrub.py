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
        # stored before 0002 by two processes at once: the loser's record was written over the
        # winner's under the same key (issue 9), and the index has no copy to repair it from
        winner = {"signed": {"sha256": sha256_hex(b"%PDF winner")}, "id": "e" * 16}
        store.put(buckets[1], "w.pdf", b"%PDF winner", content_type="application/pdf")
        store.put(buckets[2], "e.json", json.dumps(winner).encode(),
                  content_type="application/json")
        store.put(buckets[2], "e.json", json.dumps({"signed": {"sha256": "0" * 64}}).encode(),
                  content_type="application/json")
        index.add(DocumentRow(
            id="e" * 16, original_sha256="e" * 64, original_name="/scans/e.png",
            status="stored", original_bucket=buckets[0], original_key="o.png",
            signed_bucket=buckets[1], signed_key="w.pdf",
            signed_sha256=sha256_hex(b"%PDF winner"), record_bucket=buckets[2],
            record_key="e.json"))
        store.put(buckets[1], "young.pdf", b"%PDF uploading", content_type="application/pdf")
        options = ScrubOptions(buckets, f"{prefix}-q", repair=False,
                               grace=timedelta(minutes=5))
        found = [(f.kind, f.document_id) for f in scrub(index, store, options).findings]
        # the original shared by both rows is fine; the young object is not an orphan
        assert sorted(found, key=str) == sorted([
            (STALE_CLAIM, "c" * 16), (RECORD_NOT_INDEXED, "d" * 16),
            (RECORD_NOT_INDEXED, "e" * 16), ("object_altered", "e" * 16)], key=str)
        repaired = scrub(index, store, ScrubOptions(buckets, f"{prefix}-q", repair=True,
                                                    grace=timedelta(minutes=5)))
        assert len(repaired.findings) == 4
        assert [f.kind for f in repaired.unrepaired] == ["object_altered"]  # no good version
        assert json.loads(store.get(buckets[2], "e.json")) == winner  # restored
        adopted = index.record_of("e" * 16)
        assert adopted is not None and adopted.record == winner
        assert index.get("c" * 16) is None  # released: the file can be digitized again
        copy = index.record_of("d" * 16)
        assert copy is not None and copy.record == record
        late = scrub(index, store, ScrubOptions(buckets, f"{prefix}-q", repair=False,
                                                grace=timedelta(0)))
        assert sorted((f.kind, f.key) for f in late.findings) == [
            ("object_altered", "o.png"), (ORPHAN, "young.pdf")]
    finally:
        index.close()
