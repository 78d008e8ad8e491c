"""Fault injection on the single-machine path, through the real `sohoa digitize` CLI (Prefect,
SeaweedFS, SQLite or PostgreSQL, the test PKI's timestamp authority, Tesseract), all on loopback:

- the S3 server stops for 20 s mid-batch and comes back on the same port and data folder;
- the PostgreSQL index server is restarted mid-batch;
- the timestamp authority is down: documents end `retryable`, a rerun stores them;
- one Tesseract run hangs: its page times out, the document goes to review, the batch goes on;
- the work folder's disk is full, or the work folder is not writable: one clear line, exit 5,
  the originals untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from samples.doctypes import make_specs
from samples.writers import text_pdf_bytes
from signing.testpki import ensure_test_pki
from signing.testservers import serve_tsa
from storage.index import DocumentIndex, sqlite_url
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.support.env import clean_env
from tests.support.faults import restartable_postgres, restartable_s3
from tests.support.postgres import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCANS = ROOT / "samples" / "scans"


def _text_pdfs(folder: Path, count: int, seed: int) -> list[Path]:
    """Distinct born-digital documents (their text layer is kept: no OCR, a fast batch)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, spec in enumerate(make_specs(count, seed)):
        path = folder / f"doc-{n:02d}.pdf"
        path.write_bytes(text_pdf_bytes(spec))
        paths.append(path)
    return paths


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data), DO_NOT_TRACK="1", OMP_THREAD_LIMIT="1",
               SOHOA_OCR_JOBS="1", SOHOA_MIN_FREE_MB="1", **extra)
    return env


def _s3_env(endpoint: S3Endpoint) -> dict[str, str]:
    """An S3 server of the test's own, and buckets no other test uses."""
    tag = uuid.uuid4().hex[:8]
    return {"SOHOA_S3_ENDPOINT": endpoint.endpoint, "SOHOA_S3_ACCESS_KEY": endpoint.access_key,
            "SOHOA_S3_SECRET_KEY": endpoint.secret_key,
            **{f"SOHOA_BUCKET_{kind.upper()}": f"f{tag}-{kind}"
               for kind in ("originals", "signed", "records", "quarantine", "reports")}}


def _cli(inputs: Path, report: Path, env: dict[str, str],
         user: list[str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*(user or []), sys.executable, "-m", "sohoa.cli", "digitize", str(inputs),
         "--no-progress", "--report", str(report)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def _finish(cli: subprocess.Popen[str], timeout_s: float = 600) -> tuple[int, str]:
    try:
        out, err = cli.communicate(timeout=timeout_s)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, 9)
    return cli.returncode, out + err


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _stored(url: str) -> int:
    """Documents stored so far (read while the batch writes)."""
    try:
        index = DocumentIndex(url, migrate_schema=False)
        try:
            counts = index.count_by_status()
        finally:
            index.close()
    except Exception:  # noqa: BLE001 - not created yet, or restarting
        return 0
    return counts.get("stored", 0) + counts.get("needs_review", 0)


def _report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


def _store(endpoint: S3Endpoint) -> MinioObjectStore:
    return MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                            secret_key=endpoint.secret_key)


def _assert_each_stored_once(report: dict[str, Any], files: list[Path], url: str,
                             store: MinioObjectStore | None, env: dict[str, str]) -> None:
    items = report["items"]
    assert sorted(i["path"] for i in items) == sorted(str(f) for f in files)
    assert {i["status"] for i in items} <= {"stored", "needs_review"}, items
    assert len({i["record_id"] for i in items}) == len(files)  # one document per file
    index = DocumentIndex(url, migrate_schema=False)
    try:
        rows = [r for r in index.find(limit=10_000)]
        assert len(rows) == len(files) and {r.status for r in rows} <= {"stored", "needs_review"}
        codes = [r.result_code for r in rows]
        assert len(set(codes)) == len(codes)
        for row in rows:
            assert len(index.files_of(row.id)) == 1
    finally:
        index.close()
    if store is not None:  # every original and every signed copy once: nothing written twice
        originals = list(store.list_keys(env["SOHOA_BUCKET_ORIGINALS"]))
        signed = list(store.list_keys(env["SOHOA_BUCKET_SIGNED"]))
        assert len(originals) == len(files) and len(signed) == len(files), (originals, signed)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_s3_down_for_20_seconds_mid_batch(tmp_path: Path) -> None:
    files = _text_pdfs(tmp_path / "in", 16, seed=1201)
    data, report = tmp_path / "data", tmp_path / "report.json"
    with restartable_s3(tmp_path / "s3") as s3:
        env = _env(data, SOHOA_DOCUMENTS_IN_PARALLEL="2", **_s3_env(s3.endpoint))
        url = sqlite_url(data / "index.sqlite3")
        cli = _cli(tmp_path / "in", report, env)
        try:
            _wait_for(lambda: _stored(url) >= 3 or cli.poll() is not None, 300,
                      "the first documents to be stored")
            assert cli.poll() is None, "the batch ended before the outage"
            down_at = time.monotonic()
            back = s3.outage(20.0)
            back.join(timeout=120)
            outage_s = time.monotonic() - down_at
            code, output = _finish(cli)
        finally:
            if cli.poll() is None:
                os.killpg(cli.pid, 9)
        assert code == 0, output
        assert outage_s >= 20.0
        assert "Traceback" not in output and "Error logging" not in output
        _assert_each_stored_once(_report(report), files, url, _store(s3.endpoint), env)
    log = (data / "logs" / "sohoa.log").read_text("utf-8", "replace")
    assert "retrying in" in log  # it did wait for the server rather than fail


