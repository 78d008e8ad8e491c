"""Expanding the clerk's paths into the files of a batch."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.report import FAILED, DocumentOutcome

IGNORED_NAMES = {"Thumbs.db", ".DS_Store", "desktop.ini"}


def _wanted(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in IGNORED_NAMES


def collect_inputs(
    paths: Iterable[Path], *, recursive: bool,
) -> tuple[list[Path], list[DocumentOutcome]]:
    """Files to digitize (sorted, each once) and an outcome for every path that does not exist.

    Folders give their files (with `recursive`, their subfolders' too); every file is triaged
    by content later, so nothing is skipped here for its extension.
    """
    files: dict[Path, None] = {}
    missing: list[DocumentOutcome] = []
    for path in paths:
        if path.is_dir():
            pattern = path.rglob("*") if recursive else path.glob("*")
            for child in sorted(pattern):
                if child.is_file() and _wanted(child) and all(
                        _wanted(part) for part in child.relative_to(path).parents
                        if part != Path(".")):
                    files.setdefault(child.resolve(), None)
        elif path.is_file():
            files.setdefault(path.resolve(), None)
        else:
            missing.append(DocumentOutcome(
                str(path), FAILED, "NOT_FOUND",
                f"{path}: no such file or folder; check the path and run again."))
    return list(files), missing
