"""Prometheus metrics of the pipeline: documents and pages processed, failures by reason code,
stage durations, each labelled by agency.

Digitizing runs in many processes (a `sohoa digitize`, each Prefect flow run on a worker), and
the API process that serves `/metrics` is yet another one. prometheus_client's multiprocess mode
joins them: an entry point that digitizes calls `record_to_folder(<data dir>/metrics)`, each
process then writes its counters to memory-mapped files there, and `exposition(folder)` (the
API's `/metrics`, or `start_exporter` on a worker machine) adds them up. Without that call the
metrics stay in this process's memory (tests, library use).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
    values,
)
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger("sohoa")
METRICS_FOLDER = "metrics"
STAGES = ("triage", "ocr", "extract", "sign", "store", "index")
NO_AGENCY = "none"  # label value of a batch run without an agency code
# Seconds: a triage takes milliseconds, an OCR of a many-page document minutes.
STAGE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                 600.0)
_ARCHIVE = "archive"  # file suffix holding the counts of processes that have ended
_MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # how prometheus_client finds the folder


@dataclass(frozen=True)
class PipelineMetrics:
    registry: CollectorRegistry
    documents: Counter
    pages: Counter
    failures: Counter
    stage_seconds: Histogram


@cache
def _metrics() -> PipelineMetrics:
    """Built on first use, after `record_to_folder` chose where values live."""
    registry = CollectorRegistry(auto_describe=True)
    return PipelineMetrics(
        registry,
        Counter("sohoa_documents", "Documents processed, by outcome",
                ("agency", "outcome"), registry=registry),
        Counter("sohoa_pages", "Pages of documents stored (or stored pending review)",
                ("agency",), registry=registry),
        Counter("sohoa_failures", "Documents failed or quarantined, by reason code",
                ("agency", "reason"), registry=registry),
        Histogram("sohoa_stage_duration_seconds", "Time spent in a pipeline stage per document",
                  ("agency", "stage"), buckets=STAGE_BUCKETS, registry=registry),
    )


def metrics_folder(data_path: Path) -> Path:
    return data_path / METRICS_FOLDER


def record_to_folder(folder: Path) -> None:
    """Entry points that digitize: this process's metrics go to `folder`, where every process
    of this machine (and `/metrics`, `sohoa metrics serve`) finds them.

    prometheus_client reads the folder from the process environment when it creates a value,
    so this sets it (an entry point's job: the library itself never reads it back).
    """
    folder.mkdir(parents=True, exist_ok=True)
    compact(folder)
    os.environ[_MULTIPROCESS_ENV] = str(folder)
    values.ValueClass = values.MultiProcessValue()
    _metrics.cache_clear()  # values made before now live in memory only


def document_done(*, agency: str | None, outcome: str, reason: str | None, pages: int) -> None:
    """Count one document's outcome (stored, needs_review, duplicate, quarantined, failed,
    interrupted); failures and quarantines by their reason code; pages of what was stored."""
    label = agency or NO_AGENCY
    with _never_failing("documents"):
        m = _metrics()
        m.documents.labels(label, outcome).inc()
        if outcome in ("stored", "needs_review") and pages:
            m.pages.labels(label).inc(pages)
        if outcome in ("failed", "quarantined"):
            m.failures.labels(label, reason or "UNKNOWN").inc()


def observe_stage(stage: str, seconds: float, *, agency: str | None) -> None:
    with _never_failing("stage"):
        _metrics().stage_seconds.labels(agency or NO_AGENCY, stage).observe(seconds)


@contextlib.contextmanager
def _never_failing(what: str) -> Iterator[None]:
    """A metric that cannot be written (the folder removed, the disk full) is logged, never
    the reason a document fails."""
    try:
        yield
    except (OSError, ValueError) as e:
        log.warning("metrics (%s) not recorded: %s", what, e)


@contextlib.contextmanager
def stage(name: str, *, agency: str | None) -> Iterator[None]:
    """Time a pipeline stage (also when it raises: a slow failure is still slow)."""
    start = time.monotonic()
    try:
        yield
    finally:
        observe_stage(name, time.monotonic() - start, agency=agency)


def registry_for(folder: Path | None) -> CollectorRegistry:
    """What to expose: every process's values in `folder`, or this process's own."""
    if folder is None:
        return _metrics().registry
    folder.mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry()
    _FolderCollector(registry, path=str(folder))
    return registry


class _FolderCollector(MultiProcessCollector):
    """Reads while no compaction runs: a file counted both in the archive and on its own for
    one scrape would look like a counter reset to Prometheus."""

    def collect(self) -> Any:
        with _folder_lock(Path(self._path), exclusive=False):
            # Only sohoa's: libraries in the same processes (Prefect's client) count too.
            return [m for m in super().collect() if m.name.startswith("sohoa_")]


def exposition(folder: Path | None) -> tuple[bytes, str]:
    """The Prometheus text format and its content type."""
    return generate_latest(registry_for(folder)), CONTENT_TYPE_LATEST


def start_exporter(folder: Path, *, host: str = "127.0.0.1", port: int = 9464) -> Any:
    """Serve `folder`'s metrics on http://host:port/metrics in a background thread (a worker
    machine, where flow runs come and go). Returns the HTTP server; `.shutdown()` stops it."""
    server, _thread = start_http_server(port, addr=host, registry=registry_for(folder))
    return server


def compact(folder: Path) -> int:
    """Fold the files of processes that have ended into one archive file per kind, so the
    folder does not grow by two files per batch. Returns how many files were folded."""
    folded = 0
    with _folder_lock(folder):
        for path in sorted(folder.glob("*_*.db")):
            kind, _, owner = path.stem.rpartition("_")
            if kind.startswith("gauge") or not owner.isdigit() or _alive(int(owner)):
                continue
            _add_into(folder / f"{kind}_{_ARCHIVE}.db", path)
            path.unlink()
            folded += 1
    return folded


def _add_into(archive_path: Path, path: Path) -> None:
    archive = MmapedDict(str(archive_path))
    try:
        for key, value, timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            total, _ = archive.read_value(key)
            archive.write_value(key, total + value, timestamp)
    finally:
        archive.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


_lock_guard = threading.Lock()


@contextlib.contextmanager
def _folder_lock(folder: Path, *, exclusive: bool = True) -> Iterator[None]:
    """Two processes compacting at once would add the same file twice."""
    with _lock_guard, (folder / ".compact.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