def test_s3_gone_for_good_stops_the_batch_after_the_budget(tmp_path: Path) -> None:
    files = _text_pdfs(tmp_path / "in", 10, seed=1206)
    data, report = tmp_path / "data", tmp_path / "report.json"
    with restartable_s3(tmp_path / "s3") as s3:
        env = _env(data, SOHOA_DOCUMENTS_IN_PARALLEL="2", SOHOA_RETRY_BUDGET_S="5",
                   **_s3_env(s3.endpoint))
        url = sqlite_url(data / "index.sqlite3")
        cli = _cli(tmp_path / "in", report, env)
        try:
            _wait_for(lambda: _stored(url) >= 2 or cli.poll() is not None, 300,
                      "the first documents to be stored")
            assert cli.poll() is None, "the batch ended before the outage"
            s3.stop()
            gone_at = time.monotonic()
            code, output = _finish(cli)
            stopped_after = time.monotonic() - gone_at
        finally:
            if cli.poll() is None:
                os.killpg(cli.pid, 9)
        s3.start()  # for the fixture's own stop
    assert code == 5, output
    assert "Traceback" not in output and "Error logging" not in output
    flat = " ".join(output.split())  # rich wraps long lines
    assert "S3_UNAVAILABLE" in flat and "has not answered for" in flat
    assert "(connection refused)" in flat
    assert "urllib3" not in flat and "HTTPConnectionPool" not in flat  # one clear line
    assert stopped_after < 90
    batch = _report(report)
    assert batch["counts"]["retryable"] >= 1 and batch["counts"]["failed"] == 0, batch["counts"]
    assert len(batch["items"]) == len(files)  # every file accounted for
    for item in batch["items"]:
        assert item["status"] in ("stored", "needs_review", "retryable"), item
        if item["status"] == "retryable":
            assert item["reason_code"] == "S3_UNAVAILABLE"


def test_ctrl_c_while_waiting_for_s3_stops_without_waiting_out_the_budget(
        tmp_path: Path) -> None:
    _text_pdfs(tmp_path / "in", 8, seed=1207)
    data, report = tmp_path / "data", tmp_path / "report.json"
    log = data / "logs" / "sohoa.log"
    with restartable_s3(tmp_path / "s3") as s3:
        env = _env(data, SOHOA_DOCUMENTS_IN_PARALLEL="2", **_s3_env(s3.endpoint))
        url = sqlite_url(data / "index.sqlite3")
        cli = _cli(tmp_path / "in", report, env)
        try:
            _wait_for(lambda: _stored(url) >= 1 or cli.poll() is not None, 300,
                      "the first document to be stored")
            s3.stop()  # away for good: the batch would wait the 60 s budget
            _wait_for(lambda: "retrying in" in log.read_text("utf-8", "replace")
                      or cli.poll() is not None, 120, "a retry")
            assert cli.poll() is None, "the batch ended before the stop"
            os.killpg(cli.pid, 2)  # Ctrl-C
            asked = time.monotonic()
            code, output = _finish(cli, timeout_s=120)
            took = time.monotonic() - asked
        finally:
            if cli.poll() is None:
                os.killpg(cli.pid, 9)
        s3.start()
    assert code == 130, output
    assert "Traceback" not in output
    assert took < 30, took  # not the rest of the 60 s budget
    batch = _report(report)
    assert batch["stopped_by"] == "SIGINT" and batch["counts"]["interrupted"] >= 1, batch
    assert batch["counts"]["failed"] == 0, batch["counts"]


