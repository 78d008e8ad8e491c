"""Services the fault-injection tests stop and start again: a PostgreSQL server they can
restart (`pg_ctl restart`), an S3 server (SeaweedFS) they can take away and bring back on the
same port and data folder, a timestamp authority they can switch off and on at one URL."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from signing.testpki import TestPki
from signing.testservers import serve_tsa
from storage.seaweed import EmbeddedS3, S3Endpoint
from tests.support.postgres import _as_user, free_port, pg_bindir


@dataclass
class RestartablePostgres:
    url: str
    data: Path
    options: str
    log: Path

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_user([str(pg_bindir() / "pg_ctl"), "-D", str(self.data), *args]),
                       check=True, capture_output=True, timeout=120)

    def restart(self) -> None:
        """Fast shutdown (every session is cut, as by an operator's restart), then start."""
        self._ctl("-o", self.options, "-m", "fast", "-w", "-t", "60", "-l", str(self.log),
                  "restart")


@contextmanager
def restartable_postgres(base: Path) -> Iterator[RestartablePostgres]:
    bindir = pg_bindir()
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o755)
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
    server = RestartablePostgres(f"postgresql+psycopg://sohoa@127.0.0.1:{port}/sohoa", data,
                                 options, base / "server.log")
    server._ctl("-o", options, "-w", "-t", "60", "-l", str(server.log), "start")
    try:
        subprocess.run(_as_user([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                 "-U", "sohoa", "sohoa"]), check=True, capture_output=True)
        yield server
    finally:
        subprocess.run(_as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "-w", "stop"]), capture_output=True)
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)


class RestartableS3:
    """A SeaweedFS server of the test's own (not the CLI's embedded one)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.server = EmbeddedS3(directory)
        self.endpoint: S3Endpoint = self.server.start()

    def stop(self) -> None:
        self.server.stop()  # the only user: the server exits

    def start(self) -> None:
        self.server = EmbeddedS3(self.directory)
        endpoint = self.server.start()
        assert endpoint.endpoint == self.endpoint.endpoint, "restarted on another port"

    def outage(self, seconds: float) -> threading.Thread:
        """Stop now, start again after `seconds`, in the background."""
        self.stop()

        def back() -> None:
            time.sleep(seconds)
            self.start()

        thread = threading.Thread(target=back, daemon=True)
        thread.start()
        return thread


@contextmanager
def restartable_s3(directory: Path) -> Iterator[RestartableS3]:
    s3 = RestartableS3(directory)
    try:
        yield s3
    finally:
        s3.stop()


@contextmanager
def tsa_on_port(pki: TestPki, port: int) -> Iterator[str]:
    """The test PKI's timestamp authority on a fixed loopback port (to take it away and bring
    it back at the same URL)."""
    with serve_tsa(pki, port=port) as url:
        yield url
