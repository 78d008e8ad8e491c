"""People who log in to the web pages: auditors, clerks and admins, their passwords and sessions.

Passwords are hashed with Argon2id (argon2-cffi, a per-user random salt in the hash string).
A session is a 32-byte random token kept in an HttpOnly cookie; the index keeps only its SHA-256,
the user and a CSRF token that every form of that session must send back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, delete, select

from pipeline.errors import SohoaError
from pipeline.i18n import _
from storage.index import DocumentIndex
from storage.users import WebSession, WebUser

ROLE_AUDITOR = "auditor"
ROLE_CLERK = "clerk"
ROLE_ADMIN = "admin"
ROLES = (ROLE_AUDITOR, ROLE_CLERK, ROLE_ADMIN)


def _token_sha256(token: str) -> str:
    """Only a session token's hash is stored: a copy of the database opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class UserError(SohoaError):
    code = "USER_ERROR"


class InvalidUser(UserError):
    code = "INVALID_USER"


class LoginFailed(UserError):
    code = "LOGIN_FAILED"


class UserNotFound(UserError):
    code = "USER_NOT_FOUND"


@dataclass(frozen=True)
class Session:
    """A logged-in user as the web pages see them."""

    user_name: str
    role: str
    csrf_token: str
    expires_at: datetime


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(_("the password needs at least {n} characters")
                          .format(n=MIN_PASSWORD_LENGTH))


def create_user(index: DocumentIndex, name: str, *, role: str, password: str) -> WebUser:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise InvalidUser(_("a user name is 1 to 100 characters without spaces, e.g. "
                            "nguyenvana"))
    if role not in ROLES:
        raise InvalidUser(_("unknown role {role}; use one of {roles}")
                          .format(role=role, roles=", ".join(ROLES)))
    _check_password(password)
    with index.session() as s:
        if s.get(WebUser, name) is not None:
            raise InvalidUser(_("the user {name} exists already").format(name=name))
        user = WebUser(name=name, role=role, password_hash=_hasher.hash(password))
        s.add(user)
        s.commit()
        s.refresh(user)
        return user


def list_users(index: DocumentIndex) -> list[WebUser]:
    with index.session() as s:
        return list(s.exec(select(WebUser).order_by(col(WebUser.name))).all())


def set_password(index: DocumentIndex, name: str, password: str) -> None:
    """A new password ends every open session of that user."""
    _check_password(password)
    with index.session() as s:
        user = s.get(WebUser, name)
        if user is None:
            raise UserNotFound(_("no user {name}; `sohoa users list` shows them").format(
                name=name))
        user.password_hash = _hasher.hash(password)
        s.add(user)
        s.exec(delete(WebSession).where(col(WebSession.user_name) == name))
        s.commit()


def disable_user(index: DocumentIndex, name: str) -> None:
    with index.session() as s:
        user = s.get(WebUser, name)
        if user is None:
            raise UserNotFound(_("no user {name}; `sohoa users list` shows them").format(
                name=name))
        user.disabled_at = user.disabled_at or datetime.now(UTC)
        s.add(user)
        s.exec(delete(WebSession).where(col(WebSession.user_name) == name))
        s.commit()


def _password_matches(user: WebUser | None, password: str) -> bool:
    if user is None:
        # Hash anyway, so a wrong name takes as long as a wrong password.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def log_in(index: DocumentIndex, name: str, password: str, *,
           lifetime: timedelta) -> tuple[str, Session]:
    """A new session token (for the cookie) for the right name and password; else LoginFailed."""
    with index.session() as s:
        user = s.get(WebUser, name.strip())
        if not _password_matches(user, password) or user is None or user.disabled_at:
            raise LoginFailed(_("wrong user name or password"))
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
            s.add(user)
        token, now = secrets.token_urlsafe(32), datetime.now(UTC)
        row = WebSession(token_sha256=_token_sha256(token), user_name=user.name,
                         csrf_token=secrets.token_urlsafe(32), created_at=now,
                         expires_at=now + lifetime)
        s.add(row)
        s.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
        s.commit()
        return token, Session(user.name, user.role, row.csrf_token, row.expires_at)


def session_for(index: DocumentIndex, token: str | None) -> Session | None:
    """The live session behind a cookie token, or None (unknown, expired or user disabled)."""
    if not token or len(token) > 100:
        return None
    with index.session() as s:
        found = s.exec(select(WebSession, WebUser).join(WebUser).where(
            WebSession.token_sha256 == _token_sha256(token))).first()
    if found is None:
        return None
    row, user = found
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC) or user.disabled_at is not None:
        return None
    return Session(user.name, user.role, row.csrf_token, expires)


def csrf_matches(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf_token.encode(),
                                              (sent or "").encode())


def log_out(index: DocumentIndex, token: str | None) -> None:
    if not token:
        return
    with index.session() as s:
        s.exec(delete(WebSession).where(
            col(WebSession.token_sha256) == _token_sha256(token)))
        s.commit()
