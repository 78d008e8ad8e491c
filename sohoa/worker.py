"""`sohoa worker start`: a Prefect process worker, supervised so that stopping it is clean.

The worker (`prefect worker start --type process`) runs in a session of its own with the
settings in its environment; it dies with this supervisor (PR_SET_PDEATHSIG). A worker started
with `&` from a plain bash script ignores SIGTERM (FINDINGS.md): started from here it does not.

Prefect's own worker, on SIGTERM, kills its flow runs at once and leaves them "Pending" or
"Running" on the server. So the supervisor does the stopping itself. On SIGTERM (or Ctrl-C) it
kills the worker process, which takes no new flow run from then on; the worker's flow runs get
SIGTERM from the kernel (`flows.inbox`) and finish the document they hold, then report to the
server and exit. The supervisor is their subreaper: it waits for them up to `grace_s`, then
kills what is left (a killed document's claim lapses and the next run takes it over). The same
happens when the worker process dies by itself (kill -9). Exit code 143 (SIGTERM) or 130
(SIGINT), or 128 + the signal that killed the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def prefect_command() -> list[str]:
    """The `prefect` of this interpreter's environment."""
    beside = Path(sys.executable).parent / "prefect"
    found = str(beside) if beside.exists() else shutil.which("prefect")
    return [found] if found else [sys.executable, "-m", "prefect"]


@dataclass
class WorkerOptions:
    pool: str
    name: str
    limit: int | None = None
    grace_s: float = 600.0
    env: dict[str, str] = field(default_factory=dict)


def worker_environment(base: dict[str, str], *, name: str,
                       config: Path | None) -> dict[str, str]:
    """The worker's environment: the operator's, plus what its flow runs need to know."""
    env = dict(base)
    env["SOHOA_WORKER_NAME"] = name
    if config is not None:
        env["SOHOA_CONFIG"] = str(config.resolve())
    for key, value in (("DO_NOT_TRACK", "1"), ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                       ("OMP_THREAD_LIMIT", "1")):
        env.setdefault(key, value)
    return env


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (read from /proc)."""
    table: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                table[int(proc.name)] = int(
                    (proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class SupervisedWorker:
    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None
        self.stop_signal: signal.Signals | None = None
        self._stopping = threading.Event()

    def command(self) -> list[str]:
        command = [*prefect_command(), "worker", "start", "--pool", self.options.pool,
                   "--name", self.options.name, "--type", "process"]
        if self.options.limit:
            command += ["--limit", str(self.options.limit)]
        return command

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in EXIT_CODES}
        # Flow runs whose worker died are re-parented to us, so we can wait for them.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1)
        try:
            self.process = subprocess.Popen(  # noqa: S603 - prefect of our own environment
                self.command(), env=self.options.env, start_new_session=True,
                preexec_fn=_die_with_parent)  # noqa: PLW1509
            while self.process.poll() is None and not self._stopping.is_set():
                self._stopping.wait(0.5)
            self._stop()
            if self.stop_signal is not None:
                return EXIT_CODES[self.stop_signal]
            code = self.process.returncode
            return 128 - code if code < 0 else code
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signal.Signals(signum)
        self._stopping.set()

    def _stop(self) -> None:
        """Stop the worker (no new runs), let its runs finish their document for up to the
        grace period, then kill what is left."""
        process = self.process
        assert process is not None
        if process.poll() is None:
            process.kill()
            process.wait()
        deadline = time.monotonic() + self.options.grace_s
        while time.monotonic() < deadline and self._reap():
            time.sleep(0.2)
        for pid in _children(os.getpid()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> bool:
        """Collect ended children (we are their subreaper); True while some still run."""
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        return any(_alive(pid) for pid in _children(os.getpid()))
