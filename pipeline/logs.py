"""Where log records go: a log file in the data folder, never the clerk's terminal.

Libraries (pyHanko, Prefect, urllib3, PIL) log warnings with exception chains for outcomes the
pipeline already reports in plain words (an untrusted chain, a SHA-1 signature, a huge image).
An entry point (the CLI's `main()`, the API, a worker) calls `configure_logging` once; the
records then land in `<data dir>/logs/sohoa.log` and Python warnings (`warnings.warn`) with them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

LOG_FOLDER = "logs"
LOG_FILE = "sohoa.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_MAX_BYTES = 10 * 1024 * 1024
_BACKUPS = 5
LOG_FORMATS = ("text", "json")
# What the record is about (batch id, document path and content hash), for the JSON lines:
# set where a batch or a document starts, carried into Prefect's task threads with the context.
_log_context: ContextVar[Mapping[str, str]] = ContextVar("sohoa_log_context",
                                                         default=MappingProxyType({}))


@contextlib.contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Every record logged inside carries these fields (None values are left out)."""
    token = _log_context.set(_merged(fields))
    try:
        yield
    finally:
        _log_context.reset(token)


def add_log_context(**fields: str | None) -> None:
    """Add a field learnt on the way (a document's hash after triage) to the current context;
    it ends with the enclosing `log_context`."""
    _log_context.set(_merged(fields))


def current_log_context() -> Mapping[str, str]:
    return _log_context.get()


def _merged(fields: Mapping[str, str | None]) -> Mapping[str, str]:
    merged = dict(_log_context.get())
    merged.update({k: v for k, v in fields.items() if v is not None})
    return MappingProxyType(merged)


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the log context's fields
    (batch_id, document, sha256) and, when there is one, the exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "thread": record.threadName,
        }
        entry.update(_log_context.get())
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# The class names must not start with "_": Prefect's logging set-up keeps the root logger's
# handlers only when they look like the application's own (public class, with a formatter).
class SohoaFileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler this module installed, so a second call replaces it. The folder and
    the file are made on the first record: `sohoa version` leaves no trace."""

    def _open(self):  # type: ignore[no-untyped-def]
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


class SohoaConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The optional `--verbose` echo on stderr."""


def log_file(data_path: Path) -> Path:
    return data_path / LOG_FOLDER / LOG_FILE


def configure_logging(data_path: Path, *, verbose: bool = False, fmt: str = "text") -> Path:
    """Send every log record (INFO and up) to `<data_path>/logs/sohoa.log`; nothing to the
    terminal unless `verbose`. Safe to call again (e.g. when a config file moves the data
    folder): the previous file handler is replaced. Returns the log file's path.

    `fmt="json"` (SOHOA_LOG_FORMAT=json) writes JSON lines carrying the batch and document
    ids, for a log shipper; "text" is for people reading the file.

    Must run before Prefect is imported: Prefect leaves the root logger alone when it already
    has a handler, instead of adding its console handler.
    """
    path = log_file(data_path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, SohoaFileHandler | SohoaConsoleHandler):
            root.removeHandler(handler)
            handler.close()
    file_handler = SohoaFileHandler(path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS,
                                     encoding="utf-8", delay=True)
    file_handler.setFormatter(JsonLinesFormatter() if fmt == "json"
                              else logging.Formatter(_FORMAT))
    root.addHandler(file_handler)
    if verbose:
        console = SohoaConsoleHandler(sys.stderr)
        console.setLevel(logging.INFO)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # warnings.warn (PIL's DecompressionBombWarning, ...) too
    # pyHanko subsets the stamp font through fontTools, which logs every table it drops.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # one INFO line per Prefect API call would drown everything else
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return path
