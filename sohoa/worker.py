"""`sohoa worker start`: a Prefect process worker, supervised so that stopping it is clean.

The worker (`prefect worker start --pool …`) runs in a session of its own with the settings in
its environment; it dies with this supervisor (PR_SET_PDEATHSIG), and its flow runs die with it
(`flows.inbox._die_with_worker`). A worker started with `&` from a plain bash script ignores
SIGTERM (FINDINGS.md): started from here it does not.

On SIGTERM (or Ctrl-C) the supervisor asks the worker to stop: it takes no new flow run and
waits for the running ones, which finish their document. After `grace_s` the worker is killed;
its flow runs then get SIGTERM, give their document's claim back (the file stays in the inbox)
and end; the next run digitizes them. Exit code 143 (SIGTERM) or 130 (SIGINT).
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
        try:
            self.process = subprocess.Popen(  # noqa: S603 - prefect of our own environment
                self.command(), env=self.options.env, start_new_session=True,
                preexec_fn=_die_with_parent)  # noqa: PLW1509
            while self.process.poll() is None and not self._stopping.is_set():
                self._stopping.wait(0.5)
            if self.stop_signal is not None:
                self._stop()
                return EXIT_CODES[self.stop_signal]
            return self.process.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signal.Signals(signum)
        self._stopping.set()

    def _stop(self) -> None:
        """Ask the worker to stop (no new runs, running ones finish); after the grace period
        kill it, and its runs release their documents on the SIGTERM they then get."""
        process = self.process
        assert process is not None
        runs = _children(process.pid)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=self.options.grace_s)
        if process.poll() is None:
            runs |= _children(process.pid)
            process.kill()
            process.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(p) for p in runs):
            time.sleep(0.2)
        for pid in runs:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
