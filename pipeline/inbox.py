"""The S3 inbox: scanners and clerks drop files under `inbox/<agency>/<batch>/<relative path>`
of the inbox bucket; any worker digitizes them; each file then moves once, by its outcome:

    inbox/<agency>/<batch>/<rel>        waiting (or failed for a passing reason: retried)
    archive/<agency>/<batch>/<rel>      digitized (stored, needs review, or already stored)
    quarantine/<agency>/<batch>/<rel>   rejected input, with <rel>.reason.json beside it
    discarded/<agency>/<batch>/<rel>    given up by a clerk (`sohoa quarantine discard`)

A move is copy then delete: a worker killed between the two leaves the file in both places, and
the next run finds it already stored (the index's content-hash claim) and archives it again.
Nothing here imports Prefect; the flows in `flows/inbox.py` call these functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.batch import collect_inputs
from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.report import (
    DUPLICATE,
    FAILED,
    NEEDS_REVIEW,
    QUARANTINED,
    STORED,
    DocumentOutcome,
)
from storage.errors import ObjectMissingError, StorageError
from storage.objects import ObjectStore, agency_folder

if TYPE_CHECKING:  # the pipeline loads OCR and signing: `sohoa submit` needs neither
    from pipeline.process import BatchContext
    from pipeline.services import Services

log = logging.getLogger("sohoa")

INBOX = "inbox"
ARCHIVE = "archive"
QUARANTINE = "quarantine"
DISCARDED = "discarded"
STAGES = (INBOX, ARCHIVE, QUARANTINE, DISCARDED)
REASON_SUFFIX = ".reason.json"
OUTCOMES_PREFIX = "inbox-outcomes"  # in the reports bucket: one object per document run
# Outcomes whose file is done with: archived. A file another process is digitizing right now
# (IN_PROGRESS) stays in the inbox: that process, or the next run, settles it.
ARCHIVED_OUTCOMES = (STORED, NEEDS_REVIEW, DUPLICATE)


class InboxError(SohoaError):
    """A key that is not an inbox key, or a folder that cannot be submitted."""

    code = "INBOX_ERROR"


@dataclass(frozen=True)
class InboxKey:
    """One file's place in the inbox bucket: stage / agency / batch / relative path."""

    stage: str
    agency: str
    batch: str
    relative: str

    @property
    def key(self) -> str:
        return f"{self.stage}/{self.agency}/{self.batch}/{self.relative}"

    @property
    def reason_key(self) -> str:
        return self.key + REASON_SUFFIX

    @property
    def name(self) -> str:
        return PurePosixPath(self.relative).name

    @property
    def handle(self) -> str:
        """How a clerk names it: `<agency>/<batch>/<relative path>` (the same in every stage)."""
        return f"{self.agency}/{self.batch}/{self.relative}"

    def to(self, stage: str) -> InboxKey:
        return replace(self, stage=stage)

    @classmethod
    def parse(cls, key: str) -> InboxKey:
        parts = key.split("/", 3)
        if len(parts) != 4 or parts[0] not in STAGES or not all(parts[1:]):
            raise InboxError(_("{key} is not an inbox key: expected "
                               "inbox/<agency>/<batch>/<file>.").format(key=key))
        return cls(*parts)

    @classmethod
    def from_handle(cls, handle: str, stage: str) -> InboxKey:
        return cls.parse(f"{stage}/{handle.strip('/')}")


