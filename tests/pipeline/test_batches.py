"""Batches on a real index (SQLite and a throwaway PostgreSQL): migration 0006 from empty and
from 0005 with data, registering, following (documents claimed by workers, ETA) and closing a
batch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from pipeline.batches import (
    BatchNotFound,
    batch_status,
    finish_batch,
    list_batches,
    register_batch,
)
from pipeline.report import BatchReport, DocumentOutcome
from storage.index import Claim, DocumentIndex, DocumentRow, migrate

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _new_pg_db(base: str) -> str:
    name = "batches_" + uuid.uuid4().hex[:8]
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.sqlite3'}"
    return _new_pg_db(request.getfixturevalue("postgres_url"))


def test_migration_0006_from_0005_with_data_and_back(db_url: str) -> None:
    migrate(db_url, revision="0005")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # a user of the web pages and a document from 0005's days
        conn.execute(sa.text(
            "INSERT INTO web_users (name, role, password_hash, created_at) VALUES "
            "('an', 'clerk', 'x', :now)"), {"now": datetime.now(UTC)})
        conn.execute(sa.text(
            "INSERT INTO documents (id, original_sha256, original_name, original_size, status, "
            "permanent, page_count, fields, review_reasons, created_at, updated_at, version, "
            "batch_id) VALUES ('d1', :sha, '/scans/a.pdf', 1, 'stored', false, 1, '{}', '[]', "
            ":now, :now, 1, 'old-batch')"), {"sha": "a" * 64, "now": datetime.now(UTC)})
    engine.dispose()
    index = DocumentIndex(db_url)  # upgrades 0005 → 0006
    try:
        with index.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "batches" in inspector.get_table_names()
            assert {i["name"] for i in inspector.get_indexes("batches")} >= {
                "ix_batches_state", "ix_batches_agency_code", "ix_batches_started_at"}
            assert conn.execute(sa.text("SELECT count(*) FROM web_users")).scalar() == 1
        # a batch digitized before 0006 is still found through its documents
        old = batch_status(index, "old-batch")
        assert old.done == 1 and old.counts == {"stored": 1} and old.total is None
        register_batch(index, "b1", total=3, agency="000.17.22.H56", source="/scans")
    finally:
        index.close()
    _downgrade(db_url, "0005")  # and back: the table goes, the rest stays
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert "batches" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM documents")).scalar() == 1
    finally:
        engine.dispose()


def _downgrade(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(ROOT / "storage" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.downgrade(config, revision)


def test_migration_from_empty_creates_batches(db_url: str) -> None:
    index = DocumentIndex(db_url)
    try:
        assert list_batches(index) == []
        with pytest.raises(BatchNotFound):
            batch_status(index, "nothing-here")
    finally:
        index.close()


def _document(index: DocumentIndex, batch_id: str, n: int, *, status: str,
              owner: str | None = None) -> None:
    sha = f"{n:064x}"
    if owner is None:
        index.add(DocumentRow(id=f"doc{n}", original_sha256=sha, original_name=f"/s/{n}.png",
                              status=status, batch_id=batch_id, page_count=1))
        return
    claim = index.claim(sha, doc_id=f"doc{n}", owner=owner, lease=timedelta(minutes=2),
                        template=DocumentRow(id="", original_sha256="",
                                             original_name=f"/s/{n}.png", status="",
                                             batch_id=batch_id))
    assert isinstance(claim, Claim)


def test_status_while_running_then_finished(db_url: str) -> None:
    index = DocumentIndex(db_url)
    try:
        register_batch(index, "b1", total=10, agency="000.17.22.H56", source="/scans",
                       host="may-1")
        for n, state in enumerate(("stored", "stored", "needs_review", "quarantined")):
            _document(index, "b1", n, status=state)
        _document(index, "b1", 7, status="", owner="may-2-4242-abcdef012345")
        _document(index, "other", 8, status="stored")
        row = list_batches(index)[0]
        now = row.started_at.replace(tzinfo=row.started_at.tzinfo or UTC) + timedelta(
            seconds=40)
        status = batch_status(index, "b1", now=now)
        assert status.batch.state == "running" and status.total == 10
        assert status.done == 4
        assert status.counts == {"stored": 2, "needs_review": 1, "quarantined": 1}
        assert [(d.document_id, d.worker, d.lease_lapsed) for d in status.in_progress] == [
            ("doc7", "may-2-4242", False)]
        assert status.eta == timedelta(seconds=60)  # 4 in 40 s: 6 more in 60 s
        later = batch_status(index, "b1", now=now + timedelta(minutes=5))
        assert later.in_progress[0].lease_lapsed  # its worker stopped renewing the claim

        report = BatchReport("b1", items=[
            DocumentOutcome(f"/s/{n}.png", state, pages=1) for n, state in enumerate(
                ("stored", "stored", "needs_review", "quarantined", "failed"))])
        report.stopped_by = "SIGTERM"
        finish_batch(index, report.finish(), summary_key="batches/x/b1.json")
        ended = batch_status(index, "b1")
        assert ended.batch.state == "stopped" and ended.batch.stopped_by == "SIGTERM"
        assert ended.done == 5 and ended.counts["failed"] == 1 and ended.eta is None
        assert ended.batch.exit_code == 143 and ended.batch.pages == 3
        again = register_batch(index, "b1", total=10, agency="000.17.22.H56", source="/scans")
        assert again.state == "running" and again.finished_at is None  # a retried run
        assert [b.id for b in list_batches(index, agency="000.17.22.H56")] == ["b1"]
        assert list_batches(index, agency="000.00.00.X") == []
    finally:
        index.close()


def test_a_batch_whose_process_died_is_shown_stalled_with_what_to_do(db_url: str) -> None:
    """Killed with no report: its row stays "running". Once nothing has moved for longer than
    the document timeout and no worker renews a claim of it, its status says "stalled" and
    how to finish it; a claim a worker still renews keeps it running however long it takes."""
    index = DocumentIndex(db_url)
    stall_after = timedelta(minutes=30)
    try:
        register_batch(index, "local-1", total=3, agency=None, source="/scans/lot", host="may-1")
        _document(index, "local-1", 1, status="stored")
        register_batch(index, "inbox-1", total=2, agency=None, host="may-2",
                       source="s3://sohoa-inbox/inbox/LOCAL/inbox-1/")
        _document(index, "inbox-1", 2, status="", owner="may-2-77-abcdef012345")  # 2 min lease
        start = datetime.now(UTC)

        def at(batch_id: str, minutes: float) -> dict[str, object]:
            return batch_status(index, batch_id, now=start + timedelta(minutes=minutes),
                                stall_after=stall_after).to_dict()

        assert at("local-1", 10)["state"] == "running" and at("local-1", 10)["advice"] is None
        stalled = at("local-1", 45)
        assert stalled["state"] == "stalled" and stalled["eta_s"] is None
        assert 44 * 60 < float(stalled["idle_s"]) < 46 * 60  # type: ignore[arg-type]
        assert "sohoa digitize" in str(stalled["advice"]) and "may-1" in str(stalled["advice"])
        assert batch_status(index, "local-1", now=start + timedelta(hours=5)).to_dict()[
            "state"] == "running"  # without a timeout nothing is judged

        assert at("inbox-1", 1)["state"] == "running"  # its claim is being renewed
        lost = at("inbox-1", 45)  # the claim lapsed long ago: its worker died
        assert lost["state"] == "stalled"
        assert "batch=inbox-1" in str(lost["advice"]) and "inbox" in str(lost["advice"])
        assert [d.lease_lapsed for d in batch_status(
            index, "inbox-1", now=start + timedelta(minutes=45)).in_progress] == [True]

        # Run again (idempotent): the batch moves, then ends; an ended batch is never stalled.
        register_batch(index, "local-1", total=3, agency=None, source="/scans/lot")
        report = BatchReport("local-1", items=[DocumentOutcome("/scans/lot/1.png", "stored"),
                                                DocumentOutcome("/scans/lot/2.png", "stored")])
        report.stopped_by = "SIGINT"
        finish_batch(index, report.finish())
        ended = at("local-1", 600)
        assert ended["state"] == "stopped" and ended["idle_s"] is None
        assert "SIGINT" in str(ended["advice"]) and "sohoa digitize" in str(ended["advice"])
    finally:
        index.close()
