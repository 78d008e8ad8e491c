"""A review rewrites the document's parties with its fields (issue 8, item 5), against the real
S3 server and the index on SQLite and PostgreSQL: `lookup --owner-id` and the reuse API find a
document by its reviewed ids, never by an id the reviewer corrected away, and show the role."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from pipeline.extract import ExtractOptions, PageInput, Party, extract_metadata
from pipeline.queries import lookup_matches
from pipeline.record import apply_fields_to_row, parties_of
from pipeline.reuse import ReusableQuery, find_reusable
from pipeline.review import (
    InvalidCorrection,
    PartyEdit,
    ReviewDecision,
    apply_party_edits,
    parse_party_edits,
    review_document,
)
from pipeline.search import indexed_text, search_documents
from storage.index import (
    Claim,
    Completion,
    DocumentFile,
    DocumentIndex,
    DocumentRow,
    record_sha256,
)
from storage.objects import MinioObjectStore, ObjectStore
from storage.seaweed import S3Endpoint
from tests.pipeline.test_review import DECISION

pytestmark = pytest.mark.integration
OPTIONS = ExtractOptions(today=date(2026, 11, 30))
READ = "045085001234"  # the id as the scan was read: the owner's and the decision subject's
RIGHT = "045085001243"  # the id the reviewer types from the paper
OTHER = "001203004567"  # a second person the reviewer adds


@dataclass(frozen=True)
class Stored:
    index: DocumentIndex
    store: ObjectStore
    doc_id: str


def _new_pg_db(base: str) -> str:
    name = "parties_" + secrets.token_hex(4)
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def stored(request: pytest.FixtureRequest, tmp_path: Path,
           s3_server: S3Endpoint) -> Iterator[Stored]:
    """The decision digitized as the pipeline stores it: record in S3, row, parties, text."""
    url = (f"sqlite:///{tmp_path / 'index.sqlite3'}" if request.param == "sqlite"
           else _new_pg_db(request.getfixturevalue("postgres_url")))
    index = DocumentIndex(url)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    bucket = "rv-" + secrets.token_hex(4)
    store.ensure_bucket(bucket, versioning=True)
    try:
        yield Stored(index, store, store_decision(index, store, bucket))
    finally:
        index.close()


def store_decision(index: DocumentIndex, store: ObjectStore, bucket: str, *,
                   legacy_role: bool = False) -> str:
    extraction = extract_metadata([PageInput(DECISION)], options=OPTIONS)
    values = extraction.values()
    assert [(p.role, p.id) for p in extraction.parties] == [
        ("owner", READ), ("decision_subject", READ)]
    sha = secrets.token_hex(32)
    claim = index.claim(sha, doc_id=sha[:16], owner="test", lease=timedelta(minutes=5),
                        template=DocumentRow(id="", original_sha256="", original_name="x",
                                             status=""))
    assert isinstance(claim, Claim)
    metadata = extraction.to_dict()
    if legacy_role:  # written before the role was renamed
        metadata["parties"][1]["role"] = "subject_person"
    record = {"id": claim.document_id, "metadata": metadata, "history": [],
              "pages": [{"index": 0, "source": "ocr", "confidence": 91.0, "quality": 0.9,
                         "text": DECISION}]}
    key = f"{claim.document_id}.json"
    store.put(bucket, key, json.dumps(record, ensure_ascii=False).encode(),
              content_type="application/json")
    row = DocumentRow(id=claim.document_id, original_sha256=sha, original_name="/scans/qd.png",
                      status="needs_review", signed_bucket="s", signed_key="k.pdf",
                      signed_sha256="0" * 64, record_bucket=bucket, record_key=key)
    apply_fields_to_row(row, values)
    parties = parties_of(extraction, values)
    if legacy_role:
        parties[1].role = "subject_person"
    index.complete(claim, Completion(
        row, DocumentFile(document_id=row.id, original_sha256=sha, original_name="x"),
        record, record_sha256(record), parties=parties,
        search=indexed_text(values, [DECISION])))
    return claim.document_id


def lookup_roles(index: DocumentIndex, person: str) -> dict[str, str]:
    """What `sohoa lookup --owner-id` shows: document id → the person's role in it."""
    return {m.row.id: m.role for m in lookup_matches(index, owner_id=person,
                                                     include_pending=True)}


def reusable_roles(index: DocumentIndex, person: str) -> dict[str, str]:
    """What the reuse API answers (GET /v1/documents?owner_id=…)."""
    with index.session() as s:
        page = find_reusable(s, ReusableQuery(owner_id=person, valid_on=date(2026, 12, 1)))
    return {item.row.id: item.role for item in page.items}


def test_a_corrected_owner_id_is_found_by_the_new_id_and_not_the_old(stored: Stored) -> None:
    index, doc = stored.index, stored.doc_id
    assert lookup_roles(index, READ) == {doc: "owner"}
    review_document(index, stored.store, doc, ReviewDecision({"owner_id": RIGHT}, "rv-1"),
                    options=OPTIONS)
    # The decision subject carried the same misread id (one person): corrected with it.
    assert [(p.role, p.id_value) for p in index.parties_of(doc)] == [
        ("owner", RIGHT), ("decision_subject", RIGHT)]
    assert lookup_roles(index, RIGHT) == {doc: "owner"}
    assert lookup_roles(index, READ) == {}
    assert reusable_roles(index, RIGHT) == {doc: "owner"}  # approved: reusable
    assert reusable_roles(index, READ) == {}
    assert [h.document_id for h in search_documents(index, "nâng bậc", owner_id=RIGHT)] == [doc]
    assert search_documents(index, "nâng bậc", owner_id=READ) == []
    history = {e.field: (e.old_value, e.new_value) for e in index.review_history(doc)}
    assert history["owner_id"] == (READ, RIGHT)
    old, new = history["parties"]
    assert old is not None and READ in old and RIGHT not in old
    assert new is not None and RIGHT in new and READ not in new
    record = json.loads(stored.store.get(*_record_key(index, doc)))
    assert {p["id"] for p in record["metadata"]["parties"]} == {RIGHT}
    assert any(h["field"] == "parties" and h["by"] == "rv-1" for h in record["history"])
    copy = index.record_of(doc)
    assert copy is not None and copy.record == record


