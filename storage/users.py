"""Tables of the web pages: the people who log in (auditors, clerks, admins) and their sessions.

Same SQLModel metadata as `storage.index` (one database, one Alembic history: revision 0005).
A password is kept only as a slow salted hash; a session only as the SHA-256 of its random token,
so a copy of the database lets nobody log in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.index import utcnow


class WebUser(SQLModel, table=True):
    """A person who logs in to the web pages, with the one role that decides what they see."""

    __tablename__ = "web_users"

    name: str = Field(primary_key=True, max_length=100)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A logged-in browser: the cookie carries the token, the table only its hash."""

    __tablename__ = "web_sessions"

    token_sha256: str = Field(primary_key=True, max_length=64)
    user_name: str = Field(foreign_key="web_users.name", index=True, max_length=100)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
