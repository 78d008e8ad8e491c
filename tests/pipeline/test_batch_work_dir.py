"""Stale work folders of a killed run are removed, never those of a batch still working."""

from __future__ import annotations

from pathlib import Path

from pipeline.batch import StopRequest, claim_work_dir, current_stop, stopping_on


def _stale(work: Path) -> Path:
    folder = work / "tmpabc123"
    folder.mkdir(parents=True)
    (folder / "input.png").write_bytes(b"copy of a scan")
    return folder


def test_next_batch_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    stale = _stale(tmp_path / "work")
    with claim_work_dir(tmp_path / "work") as removed:
        assert removed == [stale]
        assert not stale.exists()


def test_a_working_batch_keeps_its_folders(tmp_path: Path) -> None:
    work = tmp_path / "work"
    with claim_work_dir(work):
        in_use = _stale(work)
        with claim_work_dir(work) as removed:  # a second batch on the same data folder
            assert removed == []
        assert in_use.exists()


def test_stop_request_is_seen_in_context() -> None:
    stop = StopRequest()
    assert not current_stop().requested
    with stopping_on(stop):
        stop.request("SIGTERM")
        stop.request("SIGINT")  # the first reason stays
        assert current_stop().requested
        assert current_stop().reason == "SIGTERM"
    assert not current_stop().requested
