"""Expanding the clerk's paths into the files of a batch."""

from __future__ import annotations

import fcntl
import shutil
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from pipeline.errors import ConfigurationError, SohoaError
from pipeline.i18n import _
from pipeline.report import FAILED, DocumentOutcome

IGNORED_NAMES = {"Thumbs.db", ".DS_Store", "desktop.ini"}


def _wanted(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in IGNORED_NAMES


def collect_inputs(
    paths: Iterable[Path], *, recursive: bool,
) -> tuple[list[Path], list[DocumentOutcome]]:
    """Files to digitize (sorted, each once) and an outcome for every path that is not one.

    Folders give their files (with `recursive`, their subfolders' too); every file is triaged
    by content later, so nothing is skipped here for its extension. Paths keep the name the
    clerk gave (a symbolic link is not replaced by its target); a file reached twice is taken
    once. A named pipe, socket or device is never read: it gets a line saying what it is.
    """
    files: dict[Path, Path] = {}  # resolved → as given
    refused: list[DocumentOutcome] = []
    for path in paths:
        if path.is_dir():
            pattern = path.rglob("*") if recursive else path.glob("*")
            for child in sorted(pattern):
                if not (_wanted(child) and all(_wanted(part) for part in
                                               child.relative_to(path).parents
                                               if part != Path("."))):
                    continue
                if child.is_file():
                    files.setdefault(child.resolve(), child.absolute())
                elif not child.is_dir():
                    refused.append(_not_a_file(child))
        elif path.is_file():
            files.setdefault(path.resolve(), path.absolute())
        else:
            refused.append(_not_a_file(path))
    return list(files.values()), refused


def _kind_of(path: Path) -> str | None:
    """What a path that is neither a regular file nor a folder is, in plain words."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return _("a broken link") if path.is_symlink() else None
    except OSError as e:
        return _("unreadable ({error})").format(error=e.strerror or e)
    kinds = ((stat.S_ISFIFO, _("a named pipe (FIFO)")), (stat.S_ISSOCK, _("a socket")),
             (stat.S_ISCHR, _("a character device")), (stat.S_ISBLK, _("a block device")))
    return next((words for test, words in kinds if test(mode)), _("not a regular file"))


def _not_a_file(path: Path) -> DocumentOutcome:
    kind = _kind_of(path)
    if kind is None:
        return DocumentOutcome(
            str(path), FAILED, "NOT_FOUND",
            _("{path}: no such file or folder; check the path and run again.").format(path=path))
    return DocumentOutcome(
        str(path), FAILED, "NOT_A_FILE",
        _("{path}: is {kind}, not a scan file; it was not read. Give the scan file itself "
          "(PDF, PNG, JPEG or TIFF).").format(path=path, kind=kind))


class Interrupted(SohoaError):
    """The batch was asked to stop while this file was in progress: nothing of it was stored,
    the original is where it was; the next run processes it."""

    code = "INTERRUPTED"


class StopRequest:
    """Set by an entry point on SIGINT/SIGTERM (or a worker's shutdown); read by the batch,
    which then takes no new file and abandons in-flight ones at their next page."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None  # e.g. "SIGINT", "SIGTERM"

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout_s: float) -> bool:
        return self._event.wait(timeout_s)


_NEVER = StopRequest()  # the default: nobody asks this one to stop
_current_stop: ContextVar[StopRequest] = ContextVar("sohoa_stop", default=_NEVER)  # noqa: B039


def current_stop() -> StopRequest:
    return _current_stop.get()


@contextmanager
def stopping_on(stop: StopRequest) -> Iterator[StopRequest]:
    """Make `stop` the batch's stop request in this context (Prefect copies the context into
    its task threads)."""
    token = _current_stop.set(stop)
    try:
        yield stop
    finally:
        _current_stop.reset(token)


def _remove_stale(work_dir: Path) -> list[Path]:
    removed = []
    for folder in work_dir.glob("tmp*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def claim_work_dir(work_dir: Path) -> Iterator[list[Path]]:
    """Hold the work folder for a batch; yield the stale temporary folders removed.

    A run killed with `kill -9` leaves `tmp*` folders holding copies of scans. Every batch
    holds a shared lock on the folder while it works; one that finds no other batch holding it
    (exclusive lock granted) removes what killed runs left behind.
    """
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        handle = (work_dir / ".batches.lock").open("a")
    except OSError as e:
        raise ConfigurationError(
            _("The work folder {path} cannot be written ({cause}): give the user running sohoa "
              "write access to it (or free space on its disk), then run the batch again. "
              "Nothing was processed.").format(path=work_dir, cause=e.strerror or e),
            code="WORK_DIR_UNUSABLE") from e
    with handle:
        removed: list[Path] = []
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another batch is working here: its folders are not stale
        else:
            removed = _remove_stale(work_dir)
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield removed
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
