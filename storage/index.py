"""The document index: SQLModel tables over SQLite (embedded default) or PostgreSQL.

The schema is created and upgraded by Alembic migrations (`storage/migrations`), never by
`create_all` at import time. An index row is written only after its objects are stored, so a row
never points at a missing object.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import JSON, Column, Field, Session, SQLModel, col, create_engine, select

from storage import fulltext
from storage.errors import IndexError_, IndexUnavailable
from storage.retry import Backoff, call_with_retries

STATUS_STORED = "stored"
STATUS_NEEDS_REVIEW = "needs_review"
STATUS_QUARANTINED = "quarantined"
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"
# A content hash claimed by a process that is digitizing it (index-first reservation), and a
# claim whose attempt failed after a result code was allocated (kept so a retry reuses the code).
STATUS_PROCESSING = "processing"
STATUS_FAILED = "failed"
CLAIMABLE_AGAIN = (STATUS_FAILED,)


def utcnow() -> datetime:
    return datetime.now(UTC)


class DocumentRow(SQLModel, table=True):
    """One input file: a digitized document, or a quarantined file with its reason."""

    __tablename__ = "documents"
    # One index per look-up path (issue 9): a person's valid documents of a type; a document by
    # number and issuing agency (also the rescan key); result codes are unique legal ids.
    __table_args__ = (
        sa.Index("ix_documents_owner_type_validity", "owner_id", "doc_type", "valid_until"),
        sa.Index("ix_documents_number_agency", "number_symbol", "issuing_agency", "issue_date"),
        sa.Index("uq_documents_result_code", "result_code", unique=True),
    )

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

    # Claim of the content hash while a process digitizes it; the lease is renewed by a
    # heartbeat, and a lapsed lease (crashed process) may be taken over.
    lease_owner: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None
    record_sha256: str | None = Field(default=None, max_length=64)
    version: int = 1  # number of scans (files) of this paper document


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


class DocumentRecord(SQLModel, table=True):
    """The current JSON record of a document, kept in the index as well as in S3.

    Read-only commands show it without the S3 server, and `scrub` rewrites a record object that
    disagrees with it. Every version stays in the versioned S3 bucket.
    """

    __tablename__ = "document_records"

    document_id: str = Field(primary_key=True, foreign_key="documents.id", max_length=32)
    version: int = 1
    sha256: str = Field(max_length=64)
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class DocumentFile(SQLModel, table=True):
    """One scanned file of a document: the first scan, then every rescan of the same paper."""

    __tablename__ = "document_files"
    __table_args__ = (sa.UniqueConstraint("document_id", "version",
                                          name="uq_document_files_version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", max_length=32, index=True)
    version: int = 1
    original_sha256: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=1000)
    original_size: int = 0
    media_type: str | None = Field(default=None, max_length=64)
    original_bucket: str | None = Field(default=None, max_length=63)
    original_key: str | None = Field(default=None, max_length=300)
    signed_sha256: str | None = Field(default=None, max_length=64)
    signed_bucket: str | None = Field(default=None, max_length=63)
    signed_key: str | None = Field(default=None, max_length=300)
    batch_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class DocumentParty(SQLModel, table=True):
    """A person or organisation named in a document, with its role (the owner among them)."""

    __tablename__ = "document_parties"
    __table_args__ = (sa.Index("ix_document_parties_id_value_role", "id_value", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(foreign_key="documents.id", max_length=32, index=True)
    role: str = Field(max_length=40)
    name: str | None = Field(default=None, max_length=200)
    id_value: str | None = Field(default=None, max_length=40)
    id_kind: str | None = Field(default=None, max_length=20)
    confidence: float | None = None


class Counter(SQLModel, table=True):
    """Named running numbers (e.g. result codes per agency), incremented atomically."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=100)
    value: int = 0


class DuplicateDocument(IndexError_):
    code = "DUPLICATE"


class ClaimLost(IndexError_):
    """Another process took over this content hash (our lease lapsed): our work is discarded."""

    code = "CLAIM_LOST"


@dataclass(frozen=True)
class Claim:
    """This process's reservation of a content hash in the index."""

    document_id: str
    original_sha256: str
    owner: str
    result_code: str | None = None  # kept from an earlier failed attempt


@dataclass(frozen=True)
class SearchText:
    """What full-text search indexes for a document: the text as written and accent-folded."""

    exact: str
    folded: str


