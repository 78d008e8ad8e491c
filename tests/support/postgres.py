"""A throwaway PostgreSQL server for the tests, from Debian's binaries (as pytest-postgresql does):
initdb into a temporary folder, start on a free loopback port, stop and delete afterwards."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pg_bindir() -> Path:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    except (OSError, subprocess.CalledProcessError):
        pass
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("PostgreSQL server binaries not found: run scripts/install.sh")
    return versions[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` system user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def throwaway_postgres(base: Path) -> Iterator[str]:
    """Yield a SQLAlchemy URL (psycopg 3) of a fresh server; everything is removed afterwards."""
    bindir = pg_bindir()
    base.mkdir(parents=True, exist_ok=True)
    data, sockets = base / "data", base / "sock"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for path in (base, sockets):
            os.chown(path, pg.pw_uid, pg.pw_gid)
    subprocess.run(_as_user([str(bindir / "initdb"), "-D", str(data), "-U", "sohoa",
                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    port = free_port()
    options = f"-k {sockets} -p {port} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                             "-t", "60", "-l", str(base / "server.log"), "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(_as_user([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                 "-U", "sohoa", "sohoa"]), check=True, capture_output=True)
        yield f"postgresql+psycopg://sohoa@127.0.0.1:{port}/sohoa"
    finally:
        subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                 "stop"]), capture_output=True)
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)
