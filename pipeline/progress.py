"""Progress reporting from the core to whatever shows it (a terminal bar, a log, nothing).

The entry point installs a reporter for the duration of a batch; the pipeline calls it. A context
variable keeps it per batch (Prefect copies the context into task threads).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from pipeline.report import DocumentOutcome


class ProgressReporter(Protocol):
    def batch_started(self, documents: int) -> None: ...

    def page_done(self, document: str) -> None: ...

    def document_done(self, outcome: DocumentOutcome) -> None: ...


class NullProgress:
    def batch_started(self, documents: int) -> None:
        pass

    def page_done(self, document: str) -> None:
        pass

    def document_done(self, outcome: DocumentOutcome) -> None:
        pass


_NULL = NullProgress()
_current: ContextVar[ProgressReporter] = ContextVar("sohoa_progress", default=_NULL)  # noqa: B039


def current_progress() -> ProgressReporter:
    return _current.get()


@contextmanager
def reporting_to(reporter: ProgressReporter) -> Iterator[ProgressReporter]:
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)
