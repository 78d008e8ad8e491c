"""What one API process holds for its whole life: settings, the index pool, one S3 client,
the trust settings for verification, the key cache and the rate limiter."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from pipeline.access import Caller, authenticate
from pipeline.errors import ConfigurationError, SohoaError
from pipeline.i18n import _
from pipeline.queries import TrustSettings
from pipeline.settings import Settings
from sohoa.api.settings import ApiSettings
from storage.errors import StorageError
from storage.index import DocumentIndex
from storage.objects import ObjectStore, sha256_hex


class RateLimited(SohoaError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RateLimiter:
    """A token bucket per client, in this process (each worker counts its own requests)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client_id: str, per_minute: int) -> None:
        rate, now = per_minute / 60.0, time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client_id] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / rate)
                raise RateLimited(_("too many requests from this client; retry in {s} s")
                                  .format(s=wait), retry_after_s=max(1, wait))
            self._buckets[client_id] = (tokens - 1.0, now)


@dataclass
class KeyCache:
    """Checked keys for a few seconds, so a look-up costs one query, not two."""

    ttl_s: float
    _entries: dict[str, tuple[Caller, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: str | None) -> Caller | None:
        """The caller of a key checked less than ttl_s ago, without touching the index."""
        if self.ttl_s <= 0 or not key:
            return None
        with self._lock:
            cached = self._entries.get(sha256_hex(key.encode()))
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None

    def caller(self, index: DocumentIndex, key: str | None) -> Caller:
        if self.ttl_s <= 0 or not key:
            return authenticate(index, key)
        digest, now = sha256_hex(key.encode()), time.monotonic()
        with self._lock:
            cached = self._entries.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        caller = authenticate(index, key)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (caller, now + self.ttl_s)
        return caller


@dataclass
class ApiState:
    settings: Settings
    api: ApiSettings
    index: DocumentIndex
    store: ObjectStore
    trust: TrustSettings
    keys: KeyCache
    limiter: RateLimiter

    @property
    def autocommit_engine(self) -> sa.Engine:
        """The index pool, handing out connections in autocommit (same pool, no copy)."""
        return self._autocommit

    def __post_init__(self) -> None:
        self._autocommit = self.index.engine.execution_options(isolation_level="AUTOCOMMIT")


def trust_settings(settings: Settings) -> TrustSettings:
    """Trust roots for live verification: configured roots, plus the local TEST root if used."""
    roots = list(settings.trust_roots)
    test_root = settings.data_path / "test-pki" / "root.crt.pem"
    if settings.uses_test_pki and test_root.exists():
        roots.append(test_root)
    return TrustSettings(roots, [Path(p) for p in settings.crl_files],
                         allow_fetching=settings.revocation_fetching)


@contextmanager
def open_state(settings: Settings, api: ApiSettings) -> Iterator[ApiState]:
    """Open the index pool and the S3 client once; close them when the process stops."""
    from pipeline.services import open_store

    settings.data_path.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            store = open_store(settings, stack)
            index = DocumentIndex(settings.index_url, migrate_schema=api.migrate_on_start)
        except StorageError as e:
            raise ConfigurationError(e.message, code=e.code) from e
        stack.callback(index.close)
        yield ApiState(settings, api, index, store, trust_settings(settings),
                       KeyCache(api.auth_cache_s), RateLimiter())
