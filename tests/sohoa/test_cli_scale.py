"""`sohoa submit`, `sohoa quarantine` and `sohoa worker start` through the real CLI (a new
Python process each), against the real S3 server."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.support.env import clean_env
from tests.support.small_docs import copy_broken, write_small_documents

pytestmark = [pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, s3: S3Endpoint, inbox: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_S3_ENDPOINT=s3.endpoint,
               SOHOA_S3_ACCESS_KEY=s3.access_key, SOHOA_S3_SECRET_KEY=s3.secret_key,
               SOHOA_BUCKET_INBOX=inbox, SOHOA_MIN_FREE_MB="1")
    return env


def _sohoa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_submit_uploads_the_folder_and_prints_the_batch(tmp_path: Path,
                                                        s3_server: S3Endpoint) -> None:
    inbox = f"cli-inbox-{secrets.token_hex(3)}"
    env = _env(tmp_path, s3_server, inbox)
    folder = tmp_path / "scans"
    write_small_documents(folder / "day 1", 2, token="cli")
    copy_broken(folder, ("corrupt.png",))
    done = _sohoa(env, "submit", str(folder), "--agency", "000.17.22.H56")
    assert done.returncode == 0, done.stderr
    batch = done.stdout.strip()
    assert len(batch) > 10 and "/" not in batch
    assert "3 file(s) uploaded" in done.stderr
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    assert sorted(store.list_keys(inbox, "inbox/")) == [
        f"inbox/000.17.22.H56/{batch}/corrupt.png",
        f"inbox/000.17.22.H56/{batch}/day 1/giay-001.png",
        f"inbox/000.17.22.H56/{batch}/day 1/giay-002.png"]

    bad = _sohoa(env, "submit", str(folder), "--batch", "a/b")
    assert bad.returncode == 1 and "--batch" in bad.stderr and "Traceback" not in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _sohoa(env, "submit", str(empty)).returncode == 4


def test_quarantine_commands_and_worker_needs_a_server(tmp_path: Path,
                                                       s3_server: S3Endpoint) -> None:
    env = _env(tmp_path, s3_server, f"cli-q-{secrets.token_hex(3)}")
    listed = _sohoa(env, "quarantine", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    no_reason = _sohoa(env, "quarantine", "discard", "local:0123456789abcdef")
    assert no_reason.returncode == 1 and "REASON_REQUIRED" in no_reason.stderr
    assert "--reason" in no_reason.stderr and "Traceback" not in no_reason.stderr
    unknown = _sohoa(env, "quarantine", "retry", "local:0123456789abcdef")
    assert unknown.returncode == 1 and "QUARANTINE_NOT_FOUND" in unknown.stderr
    worker = _sohoa(env, "worker", "start", "--pool", "sohoa")
    assert worker.returncode == 5 and "PREFECT_API_URL" in worker.stderr