def test_added_replaced_and_removed_parties_match_only_as_reviewed(stored: Stored) -> None:
    index, doc = stored.index, stored.doc_id
    review_document(index, stored.store, doc, ReviewDecision(
        {}, "rv-1", approve=False,
        party_edits=parse_party_edits([f"legal_representative:Phạm Thị Lan:{OTHER}"])),
        options=OPTIONS)
    assert lookup_roles(index, OTHER) == {doc: "legal_representative"}
    assert lookup_roles(index, READ) == {doc: "owner"}
    # Party 2 (the decision subject) corrected to another id: the owner keeps the read id.
    review_document(index, stored.store, doc, ReviewDecision(
        {}, "rv-1", approve=False,
        party_edits=(PartyEdit(2, "decision_subject", "Trần Văn Bình", RIGHT),)),
        options=OPTIONS)
    assert lookup_roles(index, RIGHT) == {doc: "decision_subject"}
    # Party 3 (the one added) removed: its id no longer finds the document.
    review_document(index, stored.store, doc, ReviewDecision(
        {}, "rv-1", party_edits=parse_party_edits(["3="])), options=OPTIONS)
    assert lookup_roles(index, OTHER) == {}
    assert reusable_roles(index, OTHER) == {}
    assert reusable_roles(index, RIGHT) == {doc: "decision_subject"}
    assert [(p.role, p.id_value) for p in index.parties_of(doc)] == [
        ("owner", READ), ("decision_subject", RIGHT)]
    changes = [e for e in index.review_history(doc) if e.field == "parties"]
    assert len(changes) == 3 and all(e.actor == "rv-1" for e in changes)


def test_a_cleared_owner_id_no_longer_matches(stored: Stored) -> None:
    index, doc = stored.index, stored.doc_id
    review_document(index, stored.store, doc, ReviewDecision({"owner_id": ""}, "rv-2"),
                    options=OPTIONS)
    assert lookup_roles(index, READ) == {}
    assert all(p.id_value is None for p in index.parties_of(doc))


def test_a_bad_party_edit_changes_nothing(stored: Stored) -> None:
    index, doc = stored.index, stored.doc_id
    before = [(p.role, p.id_value) for p in index.parties_of(doc)]
    for edit in ("9=decision_subject:A:" + OTHER, "1=decision_subject:A:" + OTHER,
                 "witness:A:" + OTHER, "member:A:123", "owner:A:" + OTHER, "member::"):
        with pytest.raises(InvalidCorrection):
            review_document(index, stored.store, doc, ReviewDecision(
                {}, "rv-3", party_edits=parse_party_edits([edit])), options=OPTIONS)
    assert [(p.role, p.id_value) for p in index.parties_of(doc)] == before
    assert index.review_history(doc) == []
    row = index.get(doc)
    assert row is not None and row.status == "needs_review"


def test_a_record_stored_before_the_role_rename_is_reviewed_with_the_new_role(
        tmp_path: Path, s3_server: S3Endpoint) -> None:
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    bucket = "rv-" + secrets.token_hex(4)
    store.ensure_bucket(bucket, versioning=True)
    try:
        doc = store_decision(index, store, bucket, legacy_role=True)
        review_document(index, store, doc, ReviewDecision({}, "rv-4"), options=OPTIONS)
        assert [p.role for p in index.parties_of(doc)] == ["owner", "decision_subject"]
        record = json.loads(store.get(bucket, f"{doc}.json"))
        assert [p["role"] for p in record["metadata"]["parties"]] == [
            "owner", "decision_subject"]
    finally:
        index.close()


def _record_key(index: DocumentIndex, doc: str) -> tuple[str, str]:
    row = index.get(doc)
    assert row is not None and row.record_bucket and row.record_key
    return row.record_bucket, row.record_key


def test_party_edits_parse_from_the_command_line() -> None:
    assert parse_party_edits(["child:Lê Văn C:", "2=father::0010 8500 1234", "3="]) == (
        PartyEdit(None, "child", "Lê Văn C", None),
        PartyEdit(2, "father", None, "001085001234"),
        PartyEdit(3, None))
    with pytest.raises(InvalidCorrection):
        parse_party_edits([""])


def test_party_edits_keep_the_stored_numbering_and_normalize_ids() -> None:
    stored = (Party("owner", "Trần Văn Bình", READ, "cccd", 1.0),
              Party("decision_subject", "Trần Văn Bình", READ, "cccd", 0.9),
              Party("member", "Lê Văn C", None, None, 0.8))
    edited = apply_party_edits(stored, parse_party_edits(
        ["2=", "3=member:Lê Văn C:b 1234567", f"father:Trần Văn A:{OTHER}"]))
    assert [(p.role, p.id, p.id_kind) for p in edited] == [
        ("owner", READ, "cccd"), ("member", "B1234567", "passport"),
        ("father", OTHER, "cccd")]
