"""Tables of the reuse service: API clients, the access log, reuse events, the dossier register
and the last integrity check of each document.

Same SQLModel metadata as `storage.index` (one database, one Alembic history: revision 0003).
The access log is append-only: nothing in the code base updates or deletes its rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from storage.index import utcnow


class ApiClient(SQLModel, table=True):
    """A processing system allowed to call the API; its key is stored only as a hash."""

    __tablename__ = "api_clients"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    key_id: str = Field(max_length=32, unique=True)
    key_sha256: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Empty: every agency; otherwise only documents whose agency code is listed.
    agencies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rate_limit_per_minute: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class AccessLogEntry(SQLModel, table=True):
    """One response that carried personal data (Decree 13/2023): who, whose, what, why, when."""

    __tablename__ = "access_log"
    __table_args__ = (sa.Index("ix_access_log_owner_at", "owner_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=40, unique=True)
    at: datetime = Field(default_factory=utcnow)
    client_id: str = Field(max_length=40, index=True)
    client_name: str = Field(max_length=200)
    action: str = Field(max_length=40)
    owner_id: str | None = Field(default=None, max_length=20)
    document_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    dossier_code: str | None = Field(default=None, max_length=60)
    purpose: str | None = Field(default=None, max_length=500)


class ReuseEvent(SQLModel, table=True):
    """A stored document reused as a component of a dossier (the reuse KPI's numerator).

    The flags are those the national portal syncs per dossier component: DuocSoHoa,
    DuocTaiSuDung, DuocLayTuKhoDMQG and MaKetQuaThayThe.
    """

    __tablename__ = "reuse_events"
    __table_args__ = (sa.UniqueConstraint("dossier_code", "document_id",
                                          name="uq_reuse_dossier_document"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_code: str = Field(max_length=60, index=True)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=32)
    procedure_code: str | None = Field(default=None, max_length=40)
    component_code: str | None = Field(default=None, max_length=60)
    purpose: str = Field(max_length=500)
    digitized: bool = True  # DuocSoHoa
    reused: bool = True  # DuocTaiSuDung
    from_national_warehouse: bool = False  # DuocLayTuKhoDMQG
    replacement_result_code: str | None = Field(default=None, max_length=60)  # MaKetQuaThayThe
    client_id: str = Field(max_length=40)
    recorded_at: datetime = Field(default_factory=utcnow)


class Dossier(SQLModel, table=True):
    """A dossier received (and maybe resolved) by a one-stop shop: the KPIs' denominator."""

    __tablename__ = "dossiers"

    dossier_code: str = Field(primary_key=True, max_length=60)
    procedure_code: str = Field(max_length=40, index=True)
    agency_code: str = Field(max_length=40, index=True)
    level: str = Field(max_length=20)
    received_at: datetime = Field(index=True)
    resolved_at: datetime | None = None
    result_kind: str = Field(max_length=20)
    status: str = Field(max_length=20)
    owner_id: str | None = Field(default=None, max_length=20, index=True)
    source: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IntegrityCheck(SQLModel, table=True):
    """The last live verification of a document's signed copy; a failed one hides it from reuse."""

    __tablename__ = "integrity_checks"

    document_id: str = Field(primary_key=True, foreign_key="documents.id", max_length=32)
    ok: bool
    checked_at: datetime = Field(default_factory=utcnow)
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


REGISTRY_TABLES = (ApiClient, AccessLogEntry, ReuseEvent, Dossier, IntegrityCheck)
