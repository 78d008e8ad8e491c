"""Index-first claims on a content hash, result codes allocated with the row, on SQLite and on a
real PostgreSQL server; and real processes racing for the same hashes."""

from __future__ import annotations

import hashlib
import multiprocessing
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from storage.index import (
    Claim,
    ClaimLost,
    Completion,
    DocumentFile,
    DocumentIndex,
    DocumentParty,
    DocumentRow,
    SearchText,
    record_sha256,
)

LEASE = timedelta(seconds=60)


def _template(name: str = "/scans/a.pdf") -> DocumentRow:
    return DocumentRow(id="", original_sha256="", original_name=name, status="")


def _complete(index: DocumentIndex, claim: Claim, *, owner_id: str = "038095001234") -> None:
    row = index.get(claim.document_id)
    assert row is not None
    row.status, row.owner_id, row.doc_type = "stored", owner_id, "QUYẾT ĐỊNH"
    record = {"id": row.id, "identifiers": {"result_code": row.result_code}}
    index.complete(claim, Completion(
        row, DocumentFile(document_id=row.id, original_sha256=claim.original_sha256,
                          original_name=row.original_name),
        record, record_sha256(record),
        parties=[DocumentParty(document_id=row.id, role="owner", id_value=owner_id)],
        search=SearchText("Quảng Trị", "quang tri")))


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentIndex]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    else:
        base: str = request.getfixturevalue("postgres_url")
        name = "claims_" + uuid.uuid4().hex[:8]
        with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = base.rsplit("/", 1)[0] + "/" + name
    index = DocumentIndex(url)
    yield index
    index.close()


def _code(seq: int) -> str:
    return f"KQ.T.{seq:06d}"


def test_second_claim_sees_the_first_and_a_lapsed_claim_is_taken_over(
        index: DocumentIndex) -> None:
    sha = "a" * 64
    first = index.claim(sha, doc_id=sha[:16], owner="p1", lease=LEASE, template=_template())
    assert isinstance(first, Claim)
    second = index.claim(sha, doc_id=sha[:16], owner="p2", lease=LEASE, template=_template())
    assert isinstance(second, DocumentRow) and second.status == "processing"
    # p1 crashes: its lease lapses, p3 takes the hash over and p1 can no longer store it.
    stale = index.claim("b" * 64, doc_id="b" * 16, owner="p1", lease=timedelta(seconds=-1),
                        template=_template())
    assert isinstance(stale, Claim)
    taken = index.claim("b" * 64, doc_id="b" * 16, owner="p3", lease=LEASE,
                        template=_template())
    assert isinstance(taken, Claim) and taken.owner == "p3"
    with pytest.raises(ClaimLost):
        _complete(index, stale)
    with pytest.raises(ClaimLost):
        index.assign_result_code(stale, "result:T", _code)
    assert index.renew(taken, LEASE) and not index.renew(stale, LEASE)
    index.assign_result_code(taken, "result:T", _code)
    _complete(index, taken)
    stored = index.get("b" * 16)
    assert stored is not None and stored.status == "stored" and stored.lease_owner is None
    assert index.record_of(stored.id) is not None
    assert [p.role for p in index.parties_of(stored.id)] == ["owner"]
    assert index.file_by_sha256("b" * 64) is not None


def test_result_codes_have_no_gaps_and_a_retry_keeps_its_code(index: DocumentIndex) -> None:
    a = index.claim("1" * 64, doc_id="1" * 16, owner="p1", lease=LEASE, template=_template())
    b = index.claim("2" * 64, doc_id="2" * 16, owner="p1", lease=LEASE, template=_template())
    c = index.claim("3" * 64, doc_id="3" * 16, owner="p1", lease=LEASE, template=_template())
    assert isinstance(a, Claim) and isinstance(b, Claim) and isinstance(c, Claim)
    # c fails before a code is allocated (OCR): its row goes, no number is used.
    index.release(c, reason_code="OCR_FAILED", reason_message="unreadable")
    assert index.get("3" * 16) is None
    assert index.assign_result_code(a, "result:T", _code) == _code(1)
    assert index.assign_result_code(a, "result:T", _code) == _code(1)  # idempotent
    # b fails after its code was allocated (S3 down while storing): the row keeps the code...
    assert index.assign_result_code(b, "result:T", _code) == _code(2)
    index.release(b, reason_code="OBJECT_STORE_FAILED", reason_message="S3 down")
    failed = index.get("2" * 16)
    assert failed is not None and failed.status == "failed" and failed.result_code == _code(2)
    # ...and the retry takes the row over and reuses it.
    retry = index.claim("2" * 64, doc_id="2" * 16, owner="p2", lease=LEASE,
                        template=_template())
    assert isinstance(retry, Claim) and retry.result_code == _code(2)
    assert index.assign_result_code(retry, "result:T", _code) == _code(2)
    _complete(index, retry)
    _complete(index, a)
    d = index.claim("4" * 64, doc_id="4" * 16, owner="p1", lease=LEASE, template=_template())
    assert isinstance(d, Claim)
    assert index.assign_result_code(d, "result:T", _code) == _code(3)


def _race(url: str, hashes: list[str], owner: str, out: multiprocessing.Queue) -> None:
    index = DocumentIndex(url, migrate_schema=False)
    won = []
    for sha in hashes:
        claim = index.claim(sha, doc_id=sha[:16], owner=owner, lease=LEASE,
                            template=_template())
        if isinstance(claim, Claim):
            index.assign_result_code(claim, "result:T", _code)
            time.sleep(0.01)  # the "expensive work"
            _complete(index, claim)
            won.append(sha)
    index.close()
    out.put(won)


def test_real_processes_racing_store_each_hash_once_with_contiguous_codes(
        index: DocumentIndex) -> None:
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(40)]
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = context.Queue()
    workers = [context.Process(target=_race, args=(index.url, order, f"w{n}", out))
               for n, order in enumerate([hashes, hashes[::-1], hashes[10:] + hashes[:10]])]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    won = [sha for result in results for sha in result]
    assert sorted(won) == sorted(hashes)  # every hash stored exactly once
    rows = [index.get(sha[:16]) for sha in hashes]
    assert all(r is not None and r.status == "stored" for r in rows)
    codes = sorted(r.result_code or "" for r in rows if r is not None)
    assert codes == [_code(n) for n in range(1, len(hashes) + 1)]  # no gaps, no repeats
