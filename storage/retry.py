"""Retries with backoff for transient faults (a restarting S3 server or database).

A call is retried only when its error is classified transient by the caller (connection refused
or reset, a timeout, HTTP 5xx, a dropped database connection); a permanent error (a missing
object, a constraint violation) is raised at once. The budget is the sum of the pauses between
attempts (each attempt's own time, e.g. a connect timeout, comes on top), so a service that
comes back within it costs a pause, not a failed document.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger("sohoa")

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `first_s`, doubling up to `max_s`, for at most `budget_s` seconds
    after the first failure (0: no retry)."""

    budget_s: float = 60.0
    first_s: float = 0.5
    max_s: float = 8.0
    # Waits for this long, or less when the caller is asked to stop (then returns True and the
    # retrying ends with the last error): a Ctrl-C must not wait out the whole budget.
    pause: Callable[[float], bool] | None = field(default=None, compare=False)

    def delays(self) -> list[float]:
        """The pauses between attempts, before jitter (their sum reaches the budget)."""
        delays: list[float] = []
        delay, total = self.first_s, 0.0
        while total < self.budget_s:
            step = min(delay, self.max_s, self.budget_s - total)
            delays.append(step)
            total += step
            delay *= 2
        return delays


NO_RETRY = Backoff(budget_s=0.0)


def call_with_retries(
    call: Callable[[], T], *, backoff: Backoff, transient: Callable[[BaseException], bool],
    what: str, sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[BaseException, float], None] | None = None,
) -> T:
    """`call()`, again after each pause of `backoff` while it fails transiently. The last error
    is raised when the budget is spent, with `retried_s` (seconds waited) set on it."""
    delays = iter(backoff.delays())
    started = time.monotonic()
    while True:
        try:
            return call()
        except Exception as error:
            if not transient(error):
                raise
            delay = next(delays, None)
            if delay is None:
                _note_waited(error, time.monotonic() - started)
                raise
            delay *= random.uniform(0.8, 1.2)  # noqa: S311 - workers must not retry in step
            log.warning("%s failed (%s); retrying in %.1f s", what, _short(error), delay)
            if on_retry is not None:
                on_retry(error, delay)
            if backoff.pause is None:
                sleep(delay)
            elif backoff.pause(delay):  # asked to stop meanwhile
                _note_waited(error, time.monotonic() - started)
                raise


def _note_waited(error: BaseException, seconds: float) -> None:
    with contextlib.suppress(AttributeError):  # a frozen exception type: nothing to note
        error.retried_s = seconds  # type: ignore[attr-defined]


def retried_seconds(error: BaseException) -> float:
    """How long the failing call was retried before giving up (0 when it was not)."""
    return float(getattr(error, "retried_s", 0.0))


def _short(error: BaseException) -> str:
    text = str(error).replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."
