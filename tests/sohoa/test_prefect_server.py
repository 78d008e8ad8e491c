"""The local Prefect server's pid file lets the next run stop a server a killed run left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sohoa.prefect_server import reap_orphan

MARKER = "prefect.server.api.server:create_app"


def _fake_server(port: int) -> subprocess.Popen[bytes]:
    """A process whose command line looks like the server's (it only sleeps)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", MARKER,
                             "--port", str(port)], start_new_session=True)


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


def test_orphan_of_a_dead_run_is_stopped(tmp_path: Path) -> None:
    server = _fake_server(48123)
    try:
        pid_file = tmp_path / "server.pid"
        pid_file.write_text(json.dumps({"pid": server.pid, "parent": _dead_pid(),
                                        "port": 48123}))
        assert reap_orphan(pid_file) == server.pid
        assert server.wait(timeout=15) is not None
        assert not pid_file.exists()
    finally:
        server.kill()


def test_server_of_a_live_run_is_left_alone(tmp_path: Path) -> None:
    server = _fake_server(48124)
    try:
        pid_file = tmp_path / "server.pid"
        pid_file.write_text(json.dumps({"pid": server.pid, "parent": os.getpid(),
                                        "port": 48124}))
        assert reap_orphan(pid_file) is None
        time.sleep(0.2)
        assert server.poll() is None
    finally:
        server.kill()
        server.wait()


def test_unrelated_process_is_never_killed(tmp_path: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        pid_file = tmp_path / "server.pid"
        pid_file.write_text(json.dumps({"pid": bystander.pid, "parent": _dead_pid(),
                                        "port": 1}))
        assert reap_orphan(pid_file) is None
        assert bystander.poll() is None
        assert not pid_file.exists()  # a stale pid file is dropped
    finally:
        bystander.kill()
        bystander.wait()
