"""Where log records go: a log file in the data folder, never the clerk's terminal.

Libraries (pyHanko, Prefect, urllib3, PIL) log warnings with exception chains for outcomes the
pipeline already reports in plain words (an untrusted chain, a SHA-1 signature, a huge image).
An entry point (the CLI's `main()`, the API, a worker) calls `configure_logging` once; the
records then land in `<data dir>/logs/sohoa.log` and Python warnings (`warnings.warn`) with them.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOG_FOLDER = "logs"
LOG_FILE = "sohoa.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_MAX_BYTES = 10 * 1024 * 1024
_BACKUPS = 5


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


def configure_logging(data_path: Path, *, verbose: bool = False) -> Path:
    """Send every log record (INFO and up) to `<data_path>/logs/sohoa.log`; nothing to the
    terminal unless `verbose`. Safe to call again (e.g. when a config file moves the data
    folder): the previous file handler is replaced. Returns the log file's path.

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
    file_handler.setFormatter(logging.Formatter(_FORMAT))
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
