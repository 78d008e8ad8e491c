"""Build the collaborators the pipeline needs (object store, index, signer) from settings.

`open_services(settings)` is the one place that starts the embedded S3 server when no endpoint
is configured, migrates the index, and loads the agency key (or creates the local test PKI).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.batch import current_stop
from pipeline.errors import ConfigurationError
from pipeline.i18n import _
from pipeline.retry import TsaHealth, backoff_for, halt_for
from pipeline.settings import Settings
from signing.errors import SigningError
from storage.errors import IndexUnavailable, ObjectStoreUnavailable, StorageError
from storage.index import DocumentIndex
from storage.retry import Backoff
from storage.seaweed import EmbeddedS3, S3Endpoint

if TYPE_CHECKING:  # minio loads in ~0.4 s: read-only commands (open_index) do without it
    from storage.objects import MinioObjectStore, ObjectStore

log = logging.getLogger("sohoa")

TEST_PKI_WARNING = (
    "No agency signing key is configured: signing with a local TEST certificate from {path}. "
    "Copies signed with it have NO legal value. Set SOHOA_SIGNING_P12_PATH (or a PKCS#11 token) "
    "for production."
)


@dataclass(frozen=True)
class SigningSetup:
    signer: Any  # pyhanko Signer
    level: str
    timestamper: Any | None
    trust_roots: tuple[Path, ...]
    test_pki_dir: Path | None  # set when signing with the local TEST PKI
    validation_context: Any | None = None  # for B-LT/B-LTA: where revocation info comes from


class ServicesUnusable(ConfigurationError):
    """The disk or the S3 server cannot take writes: the batch stops (exit code 5)."""

    code = "SERVICES_UNUSABLE"


class BatchHalt:
    """Set once by the first document that finds the services unusable; the documents not
    started yet are then left alone instead of failing one by one after OCR and signing."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.error: ServicesUnusable | None = None

    def stop(self, error: ServicesUnusable) -> None:
        if not self._event.is_set():
            self.error = error
            self._event.set()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: ObjectStore
    index: DocumentIndex
    signing: SigningSetup
    s3_dir: Path | None = None  # the embedded S3 server's folder, when it is the one in use
    halt: BatchHalt = field(default_factory=BatchHalt)
    tsa: TsaHealth = field(default_factory=TsaHealth)  # shared by the batch's documents

    @property
    def quarantine_dir(self) -> Path:
        return self.settings.data_path / "quarantine"

    @property
    def work_dir(self) -> Path:
        return self.settings.data_path / "work"


def s3_endpoint_from_settings(settings: Settings) -> S3Endpoint | None:
    if not settings.s3_endpoint:
        return None
    if not settings.s3_access_key or settings.s3_secret_key is None:
        raise ConfigurationError(_(
            "SOHOA_S3_ENDPOINT is set but SOHOA_S3_ACCESS_KEY / SOHOA_S3_SECRET_KEY are not: "
            "set the credentials of the S3 (MinIO) server."))
    return S3Endpoint(settings.s3_endpoint, settings.s3_access_key,
                      settings.s3_secret_key.get_secret_value(), settings.s3_secure,
                      settings.s3_region or "us-east-1")


def startup_error(error: StorageError, settings: Settings) -> ConfigurationError:
    """A storage failure before any work: a service that stayed away gets one translated line
    naming it; other failures keep the storage package's message."""
    from pipeline.retry import service_away_message

    if isinstance(error, ObjectStoreUnavailable | IndexUnavailable):
        endpoint = settings.s3_endpoint or _("(the embedded S3 server)")
        return ConfigurationError(service_away_message(error, endpoint, at_start=True),
                                  code=error.code)
    return ConfigurationError(error.message, code=error.code)


