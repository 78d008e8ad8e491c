"""What the clerk names is what the report says: FIFOs and devices are said to be what they
are, never read; a symbolic link keeps the name given; a file reached twice is taken once."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.batch import collect_inputs


def _scan(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7 stand-in")  # content is triaged later, not here
    return path


def test_fifo_argument_is_named_not_missing(tmp_path: Path) -> None:
    fifo = tmp_path / "scanner-pipe"
    os.mkfifo(fifo)
    files, refused = collect_inputs([fifo], recursive=False)
    assert files == []
    [line] = refused
    assert line.status == "failed" and line.reason_code == "NOT_A_FILE"
    assert line.message is not None and "named pipe (FIFO)" in line.message
    assert str(fifo) in line.message


def test_device_argument(tmp_path: Path) -> None:
    _, [line] = collect_inputs([Path("/dev/null")], recursive=False)
    assert line.reason_code == "NOT_A_FILE"
    assert line.message is not None and "character device" in line.message


def test_fifo_inside_a_folder_gets_a_line(tmp_path: Path) -> None:
    _scan(tmp_path / "a.pdf")
    os.mkfifo(tmp_path / "b.pdf")
    files, refused = collect_inputs([tmp_path], recursive=False)
    assert [f.name for f in files] == ["a.pdf"]
    assert [(Path(r.path).name, r.reason_code) for r in refused] == [("b.pdf", "NOT_A_FILE")]


def test_missing_and_broken_link(tmp_path: Path) -> None:
    (tmp_path / "dangling.pdf").symlink_to(tmp_path / "moved-away.pdf")
    _, refused = collect_inputs([tmp_path / "gone.pdf", tmp_path / "dangling.pdf"],
                                recursive=False)
    assert [r.reason_code for r in refused] == ["NOT_FOUND", "NOT_A_FILE"]
    assert refused[1].message is not None and "broken link" in refused[1].message


def test_symlink_keeps_the_name_given_and_duplicates_collapse(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    target = _scan(tmp_path / "store" / "20240305-0001.pdf")
    link = tmp_path / "quyet-dinh-ong-a.pdf"
    link.symlink_to(target)
    files, refused = collect_inputs([link, target], recursive=False)
    assert refused == []
    assert files == [link]  # the clerk's name, once (the target is the same file)
