"""The embedded S3 server: starts, keeps data across restarts, stops cleanly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from storage.objects import MinioObjectStore
from storage.seaweed import EmbeddedS3

pytestmark = pytest.mark.integration


def _reachable(endpoint: str) -> bool:
    host, port = endpoint.split(":")
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, int(port))) == 0


def test_data_survives_restart_and_server_stops(tmp_path: Path) -> None:
    server = EmbeddedS3(tmp_path / "s3")
    endpoint = server.start()
    store = MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                             secret_key=endpoint.secret_key)
    store.ensure_bucket("keep")
    store.put("keep", "page.png", b"\x89PNG data", content_type="image/png")
    server.stop()
    assert not _reachable(endpoint.endpoint)
    with EmbeddedS3(tmp_path / "s3") as again:
        store = MinioObjectStore(again.endpoint, access_key=again.access_key,
                                 secret_key=again.secret_key)
        assert store.get("keep", "page.png") == b"\x89PNG data"
    assert not (tmp_path / "s3" / "weed.pid").exists()
