"""Stage limits: how many documents may be in OCR, or signing, at once across all workers.

The core knows nothing of Prefect: it asks `stage_limit("ocr")` / `stage_limit("sign")` for a
context manager around the stage. By default that is a no-op; the distributed flow installs a
guard that holds a Prefect global concurrency slot for the stage (`flows/inbox.py`), so one
USB signing token, or a fixed number of Tesseract processes, is shared by every worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar

OCR = "ocr"
SIGN = "sign"

StageGuard = Callable[[str], AbstractContextManager[object]]


def _unlimited(stage: str) -> AbstractContextManager[object]:
    return nullcontext()


_current_guard: ContextVar[StageGuard] = ContextVar("sohoa_stage_guard", default=_unlimited)


def stage_limit(stage: str) -> AbstractContextManager[object]:
    """The guard for one stage of one document (enter it around the stage's work)."""
    return _current_guard.get()(stage)


@contextmanager
def limiting_stages(guard: StageGuard) -> Iterator[None]:
    """Make `guard` the stage guard in this context."""
    token = _current_guard.set(guard)
    try:
        yield
    finally:
        _current_guard.reset(token)
