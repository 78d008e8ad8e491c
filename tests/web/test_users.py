"""Users of the web pages: hashed passwords, sessions, CSRF tokens, `sohoa users` (SQLite)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from pipeline.users import (
    InvalidUser,
    LoginFailed,
    create_user,
    csrf_matches,
    disable_user,
    log_in,
    log_out,
    session_for,
    set_password,
)
from storage.index import DocumentIndex, sqlite_url
from storage.users import WebSession, WebUser
from tests.support.env import clean_env

ROOT = Path(__file__).resolve().parents[2]
HOUR = timedelta(hours=1)


@pytest.fixture
def index(tmp_path: Path) -> DocumentIndex:
    return DocumentIndex(sqlite_url(tmp_path / "index.db"))


def test_password_is_kept_only_as_a_salted_argon2_hash(index: DocumentIndex) -> None:
    create_user(index, "lan", role="clerk", password="mat-khau-du-dai")
    create_user(index, "minh", role="auditor", password="mat-khau-du-dai")
    with index.session() as s:
        hashes = [u.password_hash for u in s.exec(select(WebUser)).all()]
    assert all(h.startswith("$argon2id$") and "mat-khau" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salts


def test_bad_users_are_refused_with_a_reason(index: DocumentIndex) -> None:
    with pytest.raises(InvalidUser, match="role"):
        create_user(index, "lan", role="boss", password="mat-khau-du-dai")
    with pytest.raises(InvalidUser, match="10 characters"):
        create_user(index, "lan", role="clerk", password="ngan")
    with pytest.raises(InvalidUser, match="spaces"):
        create_user(index, "nguyen van a", role="clerk", password="mat-khau-du-dai")
    create_user(index, "lan", role="clerk", password="mat-khau-du-dai")
    with pytest.raises(InvalidUser, match="exists"):
        create_user(index, "lan", role="admin", password="mat-khau-du-dai")


def test_login_session_and_logout(index: DocumentIndex) -> None:
    create_user(index, "lan", role="clerk", password="mat-khau-du-dai")
    for name, password in (("lan", "sai-mat-khau-roi"), ("khong-co", "mat-khau-du-dai")):
        with pytest.raises(LoginFailed):
            log_in(index, name, password, lifetime=HOUR)
    token, session = log_in(index, "lan", "mat-khau-du-dai", lifetime=HOUR)
    found = session_for(index, token)
    assert found is not None and found.user_name == "lan" and found.role == "clerk"
    assert csrf_matches(found, session.csrf_token)
    assert not csrf_matches(found, None) and not csrf_matches(found, session.csrf_token[:-1])
    with index.session() as s:  # the index holds only the token's hash
        assert s.get(WebSession, token) is None
    assert session_for(index, token[:-1] + "x") is None
    log_out(index, token)
    assert session_for(index, token) is None


def test_expired_session_is_refused(index: DocumentIndex) -> None:
    create_user(index, "lan", role="clerk", password="mat-khau-du-dai")
    token, _session = log_in(index, "lan", "mat-khau-du-dai", lifetime=timedelta(seconds=-1))
    assert session_for(index, token) is None


def test_new_password_or_disabling_ends_sessions(index: DocumentIndex) -> None:
    create_user(index, "lan", role="clerk", password="mat-khau-du-dai")
    token, _s = log_in(index, "lan", "mat-khau-du-dai", lifetime=HOUR)
    set_password(index, "lan", "mat-khau-moi-hon")
    assert session_for(index, token) is None
    with pytest.raises(LoginFailed):
        log_in(index, "lan", "mat-khau-du-dai", lifetime=HOUR)
    token, _s = log_in(index, "lan", "mat-khau-moi-hon", lifetime=HOUR)
    disable_user(index, "lan")
    assert session_for(index, token) is None
    with pytest.raises(LoginFailed):
        log_in(index, "lan", "mat-khau-moi-hon", lifetime=HOUR)


def _sohoa(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = clean_env(keep_prefect=True)
    env["SOHOA_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "sohoa.cli", *args], input=stdin, env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_users_command_creates_lists_and_refuses(tmp_path: Path) -> None:
    created = _sohoa(tmp_path, "users", "create", "lan", "--role", "clerk", "--password-stdin",
                     stdin="mat-khau-du-dai\n")
    assert created.returncode == 0, created.stderr
    listed = _sohoa(tmp_path, "users", "list", "--json")
    assert '"name": "lan"' in listed.stdout and '"role": "clerk"' in listed.stdout
    assert "argon2" not in listed.stdout
    bad_role = _sohoa(tmp_path, "users", "create", "minh", "--role", "boss", "--password-stdin",
                      stdin="mat-khau-du-dai\n")
    assert bad_role.returncode != 0 and "--role" in bad_role.stderr
    short = _sohoa(tmp_path, "users", "create", "minh", "--role", "auditor",
                   "--password-stdin", stdin="ngan\n")
    assert short.returncode == 1 and "10 characters" in short.stderr
    index = DocumentIndex(sqlite_url(tmp_path / "index.sqlite3"), migrate_schema=False)
    try:
        assert log_in(index, "lan", "mat-khau-du-dai", lifetime=HOUR)[1].role == "clerk"
    finally:
        index.close()
