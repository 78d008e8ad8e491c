"""Metrics across real processes: each process writes its counts to the shared folder, the
exposition adds them up, the files of processes that ended are folded into one archive without
changing a total, and `sohoa metrics serve` answers on a real port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from pipeline import metrics
from tests.support.env import clean_env
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]

# One process digitizing: two documents of an agency, one failed, stage times.
WORKER = """
import sys
from pathlib import Path
from pipeline import metrics
metrics.record_to_folder(Path(sys.argv[1]))
metrics.document_done(agency="A", outcome="stored", reason=None, pages=2)
metrics.document_done(agency="A", outcome="failed", reason="OCR_TIMEOUT", pages=0)
with metrics.stage("ocr", agency="A"):
    pass
metrics.observe_stage("sign", 0.2, agency="A")
"""


def _values(body: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode("utf-8"))
            for s in family.samples}


def _run_worker(folder: Path) -> None:
    subprocess.run([sys.executable, "-c", WORKER, str(folder)], cwd=ROOT, check=True,
                   timeout=60)


def _key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


def test_processes_add_up_and_compaction_keeps_the_totals(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    _run_worker(folder)
    _run_worker(folder)
    before = _values(metrics.exposition(folder)[0])
    assert before[_key("sohoa_documents_total", agency="A", outcome="stored")] == 2
    assert before[_key("sohoa_failures_total", agency="A", reason="OCR_TIMEOUT")] == 2
    assert before[_key("sohoa_pages_total", agency="A")] == 4
    assert before[_key("sohoa_stage_duration_seconds_count", agency="A", stage="ocr")] == 2
    assert before[_key("sohoa_stage_duration_seconds_bucket", agency="A", stage="sign",
                       le="0.25")] == 2
    # the second process folded the first one's files when it started; its own remain
    names = sorted(p.name for p in folder.glob("*.db"))
    assert len(names) == 4 and {"counter_archive.db", "histogram_archive.db"} <= set(names)
    assert metrics.compact(folder) == 2  # the second process has ended too
    assert sorted(p.name for p in folder.glob("*.db")) == [
        "counter_archive.db", "histogram_archive.db"]
    assert _values(metrics.exposition(folder)[0]) == before
    _run_worker(folder)  # a new process after the compaction: added on top
    after = _values(metrics.exposition(folder)[0])
    assert after[_key("sohoa_documents_total", agency="A", outcome="stored")] == 3


def test_a_live_process_file_is_not_folded(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    live = folder / f"counter_{os.getpid()}.db"
    live.write_bytes(b"")
    assert metrics.compact(folder) == 0 and live.exists()


def test_in_memory_without_a_folder() -> None:
    """A library user who chose no folder still gets this process's own counts."""
    def stored() -> float:
        return _values(metrics.exposition(None)[0]).get(
            _key("sohoa_documents_total", agency="none", outcome="stored"), 0.0)

    first = stored()
    metrics.document_done(agency=None, outcome="stored", reason=None, pages=1)
    assert stored() == first + 1


def test_metrics_serve_exports_the_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _run_worker(data / "metrics")
    port = free_port()
    env = clean_env(keep_prefect=True)
    env["SOHOA_DATA_DIR"] = str(data)
    server = subprocess.Popen([sys.executable, "-m", "sohoa.cli", "metrics", "serve", "--port",
                               str(port)], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                              text=True)
    try:
        body = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).content
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert _values(body)[_key("sohoa_documents_total", agency="A", outcome="stored")] == 1
        _run_worker(data / "metrics")  # a flow run ends meanwhile: the next scrape sees it
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).content
        assert _values(body)[_key("sohoa_documents_total", agency="A", outcome="stored")] == 2
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
