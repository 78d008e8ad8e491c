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


def test_second_user_attaches_and_does_not_stop_the_owner(tmp_path: Path) -> None:
    owner = EmbeddedS3(tmp_path / "s3")
    first = owner.start()
    try:
        other = EmbeddedS3(tmp_path / "s3")
        second = other.start()
        assert second == first
        store = MinioObjectStore(second.endpoint, access_key=second.access_key,
                                 secret_key=second.secret_key)
        store.ensure_bucket("shared")
        other.stop()
        assert _reachable(first.endpoint)  # the owner's server is still serving
        store.put("shared", "k", b"v", content_type="text/plain")
    finally:
        owner.stop()
    assert not _reachable(first.endpoint)