def open_store(settings: Settings, stack: ExitStack,
               backoff: Backoff | None = None) -> MinioObjectStore:
    from storage.objects import MinioObjectStore

    endpoint = s3_endpoint_from_settings(settings)
    if endpoint is None:
        endpoint = stack.enter_context(EmbeddedS3(settings.data_path / "s3"))
    store = MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                             secret_key=endpoint.secret_key, secure=endpoint.secure,
                             region=endpoint.region, backoff=backoff)
    # Originals and signed copies are immutable (object lock, chosen when the bucket is made);
    # records change on review and keep every version; quarantine and reports are plain.
    for bucket in (settings.bucket_originals, settings.bucket_signed):
        store.ensure_bucket(bucket, versioning=True, object_lock=settings.object_lock)
    for bucket in (settings.bucket_records, settings.bucket_quarantine, settings.bucket_reports,
                   settings.bucket_inbox):
        store.ensure_bucket(bucket, versioning=True)
    return store


def check_storage_ready(settings: Settings, store: MinioObjectStore | ObjectStore,
                        s3_dir: Path | None, *, retry: bool = True) -> None:
    """Before a batch (and after a failed write): enough free disk, and the S3 server takes a
    write (retried while it is unavailable, unless `retry` is off). Raises ServicesUnusable
    naming the cause."""
    local = s3_dir is not None or not settings.database_url
    if local:
        free_mb = shutil.disk_usage(settings.data_path).free // (1024 * 1024)
        if free_mb < settings.min_free_mb:
            raise ServicesUnusable(
                _("Only {free} MB free in {path} (at least {need} MB needed): free disk space "
                  "(or set SOHOA_MIN_FREE_MB), then run the batch again.").format(
                    free=free_mb, path=settings.data_path, need=settings.min_free_mb),
                code="DISK_FULL")
    try:
        check_writable = getattr(store, "check_writable", None)
        if check_writable is not None:
            check_writable(settings.bucket_reports, retry=retry)
    except StorageError as e:
        cause = embedded_s3_problem(s3_dir) if s3_dir is not None else None
        raise ServicesUnusable(
            _("The S3 server does not accept writes: {cause}. Nothing more is processed; fix "
              "it and run the batch again.").format(cause=cause or e.message),
            code="S3_NOT_WRITABLE") from e


def embedded_s3_problem(s3_dir: Path) -> str | None:
    """The embedded server's own explanation, from the end of its log (it says "No writable
    volumes" when the disk is full, where the S3 client only sees HTTP 500)."""
    log_file = s3_dir / "weed.log"
    try:
        with log_file.open("rb") as handle:
            handle.seek(max(0, log_file.stat().st_size - 65536))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    for marker, meaning in (("No writable volumes", "no writable volume (the disk is full?)"),
                            ("no space left", "no space left on the device")):
        if marker.lower() in tail.lower():
            return _("the embedded S3 server reports {meaning}; see {log}").format(
                meaning=meaning, log=log_file)
    return None


def raise_if_storage_unusable(services: Services, error: StorageError) -> None:
    """After a failed write: when the storage itself is unusable, stop the batch, naming the
    cause; otherwise the failure belongs to this document only. A service that stayed away for
    the whole retry budget stops the batch at once."""
    # A full disk makes the embedded server answer 500 (retried like an outage): its log names
    # the real cause, which the check below reports.
    full = (services.s3_dir is not None and isinstance(error, ObjectStoreUnavailable)
            and embedded_s3_problem(services.s3_dir) is not None)
    if isinstance(error, ObjectStoreUnavailable | IndexUnavailable) and not full:
        raise halt_for(services, error) from error
    try:
        check_storage_ready(services.settings, services.store, services.s3_dir, retry=False)
    except ServicesUnusable as unusable:
        services.halt.stop(unusable)
        raise unusable from error


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def work_dir_unusable(services: Services, error: OSError) -> ServicesUnusable | None:
    """A full disk anywhere we write, or a work folder we may not write to, stops the batch
    (every later file would fail the same way); None when the error is the input's own (the
    original is only ever read)."""
    named = [Path(n) for n in (error.filename, error.filename2) if isinstance(n, str | Path)]
    in_work = any(p.is_relative_to(services.work_dir) for p in named)
    if error.errno in _NO_SPACE:
        unusable = ServicesUnusable(
            _("No space left on the disk of {path}: free disk space, then run the batch "
              "again. Nothing more is processed; the originals were not touched.").format(
                path=services.work_dir), code="DISK_FULL")
    elif in_work and error.errno in _NOT_WRITABLE:
        unusable = ServicesUnusable(
            _("The work folder {path} cannot be written ({cause}): give the user running "
              "sohoa write access to it, then run the batch again. Nothing more is processed; "
              "the originals were not touched.").format(path=services.work_dir,
                                                        cause=error.strerror or error),
            code="WORK_DIR_UNUSABLE")
    else:
        return None
    services.halt.stop(unusable)
    return unusable


