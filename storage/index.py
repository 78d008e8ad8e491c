"""The document index: SQLModel tables over SQLite (embedded default) or PostgreSQL.

The schema is created and upgraded by Alembic migrations (`storage/migrations`), never by
`create_all` at import time. An index row is written only after its objects are stored, so a row
never points at a missing object.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import JSON, Column, Field, Session, SQLModel, col, create_engine, select

from storage.errors import IndexError_

STATUS_STORED = "stored"
STATUS_NEEDS_REVIEW = "needs_review"
STATUS_QUARANTINED = "quarantined"
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"


def utcnow() -> datetime:
    return datetime.now(UTC)


class DocumentRow(SQLModel, table=True):
    """One input file: a digitized document, or a quarantined file with its reason."""

    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=32)
    original_sha256: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=1000)
    original_size: int = 0
    media_type: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=20, index=True)
    reason_code: str | None = Field(default=None, max_length=40)
    reason_message: str | None = Field(default=None, max_length=2000)

    doc_type: str | None = Field(default=None, max_length=200, index=True)
    type_abbr: str | None = Field(default=None, max_length=20)
    number_symbol: str | None = Field(default=None, max_length=100)
    issue_date: date | None = None
    issuing_agency: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=500)
    signer_name: str | None = Field(default=None, max_length=100)
    owner_id: str | None = Field(default=None, max_length=20, index=True)
    owner_name: str | None = Field(default=None, max_length=200)
    valid_until: date | None = None
    permanent: bool = False
    page_count: int = 0
    mean_confidence: float | None = None

    agency_code: str | None = Field(default=None, max_length=40, index=True)
    procedure_code: str | None = Field(default=None, max_length=40)
    result_code: str | None = Field(default=None, max_length=60)
    digitized_id: str | None = Field(default=None, max_length=200)

    original_bucket: str | None = Field(default=None, max_length=63)
    original_key: str | None = Field(default=None, max_length=300)
    signed_sha256: str | None = Field(default=None, max_length=64)
    signed_bucket: str | None = Field(default=None, max_length=63)
    signed_key: str | None = Field(default=None, max_length=300)
    record_bucket: str | None = Field(default=None, max_length=63)
    record_key: str | None = Field(default=None, max_length=300)
    signature_level: str | None = Field(default=None, max_length=10)

    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    review_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    batch_id: str | None = Field(default=None, max_length=40, index=True)
    reviewed_by: str | None = Field(default=None, max_length=100)
    reviewed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReviewEvent(SQLModel, table=True):
    """History of corrections made in review; the signed PDF is never modified."""

    __tablename__ = "review_events"

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=32)
    field: str = Field(max_length=60)
    old_value: str | None = Field(default=None, max_length=2000)
    new_value: str | None = Field(default=None, max_length=2000)
    actor: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow)


class Counter(SQLModel, table=True):
    """Named running numbers (e.g. result codes per agency), incremented atomically."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=100)
    value: int = 0


class DuplicateDocument(IndexError_):
    code = "DUPLICATE"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise IndexError_(f"cannot migrate the index database: {e}") from e


class DocumentIndex:
    """Reads and writes index rows. One instance per process; sessions are short."""

    def __init__(self, url: str, *, migrate_schema: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if migrate_schema:
            migrate(url)
        self.url = url
        self.engine = make_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as e:
            raise IndexError_(f"the index database is unavailable: {e.orig}") from e

    def add(self, row: DocumentRow) -> DocumentRow:
        with self.session() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError as e:
                s.rollback()
                raise DuplicateDocument(
                    f"a document with SHA-256 {row.original_sha256} is already indexed"
                ) from e
            s.refresh(row)
            return row

    def save(self, row: DocumentRow) -> DocumentRow:
        row.updated_at = utcnow()
        with self.session() as s:
            merged = s.merge(row)
            s.commit()
            s.refresh(merged)
            return merged

    def get(self, doc_id: str) -> DocumentRow | None:
        with self.session() as s:
            row = s.get(DocumentRow, doc_id)
            if row is None and len(doc_id) >= 6:
                rows = s.exec(select(DocumentRow).where(
                    col(DocumentRow.id).startswith(doc_id))).all()
                row = rows[0] if len(rows) == 1 else None
            return row

    def by_sha256(self, sha256: str) -> DocumentRow | None:
        with self.session() as s:
            return s.exec(
                select(DocumentRow).where(DocumentRow.original_sha256 == sha256)).first()

    def find(
        self, *, owner_id: str | None = None, doc_type: str | None = None,
        status: Sequence[str] | None = None, agency_code: str | None = None, limit: int = 1000,
    ) -> list[DocumentRow]:
        query = select(DocumentRow)
        if owner_id is not None:
            query = query.where(DocumentRow.owner_id == owner_id)
        if doc_type is not None:
            query = query.where(sa.func.upper(DocumentRow.doc_type) == doc_type.upper())
        if status is not None:
            query = query.where(col(DocumentRow.status).in_(list(status)))
        if agency_code is not None:
            query = query.where(DocumentRow.agency_code == agency_code)
        query = query.order_by(col(DocumentRow.issue_date).desc(), col(DocumentRow.created_at))
        with self.session() as s:
            return list(s.exec(query.limit(limit)).all())

    def record_review(self, row: DocumentRow, events: Sequence[ReviewEvent]) -> DocumentRow:
        row.updated_at = utcnow()
        with self.session() as s:
            merged = s.merge(row)
            for event in events:
                s.add(event)
            s.commit()
            s.refresh(merged)
            return merged

    def review_history(self, doc_id: str) -> list[ReviewEvent]:
        with self.session() as s:
            return list(s.exec(select(ReviewEvent).where(ReviewEvent.document_id == doc_id)
                               .order_by(col(ReviewEvent.id))).all())

    def next_number(self, name: str) -> int:
        """Next value of the named counter (1, 2, ...), safe across processes and workers."""
        with self.engine.begin() as conn:
            value = conn.execute(sa.text(
                "UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"),
                {"n": name}).scalar()
            if value is None:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.text("INSERT INTO counters (name, value) VALUES (:n, 1)"),
                                     {"n": name})
                    value = 1
                except IntegrityError:
                    value = conn.execute(sa.text(
                        "UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"),
                        {"n": name}).scalar()
        return int(value or 0)

    def count_by_status(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.exec(select(DocumentRow.status, sa.func.count()).group_by(
                DocumentRow.status)).all()
            return {status: int(n) for status, n in rows}
