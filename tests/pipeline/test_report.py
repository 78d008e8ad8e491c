from __future__ import annotations

from pathlib import Path

from pipeline.batch import collect_inputs
from pipeline.report import BatchReport, DocumentOutcome, ExitCode


def test_exit_code_reflects_worst_outcome() -> None:
    report = BatchReport("b1")
    report.add(DocumentOutcome("a.pdf", "stored"))
    report.add(DocumentOutcome("b.pdf", "duplicate"))
    report.add(DocumentOutcome("c.pdf", "needs_review", review_reasons=("issue_date: missing",)))
    assert report.exit_code is ExitCode.OK
    report.add(DocumentOutcome("d.pdf", "quarantined", "EMPTY_FILE", "d.pdf: empty"))
    assert report.exit_code is ExitCode.QUARANTINED
    report.add(DocumentOutcome("e.pdf", "retryable", "TSA_UNREACHABLE", "e.pdf: no TSA"))
    assert report.exit_code is ExitCode.FAILED  # rerun: a transient cause
    report.add(DocumentOutcome("f.pdf", "failed", "OCR_FAILED", "f.pdf: crash"))
    assert report.exit_code is ExitCode.FAILED
    assert report.counts == {"stored": 1, "needs_review": 1, "duplicate": 1, "quarantined": 1,
                             "retryable": 1, "failed": 1, "interrupted": 0}


def test_a_stopped_batch_exits_with_the_signal_code(tmp_path: Path) -> None:
    report = BatchReport("b3")
    report.add(DocumentOutcome("a.pdf", "failed", "OCR_FAILED", "a.pdf: crash"))
    report.add(DocumentOutcome("b.pdf", "interrupted", "INTERRUPTED", "b.pdf: not started"))
    report.stopped_by = "SIGINT"
    assert report.exit_code is ExitCode.INTERRUPTED and int(report.exit_code) == 130
    report.stopped_by = "SIGTERM"
    assert int(report.exit_code) == 143
    report.finish().write(tmp_path / "r.json")
    import json

    again = BatchReport.from_dict(json.loads((tmp_path / "r.json").read_text()))
    assert again.stopped_by == "SIGTERM" and again.counts["interrupted"] == 1


def test_report_roundtrip(tmp_path: Path) -> None:
    report = BatchReport("b2")
    report.add(DocumentOutcome("x.png", "stored", record_id="abc", pages=2))
    report.finish().write(tmp_path / "r.json")
    import json

    again = BatchReport.from_dict(json.loads((tmp_path / "r.json").read_text()))
    assert again.items == report.items and again.pages == 2


def test_collect_inputs_expands_folders_and_reports_missing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.png", "a.pdf", ".hidden.png", "sub/c.tif"):
        (tmp_path / name).write_bytes(b"x")
    files, missing = collect_inputs([tmp_path, tmp_path / "a.pdf", tmp_path / "gone.pdf"],
                                    recursive=False)
    assert [f.name for f in files] == ["a.pdf", "b.png"]
    assert [m.reason_code for m in missing] == ["NOT_FOUND"]
    files, _ = collect_inputs([tmp_path], recursive=True)
    assert sorted(f.name for f in files) == ["a.pdf", "b.png", "c.tif"]