def new_batch_id() -> str:
    """Sortable and unique: UTC time plus a random suffix (same form as local batches)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class Submission:
    batch_id: str
    agency: str
    keys: tuple[str, ...]
    refused: tuple[DocumentOutcome, ...]  # paths that are not files (pipes, devices, missing)


def submit_folder(store: ObjectStore, bucket: str, folder: Path, *, agency_code: str | None,
                  batch_id: str | None = None) -> Submission:
    """Upload every file of `folder` (and its subfolders) to `inbox/<agency>/<batch>/`,
    keeping the relative paths. Resubmitting a batch id replaces files of the same name."""
    if not folder.is_dir():
        raise InboxError(_("{path} is not a folder: give the folder holding the scans.")
                         .format(path=folder))
    batch = batch_id or new_batch_id()
    _check_segment(batch, "--batch")
    agency = agency_folder(agency_code)
    files, refused = collect_inputs([folder], recursive=True)
    keys = []
    for path in files:
        relative = path.relative_to(folder.absolute()).as_posix()
        key = InboxKey(INBOX, agency, batch, relative)
        data = path.read_bytes()
        store.put(bucket, key.key, data, content_type=_media_type(path),
                  metadata={"sha256": hashlib.sha256(data).hexdigest()})
        keys.append(key.key)
    return Submission(batch, agency, tuple(keys), tuple(refused))


def _check_segment(value: str, option: str) -> None:
    if not value or "/" in value or value in (".", ".."):
        raise InboxError(_("{option} must be one word without '/', not {value!r}.")
                         .format(option=option, value=value))


def _media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def pending(store: ObjectStore, bucket: str, *, agency: str | None = None,
            batch: str | None = None) -> list[InboxKey]:
    """Files waiting in the inbox, sorted by batch then path."""
    prefix = f"{INBOX}/"
    if agency:
        prefix += f"{agency_folder(agency)}/"
        if batch:
            prefix += f"{batch}/"
    found = []
    for key in store.list_keys(bucket, prefix):
        if key.endswith(REASON_SUFFIX):
            continue
        inbox_key = InboxKey.parse(key)
        if batch is None or inbox_key.batch == batch:
            found.append(inbox_key)
    return sorted(found, key=lambda k: (k.batch, k.key))


def by_batch(keys: Iterable[InboxKey]) -> dict[str, list[InboxKey]]:
    batches: dict[str, list[InboxKey]] = {}
    for key in keys:
        batches.setdefault(key.batch, []).append(key)
    return batches


def source_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def digitize_inbox_file(key: InboxKey, *, services: Services,
                        batch: BatchContext) -> DocumentOutcome:
    """Fetch one inbox file into a private work folder, digitize it, then move the object by
    its outcome. Never raises for a problem with this file."""
    from pipeline.process import digitize_file

    bucket = services.settings.bucket_inbox
    uri = source_uri(bucket, key.key)
    services.work_dir.mkdir(parents=True, exist_ok=True)
    # A `tmp*` folder: a killed worker's leftovers are removed by the next batch on this disk.
    with tempfile.TemporaryDirectory(dir=services.work_dir, prefix="tmp-inbox-") as tmp:
        local = Path(tmp) / key.agency / key.batch / key.relative
        try:
            data = services.store.get(bucket, key.key)
        except ObjectMissingError:
            return DocumentOutcome(uri, DUPLICATE, "ALREADY_TAKEN", _(
                "{uri}: no longer in the inbox (another run has settled it); nothing to do."
            ).format(uri=uri))
        except StorageError as e:
            return DocumentOutcome(uri, FAILED, e.code, _(
                "{uri}: cannot be read from the inbox ({error}); it stays there and is retried "
                "by the next run.").format(uri=uri, error=e.message))
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)
        # Named as the clerk dropped it (its path in the batch), not by this worker's copy.
        outcome = digitize_file(local, services=services, batch=batch, name=key.relative)
    outcome = replace(outcome, path=uri, message=_rename(outcome.message, local, uri))
    try:
        settle(services.store, bucket, key, outcome, batch_id=batch.batch_id)
    except StorageError as e:  # digitized, but still in the inbox: the next run archives it
        log.error("%s: cannot move it out of the inbox: %s", uri, e.message)
    if outcome.status == QUARANTINED:
        _drop_local_quarantine_copy(services, outcome, batch.batch_id)
    return outcome


def _rename(message: str | None, local: Path, uri: str) -> str | None:
    return message.replace(str(local), uri) if message else message


def settle(store: ObjectStore, bucket: str, key: InboxKey, outcome: DocumentOutcome, *,
           batch_id: str) -> str | None:
    """Move the inbox object by its outcome; return where it went (None: it stays)."""
    if outcome.status in ARCHIVED_OUTCOMES and outcome.reason_code not in ("IN_PROGRESS",
                                                                           "ALREADY_TAKEN"):
        target = key.to(ARCHIVE)
    elif outcome.status == QUARANTINED:
        target = key.to(QUARANTINE)
        reason = {"file": key.handle, "name": key.name, "code": outcome.reason_code,
                  "message": outcome.message, "batch_id": batch_id, "sha256": outcome.sha256,
                  "record_id": outcome.record_id, "at": datetime.now(UTC).isoformat()}
        put_json(store, bucket, target.reason_key, reason)
    else:
        return None  # failed for a passing reason or interrupted: the next run retries it
    move_object(store, bucket, key.key, target.key)
    return target.key


def move_object(store: ObjectStore, bucket: str, source: str, target: str) -> None:
    store.copy(bucket, source, bucket, target)
    store.delete(bucket, source)


def put_json(store: ObjectStore, bucket: str, key: str, data: dict[str, Any]) -> None:
    store.put(bucket, key, json.dumps(data, ensure_ascii=False, indent=2).encode(),
              content_type="application/json")


def _drop_local_quarantine_copy(services: Services, outcome: DocumentOutcome,
                                batch_id: str) -> None:
    """`digitize_file` also keeps a local copy of a rejected file in the worker's data folder;
    an inbox file's quarantine is the bucket's, so this worker's copy (of this batch) goes."""
    if not outcome.sha256:
        return
    folder = services.quarantine_dir / outcome.sha256[:16]
    try:
        reason = json.loads((folder / "reason.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    if reason.get("batch_id") == batch_id:
        shutil.rmtree(folder, ignore_errors=True)


def outcome_key(batch_id: str, run_id: str) -> str:
    return f"{OUTCOMES_PREFIX}/{batch_id}/{run_id}.json"


def write_outcome(store: ObjectStore, bucket: str, *, batch_id: str, run_id: str,
                  source: str, outcome: DocumentOutcome, worker: str | None) -> None:
    """What one document run did, for the batch's parent run (on another machine)."""
    put_json(store, bucket, outcome_key(batch_id, run_id),
              {"source": source, "worker": worker, "run_id": run_id,
               "outcome": outcome.to_dict(), "at": datetime.now(UTC).isoformat()})


def read_outcome(store: ObjectStore, bucket: str, *, batch_id: str,
                 run_id: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(store.get(bucket, outcome_key(batch_id, run_id)))
    except ObjectMissingError:
        return None
    return data


def outcome_from_dict(data: dict[str, Any]) -> DocumentOutcome:
    item = dict(data)
    item["review_reasons"] = tuple(item.get("review_reasons", ()))
    known = DocumentOutcome.__dataclass_fields__
    return DocumentOutcome(**{k: v for k, v in item.items() if k in known})
