"""Ctrl-C and SIGTERM during a batch: stop taking files, end the in-flight ones, report, exit.

The batch runs in a worker thread so that the main thread, where Python delivers signals, only
waits and turns a signal into a `StopRequest`; no KeyboardInterrupt or Prefect
`TerminationSignal` is ever raised in the middle of OCR, signing or storage (Prefect installs
its SIGTERM handler only when a flow runs in the main thread). A second signal stops at once.
"""

from __future__ import annotations

import contextvars
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from pipeline.batch import StopRequest
from pipeline.report import ExitCode

T = TypeVar("T")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_CODES = {"SIGINT": int(ExitCode.INTERRUPTED), "SIGTERM": int(ExitCode.TERMINATED)}


@contextmanager
def stop_on_signals(
    stop: StopRequest, *, first: Callable[[str], None], again: Callable[[str], None],
) -> Iterator[StopRequest]:
    """While inside: the first SIGINT/SIGTERM sets `stop` and calls `first(name)`; another
    one calls `again(name)` (which is expected to end the process). Handlers are restored."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.requested:
            again(name)
            return
        stop.request(name)
        first(name)

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def exit_now(name: str) -> None:
    """End the process at once with the signal's exit code. Child servers get SIGTERM from the
    kernel (they were started with PR_SET_PDEATHSIG); files in progress are abandoned."""
    os._exit(EXIT_CODES.get(name, int(ExitCode.TERMINATED)))


def run_in_worker_thread(work: Callable[[], T]) -> T:
    """Run `work` in a thread with this context (progress reporter, stop request) and wait for
    it in short joins, so signal handlers run promptly in the main thread."""
    context = contextvars.copy_context()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = context.run(work)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread as it is
            outcome["error"] = e

    thread = threading.Thread(target=target, name="sohoa-batch", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
