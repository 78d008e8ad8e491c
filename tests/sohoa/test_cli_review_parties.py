"""`sohoa review --set owner_id=… --party …` then `sohoa lookup --owner-id`, as a clerk runs
them (real processes, the real S3 server, the SQLite index): the document is found by the
reviewed ids with the role, not by the id corrected away; `show` numbers the parties."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from storage.index import DocumentIndex
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.pipeline.test_review_parties import OTHER, READ, RIGHT, store_decision
from tests.support.env import clean_env

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _sohoa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_review_corrects_parties_and_lookup_follows(tmp_path: Path,
                                                    s3_server: S3Endpoint) -> None:
    prefix = "cli-" + secrets.token_hex(3)
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(tmp_path), SOHOA_LANG="en", COLUMNS="200",
               SOHOA_S3_ENDPOINT=s3_server.endpoint, SOHOA_S3_ACCESS_KEY=s3_server.access_key,
               SOHOA_S3_SECRET_KEY=s3_server.secret_key,
               **{f"SOHOA_BUCKET_{kind.upper()}": f"{prefix}-{kind}" for kind in (
                   "originals", "signed", "records", "quarantine", "reports", "inbox")})
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    store.ensure_bucket(f"{prefix}-records", versioning=True)
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    try:
        doc = store_decision(index, store, f"{prefix}-records")
    finally:
        index.close()

    shown = _sohoa(env, "show", doc)
    assert shown.returncode == 0, shown.stderr
    assert "party 2" in shown.stdout and "(decision_subject): Trần Văn Bình" in shown.stdout

    bad = _sohoa(env, "review", doc, "--party", "1=decision_subject::" + OTHER)
    assert bad.returncode == 1 and "party 1 is the owner" in bad.stderr, bad.stderr

    done = _sohoa(env, "review", doc, "--set", f"owner_id={RIGHT}", "--party",
                  f"legal_representative:Phạm Thị Lan:{OTHER}", "--by", "reviewer-7", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["index"]["status"] == "approved"

    def lookup(person: str) -> dict[str, str]:
        found = _sohoa(env, "lookup", "--owner-id", person, "--json")
        assert found.returncode == 0, found.stderr
        return {d["id"]: d["role"] for d in json.loads(found.stdout)}

    assert lookup(RIGHT) == {doc: "owner"}
    assert lookup(OTHER) == {doc: "legal_representative"}
    assert lookup(READ) == {}
    text = _sohoa(env, "lookup", "--owner-id", OTHER)
    assert f"{doc}: role legal_representative (Legal representative)" in text.stdout

    removed = _sohoa(env, "review", doc, "--party", "3=")
    assert removed.returncode == 0, removed.stderr
    assert lookup(OTHER) == {}