@dataclass(frozen=True)
class Completion:
    """Everything written, in one transaction, when a claimed document is stored."""

    row: DocumentRow
    file: DocumentFile
    record: dict[str, Any]
    record_sha256: str
    parties: Sequence[DocumentParty] = ()
    search: SearchText | None = None


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
            # Write transactions here start with a write statement, so a busy database makes
            # them wait (up to 30 s) instead of failing half-way.
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


_MIGRATIONS = Path(__file__).parent / "migrations"
# `revision = '0002'` or, in newer Alembic templates, `revision: str = '0003'`
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the files (cheaper than loading Alembic)."""
    revisions, parents = set(), set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text("utf-8")
        if (m := _REVISION.search(text)) is not None:
            revisions.add(m.group(1))
        if (m := _DOWN.search(text)) is not None:
            parents.add(m.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def migrate(url: str, *, revision: str = "head") -> None:
    """Bring the schema to the newest Alembic revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        with _migration_lock(url):
            command.upgrade(config, revision)
    except SQLAlchemyError as e:
        raise IndexError_(f"cannot migrate the index database: {e}") from e


MIGRATION_LOCK_KEY = 0x50604A  # any fixed number: PostgreSQL advisory locks are per database


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """One migration at a time: processes that open a fresh index together (two batches, the
    API's workers) would otherwise all create the same tables and all but one fail. SQLite: a
    file lock beside the database; PostgreSQL: an advisory lock held while upgrading."""
    if url.startswith("sqlite:///"):
        lock_path = Path(url.removeprefix("sqlite:///") + ".migrate.lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if not url.startswith("postgresql"):
        yield
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                             {"key": MIGRATION_LOCK_KEY})
    finally:
        engine.dispose()


def is_transient_db_failure(error: BaseException) -> bool:
    """A dropped or refused connection (a PostgreSQL restart, a network fault) or a busy SQLite
    file: the same transaction may well succeed in a moment. A constraint violation, a missing
    table or bad SQL never does."""
    if isinstance(error, IndexUnavailable):
        return True
    cause = error.__cause__ if isinstance(error, IndexError_) else error
    if isinstance(cause, DBAPIError) and cause.connection_invalidated:
        return True
    if not isinstance(cause, OperationalError):
        return False
    if type(cause.orig).__module__.startswith("sqlite3"):
        return "locked" in str(cause.orig).lower() or "busy" in str(cause.orig).lower()
    return True  # PostgreSQL's OperationalError: connection failures, admin shutdown, ...


def _unavailable(error: SQLAlchemyError) -> IndexError_:
    kind = IndexUnavailable if is_transient_db_failure(error) else IndexError_
    return kind(f"the index database is unavailable: {getattr(error, 'orig', None) or error}")


_Result = TypeVar("_Result")


def _transaction(method: Callable[..., _Result]) -> Callable[..., _Result]:
    """Run the method (one transaction) again with the index's backoff while the database is
    unavailable; a lost connection is replaced by the pool (`pool_pre_ping`)."""

    @functools.wraps(method)
    def retrying(self: DocumentIndex, *args: Any, **kwargs: Any) -> _Result:
        def once() -> _Result:
            try:
                return method(self, *args, **kwargs)
            except IndexError_:
                raise
            except (OperationalError, DBAPIError) as e:
                if isinstance(e, IntegrityError):
                    raise
                raise _unavailable(e) from e

        return call_with_retries(once, backoff=self.backoff,
                                 transient=lambda e: isinstance(e, IndexUnavailable),
                                 what=f"index {method.__name__}")

    return retrying