def test_postgresql_restart_mid_batch(tmp_path: Path, session_tmp: Path,
                                      s3_server: S3Endpoint) -> None:
    files = _text_pdfs(tmp_path / "in", 12, seed=1202)
    data, report = tmp_path / "data", tmp_path / "report.json"
    with restartable_postgres(session_tmp / f"pg-{uuid.uuid4().hex[:6]}") as pg:
        env = _env(data, SOHOA_DATABASE_URL=pg.url, SOHOA_DOCUMENTS_IN_PARALLEL="2",
                   **_s3_env(s3_server))
        cli = _cli(tmp_path / "in", report, env)
        try:
            _wait_for(lambda: _stored(pg.url) >= 2 or cli.poll() is not None, 300,
                      "the first documents to be stored")
            assert cli.poll() is None, "the batch ended before the restart"
            pg.restart()  # every connection is cut, the server is away for a moment
            code, output = _finish(cli)
        finally:
            if cli.poll() is None:
                os.killpg(cli.pid, 9)
        assert code == 0, output
        assert "Traceback" not in output and "Error logging" not in output
        _assert_each_stored_once(_report(report), files, pg.url, _store(s3_server), env)


def test_tsa_down_leaves_documents_retryable_then_a_rerun_stores_them(
        tmp_path: Path, s3_server: S3Endpoint) -> None:
    files = _text_pdfs(tmp_path / "in", 3, seed=1203)
    data = tmp_path / "data"
    # the PKI the CLI will sign with (created once, reused), so the TSA can use its TSA key
    pki = ensure_test_pki(data / "test-pki", agency_name="UBND xã Thử nghiệm",
                          agency_code="000.00.00.T01")
    port = free_port()
    env = _env(data, SOHOA_TSA_URL=f"http://127.0.0.1:{port}/tsa", SOHOA_SIGNING_LEVEL="B-T",
               SOHOA_RETRY_BUDGET_S="3", SOHOA_AGENCY_NAME="UBND xã Thử nghiệm",
               SOHOA_AGENCY_CODE="000.00.00.T01", **_s3_env(s3_server))
    url = sqlite_url(data / "index.sqlite3")

    started = time.monotonic()
    code, output = _finish(_cli(tmp_path / "in", tmp_path / "down.json", env))
    took = time.monotonic() - started
    assert code == 4, output  # some files to run again
    assert "Traceback" not in output and "Error logging" not in output
    down = _report(tmp_path / "down.json")
    assert down["counts"]["retryable"] == 3 and down["counts"]["failed"] == 0, down["counts"]
    for item in down["items"]:
        assert (item["status"], item["reason_code"]) == ("retryable", "TSA_UNREACHABLE")
        assert "timestamp" in item["message"]
    assert took < 120  # one document waited the budget; the others tried the TSA once
    index = DocumentIndex(url, migrate_schema=False)
    try:
        failed = index.find()
        assert {r.status for r in failed} == {"failed"}  # claims kept: the codes are reused
        assert all(r.signed_key is None for r in failed)  # nothing half-stored
        codes = sorted(r.result_code or "" for r in failed)
    finally:
        index.close()
    assert not list(_store(s3_server).list_keys(env["SOHOA_BUCKET_SIGNED"]))

    with serve_tsa(pki, port=port):
        code, output = _finish(_cli(tmp_path / "in", tmp_path / "up.json", env))
    assert code == 0, output
    up = _report(tmp_path / "up.json")
    assert {i["status"] for i in up["items"]} <= {"stored", "needs_review"}, up["items"]
    _assert_each_stored_once(up, files, url, _store(s3_server), env)
    index = DocumentIndex(url, migrate_schema=False)
    try:
        rows = index.find()
        assert sorted(r.result_code or "" for r in rows) == codes  # no number skipped
        assert {r.signature_level for r in rows} == {"B-T"}
    finally:
        index.close()


_HANGING_TESSERACT = """#!/bin/sh
# The first page recognition hangs; everything else is the real tesseract.
case " $* " in
  *" --version "*|*"--list-langs"*|*"--psm 0"*|*" osd"*) exec {real} "$@" ;;
esac
if mkdir "{marks}/hung" 2>/dev/null; then
  echo $$ > "{marks}/hung/pid"
  exec sleep 600
fi
exec {real} "$@"
"""


