"""The batch's answer to transient faults: retry with backoff, then give up cleanly.

- S3 and the index database: every call retries while the service is away (storage/), up to
  `retry_budget_s`; when a service stays away longer, the batch stops as "services unusable"
  (exit 5), and nothing more is started. Before the expensive work of each document (OCR,
  signing), a cheap round trip checks that the S3 server still answers.
- The timestamp authority: signing retries within the same budget; a document whose timestamp
  cannot be had is `retryable` (nothing of it was stored) and the batch goes on. After one
  document spent the whole budget, the next ones try the TSA once, without waiting again.
- A permanent fault (a corrupt input, a refused credential) is never retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pipeline.batch import Interrupted, StopRequest, current_stop
from pipeline.i18n import _
from signing.errors import SigningError
from storage.errors import IndexUnavailable, ObjectStoreUnavailable, StorageError
from storage.retry import NO_RETRY, Backoff, call_with_retries, retried_seconds

if TYPE_CHECKING:
    from pipeline.services import Services, ServicesUnusable

log = logging.getLogger("sohoa")

T = TypeVar("T")
# Codes of failures a rerun may well cure without anyone changing anything.
TRANSIENT_CODES = frozenset({"TSA_UNREACHABLE", ObjectStoreUnavailable.code,
                             IndexUnavailable.code})
FRESH_S = 5.0  # an S3 call that succeeded this recently needs no extra check


def backoff_for(budget_s: float, *, stop: StopRequest | None = None) -> Backoff:
    """The batch's backoff; with `stop`, a wait ends as soon as the batch is asked to stop."""
    return Backoff(budget_s=max(0.0, budget_s),
                   pause=(lambda seconds: stop.wait(seconds)) if stop is not None else None)


def is_transient(error: BaseException) -> bool:
    """A failure worth retrying later (the document is `retryable`, not `failed`)."""
    return getattr(error, "code", None) in TRANSIENT_CODES


class TsaHealth:
    """Shared by the documents of a batch: once the TSA stayed away for a whole budget, the
    next documents try it once instead of each waiting the budget again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None

    def backoff(self, budget: Backoff) -> Backoff:
        with self._lock:
            return NO_RETRY if self.down_since is not None else budget

    def record(self, *, up: bool) -> None:
        with self._lock:
            if up:
                self.down_since = None
            elif self.down_since is None:
                self.down_since = time.monotonic()


def with_tsa_retries(sign: Callable[[], T], *, budget: Backoff, health: TsaHealth) -> T:
    """`sign()` again while the timestamp authority does not answer."""
    try:
        signed = call_with_retries(
            sign, backoff=health.backoff(budget), what="timestamp request",
            transient=lambda e: isinstance(e, SigningError) and e.code == "TSA_UNREACHABLE")
    except SigningError as e:
        if e.code == "TSA_UNREACHABLE":
            health.record(up=False)
        raise
    health.record(up=True)
    return signed


def check_storage_answers(services: Services) -> None:
    """Before the expensive work of a document: the S3 server answers (a HEAD request, retried
    for the budget), unless a call succeeded a moment ago. Halts the batch when it stays away."""
    store = services.store
    reachable: Callable[[str], None] | None = getattr(store, "reachable", None)
    if reachable is None or time.monotonic() - getattr(store, "last_ok", 0.0) < FRESH_S:
        return
    try:
        reachable(services.settings.bucket_originals)
    except StorageError as e:
        raise halt_for(services, e) from e


def halt_for(services: Services, error: StorageError) -> ServicesUnusable:
    """The batch's stop for a service that stayed away for the whole retry budget."""
    from pipeline.services import ServicesUnusable

    stop = current_stop()
    if stop.requested:  # the wait was cut short by Ctrl-C / SIGTERM: not a service verdict
        raise Interrupted(_("stopped ({signal}) while waiting for a service; nothing of this "
                            "file was stored: run the batch again to process it.").format(
                                signal=stop.reason)) from error
    unusable = ServicesUnusable(
        service_away_message(error, getattr(services.store, "endpoint", ""), at_start=False),
        code=error.code)
    services.halt.stop(unusable)
    log.error("%s", unusable.message)
    return unusable


def service_away_message(error: StorageError, endpoint: str, *, at_start: bool) -> str:
    """One line for the clerk about the S3 server or the index database that stayed away for
    the whole retry budget, in the clerk's language, with the cause in a few words."""
    waited = retried_seconds(error)
    if isinstance(error, IndexUnavailable):
        message = (_("The index database has not answered for {seconds:.0f} s ({cause}): check "
                     "SOHOA_INDEX_URL and that the database server is running, then run the "
                     "command again.") if at_start else
                   _("The index database has not answered for {seconds:.0f} s ({cause}). "
                     "Nothing more is processed: check the database server, then run the "
                     "batch again."))
        cause = _db_cause(error.message)
    else:
        message = (_("The S3 server {endpoint} has not answered for {seconds:.0f} s ({cause}): "
                     "check SOHOA_S3_ENDPOINT and that the server is running, then run the "
                     "command again.") if at_start else
                   _("The S3 server {endpoint} has not answered for {seconds:.0f} s ({cause}). "
                     "Nothing more is processed: check the S3 server, then run the batch "
                     "again."))
        cause = getattr(error, "cause", None) or _first_line(error.message)
    return message.format(seconds=waited, cause=cause_text(cause), endpoint=endpoint)


def cause_text(cause: str) -> str:
    """The storage package's few words for a cause ("connection refused"), translated."""
    known = {
        "connection refused": lambda: _("connection refused"),
        "connection reset": lambda: _("connection reset"),
        "connection broken": lambda: _("connection broken"),
        "connection closed by the server": lambda: _("connection closed by the server"),
        "connection cut": lambda: _("connection cut"),
        "timed out": lambda: _("timed out"),
        "the database is locked": lambda: _("the database is locked"),
    }
    say = known.get(cause)
    return say() if say is not None else cause


def _db_cause(message: str) -> str:
    lowered = message.lower()
    for marker, cause in (("refused", "connection refused"), ("terminat", "connection cut"),
                          ("closed the connection", "connection cut"),
                          ("timeout", "timed out"), ("timed out", "timed out"),
                          ("locked", "the database is locked")):
        if marker in lowered:
            return cause
    return _first_line(message.removeprefix("the index database is unavailable: "))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= 240 else line[:237] + "..."