class DocumentIndex:
    """Reads and writes index rows. One instance per process; sessions are short."""

    def __init__(self, url: str, *, migrate_schema: bool = True,
                 backoff: Backoff | None = None) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        # A transaction that fails because the database went away is retried for this long.
        self.backoff = backoff or Backoff(budget_s=10.0)
        self.engine = make_engine(url)
        # PostgreSQL look-ups run outside a transaction, saving the BEGIN/ROLLBACK round trips
        # to the server; writes keep their transactions. (On SQLite, in-process, switching the
        # mode costs more than it saves.)
        self._reader = (self.engine.execution_options(isolation_level="AUTOCOMMIT")
                        if not url.startswith("sqlite") else self.engine)
        self.dialect = self.engine.dialect.name
        # Migrating loads Alembic (slow for a one-second `lookup`): only when not at the head.
        if migrate_schema and current_revision(self.engine) != head_revision():
            migrate(url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as e:
            raise _unavailable(e) from e

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for look-ups only (autocommit: no transaction to open and roll back)."""
        try:
            with Session(self._reader, expire_on_commit=False) as session:
                yield session
        except OperationalError as e:
            raise _unavailable(e) from e

    @_transaction
    def add(self, row: DocumentRow) -> DocumentRow:
        row = _copy(row)  # a retried transaction must not reuse an instance the failed one held
        with self.session() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError as e:
                s.rollback()
                mine = s.get(DocumentRow, row.id)
                if mine is not None and mine.original_sha256 == row.original_sha256:
                    # a retry whose first commit landed before the connection was cut (the
                    # reply was lost): this very row is stored, once; not a duplicate
                    return mine
                raise DuplicateDocument(
                    f"a document with SHA-256 {row.original_sha256} is already indexed"
                ) from e
            s.refresh(row)
            return row

    @_transaction
    def save(self, row: DocumentRow) -> DocumentRow:
        row.updated_at = utcnow()
        with self.session() as s:
            merged = s.merge(row)
            s.commit()
            s.refresh(merged)
            return merged

    @_transaction
    def get(self, doc_id: str) -> DocumentRow | None:
        with self.reading() as s:
            row = s.get(DocumentRow, doc_id)
            if row is None and len(doc_id) >= 6:
                rows = s.exec(select(DocumentRow).where(
                    col(DocumentRow.id).startswith(doc_id))).all()
                row = rows[0] if len(rows) == 1 else None
            return row

    @_transaction
    def rows(self, ids: Sequence[str]) -> list[DocumentRow]:
        if not ids:
            return []
        with self.reading() as s:
            return list(s.exec(select(DocumentRow).where(col(DocumentRow.id).in_(list(ids)))))

    @_transaction
    def by_sha256(self, sha256: str) -> DocumentRow | None:
        with self.reading() as s:
            return s.exec(
                select(DocumentRow).where(DocumentRow.original_sha256 == sha256)).first()

    @_transaction
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
        with self.reading() as s:
            return list(s.exec(query.limit(limit)).all())

    @_transaction
    def find_by_number(self, number_symbol: str, issuing_agency: str | None = None,
                       *, limit: int = 100) -> list[DocumentRow]:
        """Documents by number and symbol (and issuing agency): the register look-up."""
        query = select(DocumentRow).where(DocumentRow.number_symbol == number_symbol)
        if issuing_agency is not None:
            query = query.where(DocumentRow.issuing_agency == issuing_agency)
        with self.reading() as s:
            return list(s.exec(query.limit(limit)).all())

    @_transaction
    def record_review(self, row: DocumentRow, events: Sequence[ReviewEvent], *,
                      record: dict[str, Any] | None = None,
                      parties: Sequence[DocumentParty] | None = None,
                      search: SearchText | None = None) -> DocumentRow:
        """Save a corrected row with its history, and the new record version when given (the
        index keeps the current record for read-only commands and `scrub`).

        `parties` replaces the document's parties and `search` its full-text entry, in the same
        transaction: a look-up by id never sees a corrected row beside its old parties."""
        row.updated_at = utcnow()
        if record is not None:
            row.record_sha256 = record_sha256(record)
        with self.session() as s:
            merged = s.merge(row)
            for event in events:
                s.add(_copy(event))
            if record is not None:
                _write_record(s, row.id, record, row.record_sha256 or "", version=None)
            if parties is not None:
                _write_parties(s, row.id, parties)
            if search is not None:
                fulltext.write(s.connection(), row.id, search)
            s.commit()
            s.refresh(merged)
            return merged

    @_transaction
    def review_history(self, doc_id: str) -> list[ReviewEvent]:
        with self.reading() as s:
            return list(s.exec(select(ReviewEvent).where(ReviewEvent.document_id == doc_id)
                               .order_by(col(ReviewEvent.id))).all())

    @_transaction
    def next_number(self, name: str) -> int:
        """Next value of the named counter (1, 2, ...), safe across processes and workers."""
        with self.engine.begin() as conn:
            return _next_number(conn, name)

    # --- Claims: index-first reservation of a content hash -------------------------------

    @_transaction
    def claim(self, sha256: str, *, doc_id: str, owner: str, lease: timedelta,
              template: DocumentRow, _again: bool = True) -> Claim | DocumentRow:
        """Reserve `sha256` for this process before the expensive work.

        Returns the Claim, or the row that already holds the hash (stored, quarantined, or
        claimed by a live process). A failed attempt's row, or a claim whose lease lapsed (its
        process crashed), is taken over; its result code is kept for the retry.
        """
        now = utcnow()
        row = _copy(template, id=doc_id, original_sha256=sha256, status=STATUS_PROCESSING,
                    lease_owner=owner, lease_until=now + lease, created_at=now, updated_at=now)
        with self.session() as s:
            s.add(row)
            try:
                s.commit()
                return Claim(doc_id, sha256, owner)
            except IntegrityError:
                s.rollback()
        with self.engine.begin() as conn:
            taken = conn.execute(
                sa.update(DocumentRow).where(
                    col(DocumentRow.original_sha256) == sha256,
                    sa.or_(col(DocumentRow.status).in_(CLAIMABLE_AGAIN),
                           sa.and_(col(DocumentRow.status) == STATUS_PROCESSING,
                                   col(DocumentRow.lease_until) < now)))
                .values(status=STATUS_PROCESSING, lease_owner=owner, lease_until=now + lease,
                        updated_at=now))
            if taken.rowcount == 1:
                found = conn.execute(
                    sa.select(col(DocumentRow.id), col(DocumentRow.result_code))
                    .where(col(DocumentRow.original_sha256) == sha256)).one()
                return Claim(found.id, sha256, owner, found.result_code)
        existing = self.by_sha256(sha256)
        if (existing is not None and existing.lease_owner == owner
                and existing.status == STATUS_PROCESSING):
            # Our own insert, committed although the connection dropped before the answer
            # (the transaction was retried): the claim is ours.
            return Claim(existing.id, sha256, owner, existing.result_code)
        if existing is None and _again:  # released between our insert and update: once more
            return self.claim(sha256, doc_id=doc_id, owner=owner, lease=lease,
                              template=template, _again=False)
        if existing is None:
            raise IndexError_(f"document id {doc_id} is already used by another file than "
                              f"SHA-256 {sha256}; please report this.")
        return existing

    @_transaction
    def renew(self, claim: Claim, lease: timedelta) -> bool:
        """Heartbeat: extend the lease; False when the claim was lost."""
        with self.engine.begin() as conn:
            result = conn.execute(sa.update(DocumentRow).where(
                col(DocumentRow.id) == claim.document_id,
                col(DocumentRow.lease_owner) == claim.owner).values(lease_until=utcnow() + lease))
            return result.rowcount == 1

    @_transaction
    def assign_result_code(self, claim: Claim, counter: str,
                           make_code: Callable[[int], str]) -> str:
        """Allocate the next result code in the transaction that writes it into the claimed row,
        so a number is never used without a row holding it; a retry keeps its code."""
        if claim.result_code:
            return claim.result_code
        mine = sa.and_(col(DocumentRow.id) == claim.document_id,
                       col(DocumentRow.lease_owner) == claim.owner)
        with self.engine.begin() as conn:
            # A write first (SQLite then holds the write lock), which also proves the claim.
            if conn.execute(sa.update(DocumentRow).where(mine).values(
                    updated_at=utcnow())).rowcount != 1:
                raise ClaimLost(f"document {claim.document_id} is no longer claimed by us")
            owned = conn.execute(sa.select(col(DocumentRow.result_code)).where(mine)).one()
            if owned.result_code:
                return str(owned.result_code)
            code = make_code(_next_number(conn, counter))
            conn.execute(sa.update(DocumentRow).where(
                col(DocumentRow.id) == claim.document_id).values(result_code=code))
            return code

    @_transaction
    def complete(self, claim: Claim, completion: Completion) -> DocumentRow:
        """Turn the claim into the stored document: row, file, record copy, parties and search
        text in one transaction. Raises ClaimLost when another process took the hash over."""
        row = completion.row
        values = {c: getattr(row, c) for c in _ROW_COLUMNS if c not in ("id", "created_at")}
        values.update(lease_owner=None, lease_until=None, record_sha256=completion.record_sha256,
                      updated_at=utcnow())
        with self.session() as s:
            updated = s.execute(sa.update(DocumentRow).where(
                col(DocumentRow.id) == claim.document_id,
                col(DocumentRow.lease_owner) == claim.owner).values(**values))
            if updated.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                done = self.get(claim.document_id)
                if done is not None and done.record_sha256 == completion.record_sha256:
                    return done  # committed before the connection dropped; retried
                raise ClaimLost(f"document {claim.document_id} was taken over by another "
                                "process; this attempt's objects are left for `sohoa scrub`")
            try:
                s.add(_copy(completion.file))
                s.flush()
            except IntegrityError as e:
                s.rollback()
                raise DuplicateDocument(
                    f"a file with SHA-256 {claim.original_sha256} is already stored") from e
            _write_record(s, claim.document_id, completion.record, completion.record_sha256,
                          version=row.version)
            _write_parties(s, claim.document_id, completion.parties)
            if completion.search is not None:
                fulltext.write(s.connection(), claim.document_id, completion.search)
            s.commit()
        stored = self.get(claim.document_id)
        assert stored is not None
        return stored

    @_transaction
    def complete_rescan(self, claim: Claim, document_id: str,
                        completion: Completion) -> DocumentRow:
        """A rescan of an existing document: add the file as its next version and the new record
        version, drop the claim row (the paper has one record, not two)."""
        with self.session() as s:
            released = s.execute(sa.delete(DocumentRow).where(
                col(DocumentRow.id) == claim.document_id,
                col(DocumentRow.lease_owner) == claim.owner))
            if released.rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                raise ClaimLost(f"document {claim.document_id} was taken over by another "
                                "process; this attempt's objects are left for `sohoa scrub`")
            s.execute(sa.update(DocumentRow).where(col(DocumentRow.id) == document_id).values(
                version=DocumentRow.version + 1, updated_at=utcnow(),
                record_sha256=completion.record_sha256))
            version = s.execute(sa.select(col(DocumentRow.version)).where(
                col(DocumentRow.id) == document_id)).scalar_one()
            file = _copy(completion.file, document_id=document_id, version=version)
            try:
                s.add(file)
                s.flush()
            except IntegrityError as e:
                s.rollback()
                raise DuplicateDocument(
                    f"a file with SHA-256 {claim.original_sha256} is already stored") from e
            _write_record(s, document_id, completion.record, completion.record_sha256,
                          version=version)
            s.commit()
        stored = self.get(document_id)
        assert stored is not None
        return stored

    @_transaction
    def release(self, claim: Claim, *, reason_code: str, reason_message: str) -> None:
        """The attempt failed: forget the claim, or keep it as `failed` when it holds a result
        code (so the retry reuses the number and none is skipped)."""
        with self.engine.begin() as conn:
            mine = sa.and_(col(DocumentRow.id) == claim.document_id,
                           col(DocumentRow.lease_owner) == claim.owner)
            conn.execute(sa.delete(DocumentRow).where(mine, col(DocumentRow.result_code).is_(None)))
            conn.execute(sa.update(DocumentRow).where(mine).values(
                status=STATUS_FAILED, lease_owner=None, lease_until=None,
                reason_code=reason_code[:40], reason_message=reason_message[:2000],
                updated_at=utcnow()))

    # --- Records, files, parties ----------------------------------------------------------

    @_transaction
    def record_of(self, doc_id: str) -> DocumentRecord | None:
        with self.reading() as s:
            return s.get(DocumentRecord, doc_id)

    @_transaction
    def save_record(self, doc_id: str, record: dict[str, Any], sha256: str) -> None:
        with self.session() as s:
            s.execute(sa.update(DocumentRow).where(col(DocumentRow.id) == doc_id).values(
                record_sha256=sha256, updated_at=utcnow()))
            _write_record(s, doc_id, record, sha256, version=None)
            s.commit()

    @_transaction
    def files_of(self, doc_id: str) -> list[DocumentFile]:
        with self.reading() as s:
            return list(s.exec(select(DocumentFile).where(DocumentFile.document_id == doc_id)
                               .order_by(col(DocumentFile.version))).all())

    @_transaction
    def file_by_sha256(self, sha256: str) -> DocumentFile | None:
        with self.reading() as s:
            return s.exec(select(DocumentFile).where(
                DocumentFile.original_sha256 == sha256)).first()

    @_transaction
    def parties_of(self, doc_id: str) -> list[DocumentParty]:
        with self.reading() as s:
            return list(s.exec(select(DocumentParty).where(DocumentParty.document_id == doc_id)
                               .order_by(col(DocumentParty.id))).all())

    @_transaction
    def find_by_party(self, id_value: str, *, status: Sequence[str] | None = None,
                      doc_type: str | None = None,
                      limit: int = 1000) -> list[tuple[DocumentRow, str]]:
        """Documents naming `id_value` as a party, with the role it has in each."""
        query = (select(DocumentRow, DocumentParty.role)
                 .join(DocumentParty, col(DocumentParty.document_id) == col(DocumentRow.id))
                 .where(DocumentParty.id_value == id_value))
        if status is not None:
            query = query.where(col(DocumentRow.status).in_(list(status)))
        if doc_type is not None:
            query = query.where(sa.func.upper(DocumentRow.doc_type) == doc_type.upper())
        query = query.order_by(col(DocumentRow.issue_date).desc(), col(DocumentRow.created_at))
        with self.reading() as s:
            return [(row, role) for row, role in s.exec(query.limit(limit)).all()]

    @_transaction
    def find_rescan_of(self, *, number_symbol: str, issuing_agency: str, issue_date: date,
                       owner_id: str | None, exclude: str) -> DocumentRow | None:
        """A stored document with the same number, agency, issue date and owner."""
        query = select(DocumentRow).where(
            DocumentRow.number_symbol == number_symbol,
            DocumentRow.issuing_agency == issuing_agency, DocumentRow.issue_date == issue_date,
            DocumentRow.owner_id == owner_id, DocumentRow.id != exclude,
            col(DocumentRow.status).notin_([STATUS_PROCESSING, STATUS_FAILED,
                                            STATUS_QUARANTINED]))
        with self.reading() as s:
            return s.exec(query.order_by(col(DocumentRow.created_at))).first()

    @_transaction
    def search(self, query: fulltext.SearchQuery) -> list[fulltext.SearchHit]:
        with self._reader.connect() as conn:
            return fulltext.search(conn, query)

    def all_rows(self, *, batch: int = 1000) -> Iterator[DocumentRow]:
        """Every row, in id order, a page at a time (for scrub)."""
        last = ""
        while True:
            with self.reading() as s:
                rows = list(s.exec(select(DocumentRow).where(col(DocumentRow.id) > last)
                                   .order_by(col(DocumentRow.id)).limit(batch)).all())
            if not rows:
                return
            yield from rows
            last = rows[-1].id

    @_transaction
    def count_by_status(self) -> dict[str, int]:
        with self.reading() as s:
            rows = s.exec(select(DocumentRow.status, sa.func.count()).group_by(
                DocumentRow.status)).all()
            return {status: int(n) for status, n in rows}


_ROW_COLUMNS = tuple(DocumentRow.model_fields)
_Model = TypeVar("_Model", bound=SQLModel)


def _copy(model: _Model, **changes: Any) -> _Model:
    """A changed copy of a table model (`model_copy(update=)` ignores updates on tables)."""
    return type(model)(**{**model.model_dump(), **changes})


def record_bytes(record: dict[str, Any]) -> bytes:
    """The one serialization of a record, for S3 and for its hash in the index."""
    return json.dumps(record, ensure_ascii=False, indent=1).encode()


def record_sha256(record: dict[str, Any]) -> str:
    return hashlib.sha256(record_bytes(record)).hexdigest()


def _next_number(conn: sa.Connection | Session, name: str) -> int:
    """Increment a counter inside the caller's transaction (the insert comes first: a write,
    so SQLite takes its write lock before anything is read)."""
    conn.execute(sa.text("INSERT INTO counters (name, value) VALUES (:n, 0) "
                         "ON CONFLICT (name) DO NOTHING"), {"n": name})
    value = conn.execute(sa.text(
        "UPDATE counters SET value = value + 1 WHERE name = :n RETURNING value"),
        {"n": name}).scalar()
    return int(value or 0)


def _write_record(s: Session, doc_id: str, record: dict[str, Any], sha256: str, *,
                  version: int | None) -> None:
    current = s.get(DocumentRecord, doc_id)
    if current is None:
        s.add(DocumentRecord(document_id=doc_id, version=version or 1, sha256=sha256,
                             record=record))
        return
    current.version = version if version is not None else current.version + 1
    current.sha256, current.record, current.updated_at = sha256, record, utcnow()
    s.add(current)


def _write_parties(s: Session, doc_id: str, parties: Sequence[DocumentParty]) -> None:
    s.execute(sa.delete(DocumentParty).where(col(DocumentParty.document_id) == doc_id))
    for party in parties:
        s.add(_copy(party, document_id=doc_id, id=None))