def test_a_hanging_tesseract_times_out_and_the_document_goes_to_review(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("01-quyet-dinh.png", "02-giay-xac-nhan.jpg", "10-bien-ban-speckle.png"):
        shutil.copy2(SCANS / name, inputs / name)
    real = shutil.which("tesseract")
    assert real is not None
    bin_dir, marks = tmp_path / "bin", tmp_path / "marks"
    bin_dir.mkdir()
    marks.mkdir()
    wrapper = bin_dir / "tesseract"
    wrapper.write_text(_HANGING_TESSERACT.format(real=real, marks=marks))
    wrapper.chmod(0o755)
    env = _env(tmp_path / "data", SOHOA_OCR_PAGE_TIMEOUT_S="8",
               SOHOA_DOCUMENTS_IN_PARALLEL="1")
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    started = time.monotonic()
    code, output = _finish(_cli(inputs, tmp_path / "report.json", env))
    assert code == 0, output  # the batch went on
    assert "Traceback" not in output and "Error logging" not in output
    assert (marks / "hung").is_dir()  # the hang did happen
    hung_pid = int((marks / "hung" / "pid").read_text())
    assert not Path(f"/proc/{hung_pid}").exists() or "Z" in Path(
        f"/proc/{hung_pid}/stat").read_text().split(")")[-1][:3]  # killed, not left behind
    items = _report(tmp_path / "report.json")["items"]
    assert len(items) == 3 and {i["status"] for i in items} <= {"stored", "needs_review"}
    flagged = [i for i in items if any("time" in r.lower() or "fail" in r.lower()
                                       for r in i["review_reasons"])]
    assert len(flagged) == 1 and flagged[0]["status"] == "needs_review", items
    assert time.monotonic() - started < 400


def _uncompressed_tiff(path: Path) -> Path:
    """A two-page scan saved without compression (~17 MB): more than the small disk holds."""
    with Image.open(SCANS / "05-ke-hoach-2-trang.tiff") as scan:
        frames = []
        for n in range(getattr(scan, "n_frames", 1)):
            scan.seek(n)
            frames.append(scan.convert("L").copy())
    frames[0].save(path, save_all=True, append_images=frames[1:], compression=None,
                   dpi=(300, 300))
    return path


@pytest.fixture
def small_work_disk(tmp_path: Path) -> Any:
    """A 12 MB tmpfs mounted where the batch's work folder goes (we run as root in CI)."""
    work = tmp_path / "data" / "work"
    work.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(work)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.strip()}")
    try:
        yield work
    finally:
        subprocess.run(["umount", "-l", str(work)], capture_output=True)


def test_a_full_work_disk_stops_the_batch_with_one_clear_line(
        tmp_path: Path, small_work_disk: Path, s3_server: S3Endpoint) -> None:
    inputs = tmp_path / "in"
    small = _text_pdfs(inputs, 1, seed=1204)[0]  # a-… sorts first: fits on the disk
    big = _uncompressed_tiff(inputs / "z-ke-hoach.tif")
    before = {p: _sha(p) for p in (small, big)}
    env = _env(tmp_path / "data", SOHOA_DOCUMENTS_IN_PARALLEL="1", **_s3_env(s3_server))
    code, output = _finish(_cli(inputs, tmp_path / "report.json", env))
    assert code == 5, output
    assert "Traceback" not in output and "Error logging" not in output
    assert "DISK_FULL" in output and "No space left" in output
    assert str(small_work_disk) in "".join(output.split())  # named (rich wraps long lines)
    items = {Path(i["path"]).name: i for i in _report(tmp_path / "report.json")["items"]}
    assert items[small.name]["status"] in ("stored", "needs_review"), items
    assert (items[big.name]["status"], items[big.name]["reason_code"]) == ("retryable",
                                                                            "DISK_FULL")
    assert {p: _sha(p) for p in (small, big)} == before  # the originals are untouched
    assert not list(small_work_disk.glob("tmp*"))  # the partial copy was removed


@pytest.fixture
def immutable_work_folder(tmp_path: Path) -> Any:
    """A work folder nobody may write to, root included (`chattr +i`: root bypasses chmod)."""
    work = tmp_path / "data" / "work"
    work.mkdir(parents=True)
    locked = subprocess.run(["chattr", "+i", str(work)], capture_output=True, text=True)
    if locked.returncode != 0:
        pytest.skip(f"cannot make a folder immutable here: {locked.stderr.strip()}")
    try:
        yield work
    finally:
        subprocess.run(["chattr", "-i", str(work)], capture_output=True)


def test_an_unwritable_work_folder_stops_the_batch_with_one_clear_line(
        tmp_path: Path, immutable_work_folder: Path, s3_server: S3Endpoint) -> None:
    files = _text_pdfs(tmp_path / "in", 2, seed=1205)
    before = {p: _sha(p) for p in files}
    env = _env(tmp_path / "data", **_s3_env(s3_server))
    code, output = _finish(_cli(tmp_path / "in", tmp_path / "report.json", env))
    assert code == 5, output
    assert "Traceback" not in output and "Error logging" not in output
    assert "WORK_DIR_UNUSABLE" in output and "write access" in output
    assert str(immutable_work_folder) in "".join(output.split())  # named (rich wraps lines)
    assert {p: _sha(p) for p in files} == before  # the originals are untouched
