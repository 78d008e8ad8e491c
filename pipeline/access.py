"""Who may call the reuse service, and the record of who saw whose documents (Decree 13/2023).

A client key is `sohoa_<key id>_<secret>`: the key id (public, 12 hex digits) finds the client
row, the 32-byte random secret is checked against its SHA-256 in constant time. A random secret
of that size needs no slow password hash; the key itself is shown once and never stored.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from pipeline.errors import SohoaError
from pipeline.i18n import _
from storage.index import DocumentIndex
from storage.objects import sha256_hex
from storage.registry import AccessLogEntry, ApiClient

SCOPE_DOCUMENTS_READ = "documents:read"
SCOPE_REUSE_WRITE = "reuse:write"
SCOPE_DOSSIERS_WRITE = "dossiers:write"
SCOPE_ADMIN = "admin"
SCOPES = (SCOPE_DOCUMENTS_READ, SCOPE_REUSE_WRITE, SCOPE_DOSSIERS_WRITE, SCOPE_ADMIN)
KEY_PREFIX = "sohoa"


class AccessError(SohoaError):
    code = "ACCESS_DENIED"


class NotAuthenticated(AccessError):
    code = "NOT_AUTHENTICATED"


class MissingScope(AccessError):
    code = "MISSING_SCOPE"


class InvalidClient(AccessError):
    code = "INVALID_CLIENT"


class ClientNotFound(AccessError):
    code = "CLIENT_NOT_FOUND"


@dataclass(frozen=True)
class Caller:
    """An authenticated client, as the request handlers see it."""

    client_id: str
    name: str
    scopes: frozenset[str]
    agencies: frozenset[str]  # empty: every agency
    rate_limit_per_minute: int | None = None

    def require(self, scope: str) -> None:
        if scope not in self.scopes and SCOPE_ADMIN not in self.scopes:
            raise MissingScope(_("this client key lacks the scope {scope}; ask the operator for "
                                 "a key with it (sohoa clients create … --scope {scope})")
                               .format(scope=scope))

    def may_see_agency(self, agency_code: str | None) -> bool:
        return not self.agencies or agency_code in self.agencies


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    key: str  # shown once


def _split_key(key: str) -> tuple[str, str] | None:
    parts = key.strip().split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def create_client(index: DocumentIndex, name: str, *, scopes: Sequence[str],
                  agencies: Sequence[str] = (),
                  rate_limit_per_minute: int | None = None) -> NewClient:
    unknown = sorted(set(scopes) - set(SCOPES))
    if not name.strip():
        raise InvalidClient(_("give the client a name, e.g. the processing system's name"))
    if unknown or not scopes:
        raise InvalidClient(_("unknown or missing scope {scopes}; use one or more of {known}")
                            .format(scopes=", ".join(unknown) or "-", known=", ".join(SCOPES)))
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    client = ApiClient(id=f"cl-{uuid.uuid4().hex[:12]}", name=name.strip(), key_id=key_id,
                       key_sha256=sha256_hex(secret.encode()), scopes=sorted(set(scopes)),
                       agencies=sorted({a.strip() for a in agencies if a.strip()}),
                       rate_limit_per_minute=rate_limit_per_minute)
    with index.session() as s:
        s.add(client)
        s.commit()
        s.refresh(client)
    return NewClient(client, f"{KEY_PREFIX}_{key_id}_{secret}")


def list_clients(index: DocumentIndex) -> list[ApiClient]:
    with index.session() as s:
        return list(s.exec(select(ApiClient).order_by(col(ApiClient.created_at))).all())


def revoke_client(index: DocumentIndex, client_ref: str) -> ApiClient:
    """Revoke by client id, key id or name (a name must be unique)."""
    with index.session() as s:
        rows = s.exec(select(ApiClient).where(sa.or_(
            col(ApiClient.id) == client_ref, col(ApiClient.key_id) == client_ref,
            col(ApiClient.name) == client_ref))).all()
        if len(rows) != 1:
            raise ClientNotFound(_("no single client matches {ref!r}; `sohoa clients list` "
                                   "shows ids").format(ref=client_ref))
        client = rows[0]
        if client.revoked_at is None:
            client.revoked_at = datetime.now(UTC)
            s.add(client)
            s.commit()
            s.refresh(client)
        return client


def authenticate(index: DocumentIndex, key: str | None) -> Caller:
    """The client a bearer key belongs to; any doubt (unknown, wrong, revoked) is the same 401."""
    parts = _split_key(key) if key else None
    if parts is None:
        raise NotAuthenticated(_("send a client key as 'Authorization: Bearer <key>'"))
    key_id, secret = parts
    with index.session() as s:
        client = s.exec(select(ApiClient).where(ApiClient.key_id == key_id)).first()
    if client is None or client.revoked_at is not None or not hmac.compare_digest(
            client.key_sha256, sha256_hex(secret.encode())):
        raise NotAuthenticated(_("the client key is unknown or revoked; ask the operator for a "
                                 "valid key"))
    return Caller(client.id, client.name, frozenset(client.scopes), frozenset(client.agencies),
                  client.rate_limit_per_minute)


@dataclass(frozen=True)
class AccessRecord:
    """What one response disclosed, and to whom and why."""

    caller: Caller
    action: str
    owner_id: str | None
    document_ids: Sequence[str]
    dossier_code: str | None
    purpose: str | None
    request_id: str


def log_access(session: Session, record: AccessRecord) -> None:
    """Append one entry and commit: before the response leaves, so no disclosure goes unlogged.

    A plain INSERT (no ORM unit of work): it runs on every personal-data response."""
    session.execute(sa.insert(AccessLogEntry).values(
        request_id=record.request_id, at=datetime.now(UTC), client_id=record.caller.client_id,
        client_name=record.caller.name, action=record.action, owner_id=record.owner_id,
        document_ids=list(record.document_ids), dossier_code=record.dossier_code,
        purpose=record.purpose))
    session.commit()


def access_history(index: DocumentIndex, *, owner_id: str | None = None,
                   document_id: str | None = None, limit: int = 1000) -> list[AccessLogEntry]:
    """A citizen's history: every response that disclosed their documents, newest first.

    By owner id; by document id the entries are filtered in Python (a JSON list column has no
    portable containment operator across SQLite and PostgreSQL).
    """
    query = select(AccessLogEntry)
    if owner_id is not None:
        query = query.where(AccessLogEntry.owner_id == "".join(owner_id.split()))
    query = query.order_by(col(AccessLogEntry.at).desc(), col(AccessLogEntry.id).desc())
    with index.session() as s:
        rows = list(s.exec(query.limit(limit if document_id is None else 100 * limit)).all())
    if document_id is not None:
        rows = [r for r in rows if document_id in r.document_ids][:limit]
    return rows
