"""Stopping `sohoa digitize` mid-batch through the real CLI (Prefect, Tesseract, SeaweedFS):
Ctrl-C and SIGTERM end with a documented exit code, a partial report, no traceback and no
surviving child process; after `kill -9` no server lives on and the next run cleans up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.env import clean_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCANS = ROOT / "samples" / "scans"
# image scans: every one goes through Tesseract, so a batch is surely in OCR when stopped
IMAGES = ["01-quyet-dinh.png", "03-thong-bao-skew.png", "04-giay-phep-xay-dung-seal.jpg",
          "09-ho-kinh-doanh-rot90.png", "10-bien-ban-speckle.png"]


def _env(data_dir: Path) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data_dir), DO_NOT_TRACK="1", OMP_THREAD_LIMIT="1",
               SOHOA_DOCUMENTS_IN_PARALLEL="2", SOHOA_OCR_JOBS="1")
    return env


def _inputs(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(SCANS / name, folder / name)
    return folder


def _start(data_dir: Path, inputs: Path, report: Path) -> subprocess.Popen[str]:
    """The CLI as a terminal runs it: its own process group, like a shell job."""
    return subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", "digitize", str(inputs), "--no-progress",
         "--report", str(report)],
        env=_env(data_dir), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)


def _wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _in_ocr(data_dir: Path) -> bool:
    return any((data_dir / "work").glob("tmp*"))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; init reaps it


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process."""
    table: dict[int, tuple[int, bytes]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            table[int(proc.name)] = (parent, (proc / "cmdline").read_bytes())
        except (OSError, ValueError, IndexError):
            continue
    return table


def _family(pid: int, data_dir: Path) -> set[int]:
    """Descendants of `pid`, plus any process naming the data folder (servers it started)."""
    table = _processes()
    family: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - family
        family |= frontier
    family |= {p for p, (_, cmdline) in table.items() if str(data_dir).encode() in cmdline}
    return family - {pid}


def _assert_all_gone(pids: set[int], timeout_s: float = 30.0) -> None:
    _wait_for(lambda: not any(_alive(p) for p in pids), timeout_s,
              f"child processes to end: {sorted(p for p in pids if _alive(p))}")


@pytest.mark.parametrize(("sig", "code", "to_group"), [
    (signal.SIGINT, 130, True),  # Ctrl-C: the terminal signals the whole process group
    (signal.SIGTERM, 143, False),  # a service manager signals the process
])
def test_stop_mid_batch(tmp_path: Path, sig: signal.Signals, code: int, to_group: bool) -> None:
    data, report = tmp_path / "data", tmp_path / "report.json"
    cli = _start(data, _inputs(tmp_path / "in", IMAGES), report)
    try:
        _wait_for(lambda: _in_ocr(data) or cli.poll() is not None, 240, "OCR to start")
        assert cli.poll() is None, cli.communicate()
        children = _family(cli.pid, data)
        assert children  # at least the Prefect and S3 servers and a Tesseract
        if to_group:
            os.killpg(cli.pid, sig)
        else:
            cli.send_signal(sig)
        stdout, stderr = cli.communicate(timeout=180)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
    assert cli.returncode == code, stdout + stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert f"Stopped by {sig.name}" in " ".join(stdout.split())
    batch = json.loads(report.read_text("utf-8"))
    assert batch["stopped_by"] == sig.name
    assert batch["exit_code"] == code
    assert len(batch["items"]) == len(IMAGES)  # every file is accounted for
    assert batch["counts"]["interrupted"] >= 1
    assert batch["counts"]["failed"] == 0  # abandoned, not failed: nothing half-stored
    for item in batch["items"]:
        if item["status"] == "interrupted":
            assert item["reason_code"] == "INTERRUPTED"
            assert "run the batch again" in item["message"]
    assert list((data / "reports").glob("*.json"))  # the kept copy as well
    _assert_all_gone(children)
    assert not _in_ocr(data)  # in-flight work folders were removed
    assert not list((data / "prefect").glob("server*.pid"))


def test_kill_9_leaves_no_orphan_and_rerun_cleans_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cli = _start(data, _inputs(tmp_path / "in", IMAGES[:3]), tmp_path / "killed.json")
    try:
        _wait_for(lambda: _in_ocr(data) or cli.poll() is not None, 240, "OCR to start")
        assert cli.poll() is None, cli.communicate()
        children = _family(cli.pid, data)
    finally:
        cli.kill()  # SIGKILL to the CLI only, as `kill -9 PID`
        cli.communicate(timeout=30)
    # The Prefect server dies with the CLI (PR_SET_PDEATHSIG); an orphaned Tesseract ends with
    # its page. The embedded S3 server is shared by every sohoa process on the data folder
    # (issue 9): it outlives a killed user until the next run adopts it and, as its last user,
    # stops it (checked after the rerun below).
    table = _processes()
    s3_server = {p for p in children if p in table and b"weed" in table[p][1]}
    _assert_all_gone(children - s3_server, timeout_s=60)
    assert _in_ocr(data)  # the killed run could not clean its work folders

    rerun = subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "digitize", str(SCANS / "07-gcn-doanh-nghiep-text.pdf"),
         "--no-progress"], env=_env(data), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert not _in_ocr(data)  # stale copies of scans removed
    assert not list((data / "prefect").glob("server*.pid"))
    _assert_all_gone({p for p, (_, cmd) in _processes().items() if str(data).encode() in cmd},
                     timeout_s=30)  # the rerun's servers are stopped too
