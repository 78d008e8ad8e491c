"""SOHOA_LOG_FORMAT=json: the log file holds one JSON object per line, carrying the batch and
document ids of the work the record is about, also from threads started inside a batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import contextvars, logging, sys, threading
from pathlib import Path
from pipeline.logs import add_log_context, configure_logging, log_context
configure_logging(Path(sys.argv[1]), fmt="json")
log = logging.getLogger("sohoa")
log.info("before any batch")
with log_context(batch_id="B1"):
    with log_context(document="/scans/a.png"):
        add_log_context(sha256="ab" * 32)
        log.warning("Tờ khai: trang %d mờ", 2)
    def task():
        with log_context(document="/scans/b.png"):
            try:
                raise ValueError("no text layer")
            except ValueError:
                log.exception("failed")
    # tasks run in threads that start from a copy of the batch's context (as Prefect's do)
    thread = threading.Thread(target=contextvars.copy_context().run, args=(task,))
    thread.start(); thread.join()
    log.info("batch over")
log.info("after")
"""


def test_json_lines_carry_batch_and_document(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, check=True,
                   timeout=60)
    lines = (tmp_path / "logs" / "sohoa.log").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["message"] for e in entries] == [
        "before any batch", "Tờ khai: trang 2 mờ", "failed", "batch over", "after"]
    first, page, failed, over, after = entries
    assert "batch_id" not in first and "batch_id" not in after
    assert page["batch_id"] == "B1" and page["document"] == "/scans/a.png"
    assert page["sha256"] == "ab" * 32 and page["level"] == "WARNING"
    assert failed["batch_id"] == "B1" and failed["document"] == "/scans/b.png"
    assert "sha256" not in failed  # learnt for a.png only, and its context has ended
    assert "ValueError: no text layer" in failed["exception"]
    assert over["batch_id"] == "B1" and "document" not in over
    assert all(e["logger"] == "sohoa" and e["time"].endswith("+00:00") for e in entries)