def load_signing(settings: Settings) -> SigningSetup:
    from signing.keys import load_pkcs11_signer, load_pkcs12_signer
    from signing.testpki import ensure_test_pki

    roots = tuple(settings.trust_roots)
    test_dir: Path | None = None
    if settings.signing_pkcs11_module is not None:
        signer = load_pkcs11_signer(
            module=settings.signing_pkcs11_module,
            token_label=settings.signing_pkcs11_token_label or "",
            key_label=settings.signing_pkcs11_key_label or "",
            pin=settings.signing_pkcs11_pin.get_secret_value() if settings.signing_pkcs11_pin
            else "",
        )
    elif settings.signing_p12_path is not None:
        passphrase = settings.signing_p12_passphrase
        signer = load_pkcs12_signer(
            settings.signing_p12_path,
            passphrase.get_secret_value().encode() if passphrase else None,
        )
    else:
        test_dir = settings.data_path / "test-pki"
        # Two batches starting together must not each create a PKI (the second would overwrite
        # the root the first one's copies chain to).
        with _file_lock(settings.data_path / "test-pki.lock"):
            pki = ensure_test_pki(test_dir, agency_name=settings.agency_name,
                                  agency_code=settings.agency_code or "")
        signer = load_pkcs12_signer(pki.p12, pki.passphrase)
        roots = (*roots, pki.root_cert)
    level = settings.effective_signing_level
    context = None
    if level in ("B-LT", "B-LTA"):
        from signing.context import make_validation_context

        context = make_validation_context(trust_roots=list(roots),
                                          crls=list(settings.crl_files),
                                          allow_fetching=settings.revocation_fetching)
    return SigningSetup(signer, level, make_timestamper(settings), roots, test_dir, context)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_timestamper(settings: Settings) -> Any | None:
    if not settings.tsa_url:
        return None
    from signing.context import make_timestamper as timestamper_for

    password = settings.tsa_password.get_secret_value() if settings.tsa_password else None
    return timestamper_for(settings.tsa_url, username=settings.tsa_username, password=password,
                           timeout=30)


@contextmanager
def open_services(settings: Settings) -> Iterator[Services]:
    """Start/connect everything a batch needs; stop the embedded server afterwards."""
    settings.data_path.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        backoff = backoff_for(settings.retry_budget_s, stop=current_stop())
        try:
            store = open_store(settings, stack, backoff)
            index = DocumentIndex(settings.index_url, backoff=backoff)
            stack.callback(index.close)
            signing = load_signing(settings)
        except StorageError as e:
            raise startup_error(e, settings) from e
        except SigningError as e:
            raise ConfigurationError(getattr(e, "message", str(e)), code=e.code) from e
        s3_dir = None if settings.s3_endpoint else settings.data_path / "s3"
        check_storage_ready(settings, store, s3_dir)
        yield Services(settings, store, index, signing, s3_dir)


@contextmanager
def open_index(settings: Settings) -> Iterator[DocumentIndex]:
    """Only the index (look-ups need no S3 and no key)."""
    try:
        index = DocumentIndex(settings.index_url)
    except StorageError as e:
        raise startup_error(e, settings) from e
    try:
        yield index
    finally:
        index.close()


@contextmanager
def open_reader(settings: Settings) -> Iterator[tuple[DocumentIndex, ObjectStore]]:
    """Index and object store, for show / get / verify (no signing key needed)."""
    settings.data_path.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            store = open_store(settings, stack)
        except StorageError as e:
            raise startup_error(e, settings) from e
        index = stack.enter_context(open_index(settings))
        yield index, store
