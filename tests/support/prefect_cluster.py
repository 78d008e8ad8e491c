"""A real Prefect deployment on loopback for tests: `prefect server start` on a free port, the
`sohoa` process work pool, the deployments of `prefect.yaml`, and workers started with
`sohoa worker start`, each a process of its own; everything is stopped by `close()`."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.support.env import clean_env
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def descendants(pid: int) -> set[int]:
    table: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                table[int(proc.name)] = int(
                    (proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {c for c, p in table.items() if p in frontier} - found
        found |= frontier
    return found


def processes_naming(text: str) -> set[int]:
    """Processes whose command line or environment names `text` (our flow runs carry the
    cluster's folder in PREFECT_HOME)."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if text.encode() in (proc / "environ").read_bytes() and alive(int(proc.name)):
                found.add(int(proc.name))
    return found


class PrefectCluster:
    def __init__(self, base: Path, sohoa_env: dict[str, str]) -> None:
        self.base = base
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        clean = clean_env()
        self.env = {**clean, **sohoa_env, "PREFECT_HOME": str(base / "prefect-home"),
                    "PREFECT_API_URL": self.api, "DO_NOT_TRACK": "1",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
                    "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
                    "PREFECT_LOGGING_LEVEL": "INFO", "OMP_THREAD_LIMIT": "1",
                    "SOHOA_PROJECT_DIR": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.server: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def _log(self, name: str) -> Any:
        return (self.base / f"{name}.log").open("ab")

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        self.server = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=self.base, stdout=self._log("server"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        wait_for(self._healthy, 180, "the Prefect server")
        self.cli("work-pool", "create", "sohoa", "--type", "process")
        for name in ("digitize-inbox", "digitize-document"):
            self.deploy(name)

    def deploy(self, name: str) -> None:
        """`prefect deploy` of one deployment of prefect.yaml. Prefect 3.8.8's CLI asks the
        server for the pool's workers after creating each deployment, and the server (with
        fastapi 0.154) answers 422 to the `limit: null` it sends: the deployment exists, the
        command fails, and a second --name would never be reached (README)."""
        done = subprocess.run([PREFECT, "--no-prompt", "deploy", "--name", name], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
        assert "successfully created" in done.stdout, done.stdout + done.stderr

    def _healthy(self) -> bool:
        assert self.server is not None
        if self.server.poll() is not None:
            raise AssertionError((self.base / "server.log").read_text()[-3000:])
        try:
            return httpx.get(f"{self.api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def cli(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run([PREFECT, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def sohoa(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def start_worker(self, name: str, *, limit: int = 2, grace_s: float = 60) -> int:
        self.workers[name] = subprocess.Popen(
            [sys.executable, "-m", "sohoa.cli", "worker", "start", "--pool", "sohoa", "--name",
             name, "--limit", str(limit), "--grace", str(grace_s)],
            env=self.env, cwd=ROOT, stdout=self._log(name), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        return self.workers[name].pid

    def run_inbox(self, batch: str) -> str:
        """Trigger digitize-inbox for one batch; the flow run's id."""
        out = self.cli("deployment", "run", "sohoa-digitize-inbox/digitize-inbox",
                       "--param", f"batch={batch}")
        found = re.search(r"UUID: ([0-9a-f-]{36})", out)
        assert found, out
        return found.group(1)

    def flow_run(self, run_id: str) -> dict[str, Any]:
        answer = httpx.get(f"{self.api}/flow_runs/{run_id}", timeout=10)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def state(self, run_id: str) -> str:
        return str(self.flow_run(run_id)["state"]["type"])

    def wait_final(self, run_id: str, timeout_s: float) -> str:
        wait_for(lambda: self.state(run_id) in FINAL, timeout_s, f"flow run {run_id}")
        return self.state(run_id)

    def child_runs(self, parent_id: str) -> list[dict[str, Any]]:
        task_runs = httpx.post(f"{self.api}/task_runs/filter", json={
            "flow_runs": {"id": {"any_": [parent_id]}}, "limit": 200}, timeout=10).json()
        ids = [t["id"] for t in task_runs]
        runs = httpx.post(f"{self.api}/flow_runs/filter", json={
            "flow_runs": {"parent_task_run_id": {"any_": ids}}, "limit": 200},
            timeout=10).json() if ids else []
        return list(runs)

    def close(self) -> set[int]:
        """Stop the workers (SIGTERM, as a service manager would) and the server; return the
        processes that were still alive afterwards (then killed)."""
        for process in self.workers.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=90)
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
        left = processes_naming(str(self.base))
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left
