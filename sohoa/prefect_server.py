"""The local Prefect API server of a `sohoa digitize` run, started and stopped by sohoa itself.

Prefect's own ephemeral server is a plain child in the CLI's process group: Ctrl-C on the
terminal kills it mid-batch (then the client retries for a minute and a half and crashes), and
after `kill -9` of the CLI it lives on, re-parented to PID 1. This one runs in its own session
(the terminal's Ctrl-C does not reach it), gets SIGTERM from the kernel when the CLI dies
(PR_SET_PDEATHSIG), leaves a pid file in the data folder so the next run can reap a survivor,
and is stopped last, after the batch has written its report.

Used only when the operator has not set PREFECT_API_URL (server mode). Must run before
`prefect` is imported: the flow finds the server through PREFECT_API_URL.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from pipeline.i18n import _

_PR_SET_PDEATHSIG = 1
_MARKER = "prefect.server.api.server:create_app"


class PrefectServerError(RuntimeError):
    """The local Prefect server did not start; the message says where its log is."""


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the sohoa process that started it dies."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def reap_orphan(pid_file: Path) -> int | None:
    """Stop the server a killed run left behind (its pid file names it); return its pid.

    Only a process that is still a Prefect server for this data folder (command line and pid
    file agree) and whose sohoa parent is gone (re-parented) is stopped.
    """
    try:
        data = json.loads(pid_file.read_text())
        pid, parent = int(data["pid"]), int(data["parent"])
    except (OSError, ValueError, KeyError, TypeError):
        pid_file.unlink(missing_ok=True)
        return None
    cmdline = _cmdline(pid)
    parent_alive = bool(_cmdline(parent))
    if _MARKER.encode() not in cmdline or str(data.get("port")).encode() not in cmdline:
        pid_file.unlink(missing_ok=True)
        return None
    if parent_alive and _parent_of(pid) == parent:
        return None  # another sohoa run is using it
    _terminate(pid)
    pid_file.unlink(missing_ok=True)
    return pid


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _terminate(pid: int, *, grace_s: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)  # its own session: the group is the server's
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _cmdline(pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


class LocalPrefectServer:
    """`with LocalPrefectServer(folder) as api_url:` — a Prefect API on 127.0.0.1 for one run."""

    def __init__(self, folder: Path, *, startup_timeout_s: float = 120.0,
                 should_stop: Callable[[], bool] = lambda: False) -> None:
        self.folder = folder
        self.startup_timeout_s = startup_timeout_s
        self.should_stop = should_stop  # e.g. Ctrl-C while it starts: give up waiting
        # One pid file per run: batches on one data folder run side by side.
        self.pid_file = folder / f"server-{os.getpid()}.pid"
        self.log_file = folder / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Servers of runs on one data folder share its Prefect database: one starts (and
        # migrates it) at a time, or the second fails at start.
        with (self.folder / "start.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                for pid_file in sorted(self.folder.glob("server*.pid")):
                    reap_orphan(pid_file)
                return self._start()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _start(self) -> str:
        port = _free_port()
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
               "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "uvicorn", "--factory", _MARKER, "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True, preexec_fn=_die_with_parent,  # noqa: PLW1509
            )
        self.pid_file.write_text(json.dumps({"pid": self._process.pid, "parent": os.getpid(),
                                             "port": port}))
        url = f"http://127.0.0.1:{port}/api"
        self._wait_healthy(url)
        return url

    def _wait_healthy(self, url: str) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline and not self.should_stop():
            if self._process.poll() is not None:
                self.stop()
                raise PrefectServerError(
                    _("the local Prefect server exited at start; see {log}").format(
                        log=self.log_file))
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        self.stop()
        if self.should_stop():
            raise InterruptedError("stopped while the Prefect server was starting")
        raise PrefectServerError(
            _("the local Prefect server did not answer within {seconds:.0f} s; see {log}").format(
                seconds=self.startup_timeout_s, log=self.log_file))

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            _terminate(process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
