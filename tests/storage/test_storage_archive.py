"""Archive storage against the real components: migrations on SQLite and PostgreSQL, full-text
search on both, object lock on the real S3 server, and the embedded server's lifetime across
real processes."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from pipeline.search import indexed_text, search_documents
from storage.errors import ObjectLockedError
from storage.index import (
    Claim,
    Completion,
    DocumentFile,
    DocumentIndex,
    DocumentParty,
    DocumentRow,
    migrate,
    record_sha256,
)
from storage.objects import Lock, MinioObjectStore
from storage.seaweed import EmbeddedS3, S3Endpoint

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _new_pg_db(base: str) -> str:
    name = "arch_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite3'}"
    return _new_pg_db(request.getfixturevalue("postgres_url"))


def _store(index: DocumentIndex, sha: str, text: str, *, owner: str, doc_type: str,
           issued: date, parties: list[DocumentParty] | None = None) -> None:
    claim = index.claim(sha, doc_id=sha[:16], owner="t", lease=timedelta(minutes=1),
                        template=DocumentRow(id="", original_sha256="", original_name="x",
                                             status=""))
    assert isinstance(claim, Claim)
    row = index.get(sha[:16])
    assert row is not None
    row.status, row.owner_id, row.doc_type, row.issue_date = "stored", owner, doc_type, issued
    row.issuing_agency = "UBND TỈNH QUẢNG TRỊ"
    record = {"id": row.id}
    index.complete(claim, Completion(
        row, DocumentFile(document_id=row.id, original_sha256=sha, original_name="x"),
        record, record_sha256(record),
        parties=[DocumentParty(document_id=row.id, role="owner", id_value=owner),
                 *(parties or [])],
        search=indexed_text({"doc_type": doc_type}, [text])))


def test_migrations_from_empty_and_from_0001_with_data(db_url: str) -> None:
    migrate(db_url, revision="0001")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # a document stored by the previous version
        conn.execute(sa.text(
            "INSERT INTO documents (id, original_sha256, original_name, original_size, status, "
            "permanent, page_count, fields, review_reasons, created_at, updated_at, owner_id, "
            "owner_name, signed_key, signed_bucket, signed_sha256) VALUES ('d1', :sha, "
            "'/scans/a.pdf', 1, 'stored', false, 1, '{}', '[]', :now, :now, '038095001234', "
            "'Nguyễn Văn A', 'k', 'b', 's')"), {"sha": "d" * 64, "now": datetime.now(UTC)})
    engine.dispose()
    index = DocumentIndex(db_url)  # upgrades 0001 → head
    try:
        row = index.get("d1")
        assert row is not None and row.version == 1
        assert [(p.role, p.id_value) for p in index.parties_of("d1")] == [
            ("owner", "038095001234")]
        assert index.file_by_sha256("d" * 64) is not None
        with index.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("documents")}
        assert {"ix_documents_owner_type_validity", "ix_documents_number_agency",
                "uq_documents_result_code"} <= indexes
    finally:
        index.close()


def test_migration_0007_gives_parties_stored_before_the_rename_their_role(db_url: str) -> None:
    migrate(db_url, revision="0006")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # a decision indexed when the role was subject_person
        conn.execute(sa.text(
            "INSERT INTO documents (id, original_sha256, original_name, original_size, status, "
            "permanent, page_count, fields, review_reasons, created_at, updated_at, owner_id, "
            "version) VALUES ('d7', :sha, '/scans/qd.pdf', 1, 'stored', false, 1, '{}', '[]', "
            ":now, :now, '045085001234', 1)"), {"sha": "7" * 64, "now": datetime.now(UTC)})
        conn.execute(sa.text(
            "INSERT INTO document_parties (document_id, role, name, id_value) VALUES "
            "('d7', 'owner', NULL, '045085001234'), "
            "('d7', 'subject_person', 'Trần Văn Bình', '001203004567')"))
    engine.dispose()
    index = DocumentIndex(db_url)  # upgrades 0006 → head
    try:
        assert [p.role for p in index.parties_of("d7")] == ["owner", "decision_subject"]
        assert [(row.id, role) for row, role in index.find_by_party("001203004567")] == [
            ("d7", "decision_subject")]
    finally:
        index.close()


def test_a_review_replaces_the_parties_in_its_transaction(db_url: str) -> None:
    index = DocumentIndex(db_url)
    try:
        _store(index, "5" * 64, "quyết định nâng bậc lương", owner="045085001234",
               doc_type="QUYẾT ĐỊNH", issued=date(2024, 3, 5),
               parties=[DocumentParty(document_id="", role="decision_subject",
                                      id_value="001203004567")])
        row = index.get("5" * 16)
        assert row is not None
        row.owner_id, row.status = "045085001243", "approved"
        record = {"id": row.id, "reviewed": True}
        index.record_review(row, [], record=record, parties=[
            DocumentParty(document_id="", role="owner", id_value="045085001243")],
            search=indexed_text({"doc_type": "QUYẾT ĐỊNH"}, ["quyết định nâng bậc lương"]))
        assert index.find_by_party("045085001234") == []
        assert index.find_by_party("001203004567") == []  # removed in review
        assert [(r.id, role) for r, role in index.find_by_party("045085001243")] == [
            (row.id, "owner")]
        assert [h.document_id for h in search_documents(
            index, "nâng bậc", owner_id="045085001243")] == [row.id]
        assert search_documents(index, "nâng bậc", owner_id="001203004567") == []
        copy = index.record_of(row.id)
        assert copy is not None and copy.record == record
    finally:
        index.close()


def test_search_is_accent_insensitive_and_exact_diacritics_rank_first(db_url: str) -> None:
    index = DocumentIndex(db_url)
    try:
        _store(index, "1" * 64, "Ủy ban nhân dân tỉnh Quảng Trị cấp giấy phép xây dựng",
               owner="045187678636", doc_type="GIẤY PHÉP XÂY DỰNG", issued=date(2024, 3, 5))
        _store(index, "2" * 64, "UY BAN NHAN DAN TINH QUANG TRI thong bao khong dau",
               owner="038095001234", doc_type="THÔNG BÁO", issued=date(2023, 1, 2),
               parties=[DocumentParty(document_id="", role="witness",
                                      id_value="045187678636")])
        _store(index, "3" * 64, "Quảng Nam, quyết định về việc cấp phép",
               owner="001203004567", doc_type="QUYẾT ĐỊNH", issued=date(2022, 6, 1))
        hits = search_documents(index, "Quảng Trị")
        assert [h.document_id[0] for h in hits] == ["1", "2"]
        assert hits[0].exact and not hits[1].exact
        assert "Quảng Trị" in hits[0].snippet
        plain = search_documents(index, "quang tri")
        assert {h.document_id[0] for h in plain} == {"1", "2"}
        assert plain[0].document_id[0] == "2"  # written without accents, as typed
        assert {h.document_id[0] for h in search_documents(index, "cấp phép")} == {"1", "3"}
        assert [h.document_id[0] for h in search_documents(
            index, "quang", date_from=date(2024, 1, 1))] == ["1"]
        assert [h.document_id[0] for h in search_documents(
            index, "quang", doc_type="thông báo")] == ["2"]
        # --owner-id also finds documents in which the id is a party
        assert {h.document_id[0] for h in search_documents(
            index, "quang tri", owner_id="045187678636")} == {"1", "2"}
        assert search_documents(index, "không có từ này") == []
        roles = {row.id[0]: role for row, role in index.find_by_party("045187678636")}
        assert roles == {"1": "owner", "2": "witness"}
    finally:
        index.close()


def test_object_lock_keeps_originals_for_their_retention(s3_server: S3Endpoint) -> None:
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    bucket = "lock-" + secrets.token_hex(4)
    store.ensure_bucket(bucket, object_lock=True)
    assert store.object_lock_enabled(bucket)
    until = datetime.now(UTC) + timedelta(seconds=4)
    kept = store.put(bucket, "QT/2026/a.pdf", b"%PDF signed", content_type="application/pdf",
                     lock=Lock("GOVERNANCE", until))
    held = store.put(bucket, "QT/2026/p.pdf", b"%PDF permanent",
                     content_type="application/pdf", lock=Lock(legal_hold=True))
    with pytest.raises(ObjectLockedError):
        store.delete(bucket, "QT/2026/a.pdf", version_id=kept.version_id)
    with pytest.raises(ObjectLockedError):
        store.delete(bucket, "QT/2026/p.pdf", version_id=held.version_id)
    # An overwrite is a new version: the locked one is still there, and can be made current.
    store.put(bucket, "QT/2026/a.pdf", b"tampered", content_type="application/pdf")
    assert store.get(bucket, "QT/2026/a.pdf", version_id=kept.version_id) == b"%PDF signed"
    store.restore_version(bucket, "QT/2026/a.pdf", kept.version_id or "")
    assert store.get(bucket, "QT/2026/a.pdf") == b"%PDF signed"
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 1)
    store.delete(bucket, "QT/2026/a.pdf", version_id=kept.version_id)  # retention over
    with pytest.raises(ObjectLockedError):  # the legal hold has no end
        store.delete(bucket, "QT/2026/p.pdf", version_id=held.version_id)


def _reachable(endpoint: str) -> bool:
    host, port = endpoint.split(":")
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, int(port))) == 0


_USER = """
import sys, time
from pathlib import Path
from storage.seaweed import EmbeddedS3
server = EmbeddedS3(Path(sys.argv[1]))
endpoint = server.start()
print(endpoint.endpoint, flush=True)
sys.stdin.readline()
server.stop()
"""


def _user(folder: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", _USER, str(folder)], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _leave(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=60)


def test_embedded_server_outlives_the_process_that_started_it(tmp_path: Path) -> None:
    folder = tmp_path / "s3"
    first, endpoint = _user(folder)
    second, same = _user(folder)
    assert same == endpoint
    _leave(first)  # the starter leaves: the second user keeps the server
    assert _reachable(endpoint)
    crashed, _ = _user(folder)
    crashed.kill()  # a user that dies without leaving is not waited for
    crashed.wait()
    _leave(second)
    deadline = time.monotonic() + 20
    while _reachable(endpoint) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _reachable(endpoint)
    # `sohoa s3 start` pins it: it keeps running with no user until `s3 stop`.
    env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path)}
    started = subprocess.run([sys.executable, "-m", "sohoa.cli", "s3", "start"], env=env,
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    status = json.loads(subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "s3", "status", "--json"], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=60).stdout)
    assert status["running"] and status["pinned"] and status["users"] == []
    assert _reachable(status["endpoint"])
    stopped = subprocess.run([sys.executable, "-m", "sohoa.cli", "s3", "stop"], env=env,
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    assert not _reachable(status["endpoint"])
    assert not EmbeddedS3(folder).status().running



def test_models_and_migrations_agree(db_url: str) -> None:
    """What `alembic revision --autogenerate` would write after the head: nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.batches  # noqa: F401  (every table module, as env.py imports them)
    import storage.links  # noqa: F401
    import storage.registry  # noqa: F401
    import storage.users  # noqa: F401

    env = (ROOT / "storage" / "migrations" / "env.py").read_text("utf-8")
    namespace: dict[str, object] = {}
    exec(env[env.index("def include_object"):env.index("def run_migrations_online")],  # noqa: S102
         namespace)
    index = DocumentIndex(db_url)
    try:
        with index.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_object": namespace["include_object"]})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        index.close()
