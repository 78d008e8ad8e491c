"""Quarantined files, wherever they wait: the S3 inbox's `quarantine/` prefix and the local
`<data dir>/quarantine/<id>/` folders (`pipeline.process.quarantine`).

`retry` puts a file back for processing: an inbox file moves back under `inbox/`, a local one is
restored to the path it came from if it is gone; in both cases the index forgets the rejection,
so the next run digitizes it again. `discard` gives a file up with a reason a person wrote: the
file is kept under `discarded/` (S3) or `<data dir>/quarantine/.discarded/` with that reason,
and the index keeps a row saying so (the same file submitted again is not silently redone).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import SohoaError
from pipeline.i18n import _
from pipeline.inbox import (
    DISCARDED,
    INBOX,
    QUARANTINE,
    REASON_SUFFIX,
    InboxKey,
    move_object,
    put_json,
)
from storage.errors import ObjectMissingError
from storage.index import STATUS_QUARANTINED, DocumentIndex, DocumentRow
from storage.objects import ObjectStore

INBOX_PREFIX = "inbox:"
LOCAL_PREFIX = "local:"
DISCARDED_FOLDER = ".discarded"


class QuarantineError(SohoaError):
    code = "QUARANTINE_NOT_FOUND"


@dataclass(frozen=True)
class QuarantinedFile:
    id: str  # inbox:<agency>/<batch>/<path> or local:<folder>
    where: str  # "inbox" or "local"
    name: str
    code: str | None
    message: str | None
    batch_id: str | None
    at: str | None
    sha256: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Listing ----------------------------------------------------------------------------------

def list_inbox(store: ObjectStore, bucket: str) -> list[QuarantinedFile]:
    found = []
    for key in store.list_keys(bucket, f"{QUARANTINE}/"):
        if key.endswith(REASON_SUFFIX):
            continue
        inbox_key = InboxKey.parse(key)
        reason = _inbox_reason(store, bucket, inbox_key)
        found.append(QuarantinedFile(
            INBOX_PREFIX + inbox_key.handle, "inbox", inbox_key.name, reason.get("code"),
            reason.get("message"), reason.get("batch_id", inbox_key.batch), reason.get("at"),
            reason.get("sha256")))
    return found


def _inbox_reason(store: ObjectStore, bucket: str, key: InboxKey) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(store.get(bucket, key.reason_key))
    except (ObjectMissingError, ValueError):
        return {}
    return data


def list_local(quarantine_dir: Path) -> list[QuarantinedFile]:
    found = []
    for folder in sorted(quarantine_dir.glob("*")):
        reason = _local_reason(folder)
        if folder.name.startswith(".") or reason is None:
            continue
        found.append(QuarantinedFile(
            LOCAL_PREFIX + folder.name, "local", Path(str(reason.get("file", ""))).name,
            reason.get("code"), reason.get("message"), reason.get("batch_id"),
            reason.get("at"), reason.get("sha256")))
    return found


def _local_reason(folder: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((folder / "reason.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data


# --- Retry and discard ------------------------------------------------------------------------

@dataclass(frozen=True)
class Settled:
    id: str
    message: str


def retry(item_id: str, *, store: ObjectStore | None, bucket: str, quarantine_dir: Path,
          index: DocumentIndex) -> Settled:
    if _is_local(item_id):
        return _retry_local(_local_folder(item_id, quarantine_dir), index)
    if store is None:
        raise QuarantineError(_("{id}: an inbox file needs the S3 server.").format(id=item_id))
    key = _inbox_key(item_id, store, bucket)
    reason = _inbox_reason(store, bucket, key)
    _forget_rejection(index, reason.get("sha256"))
    move_object(store, bucket, key.key, key.to(INBOX).key)
    store.delete(bucket, key.reason_key)
    return Settled(item_id, _("{id}: back in the inbox as {key}; the next digitize-inbox run "
                              "processes it.").format(id=item_id, key=key.to(INBOX).key))


def _retry_local(folder: Path, index: DocumentIndex) -> Settled:
    reason = _local_reason(folder) or {}
    original = Path(str(reason.get("file", "")))
    copy = folder / original.name
    if not original.is_file() and copy.is_file():  # the clerk's file is gone: put ours back
        original.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(copy, original)
    _forget_rejection(index, reason.get("sha256"))
    shutil.rmtree(folder)
    return Settled(LOCAL_PREFIX + folder.name, _(
        "{file}: the rejection is forgotten; digitize it again: sohoa digitize {file}").format(
            file=original))


def discard(item_id: str, *, reason: str, by: str, store: ObjectStore | None, bucket: str,
            quarantine_dir: Path, index: DocumentIndex) -> Settled:
    if not reason.strip():
        raise QuarantineError(_("Discarding needs a reason (--reason)."), code="REASON_REQUIRED")
    decision = {"reason": reason, "by": by, "at": datetime.now(UTC).isoformat()}
    if _is_local(item_id):
        folder = _local_folder(item_id, quarantine_dir)
        earlier = _local_reason(folder) or {}
        kept = quarantine_dir / DISCARDED_FOLDER / folder.name
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder), str(kept))
        (kept / "reason.json").write_text(json.dumps({**earlier, "discarded": decision},
                                                       ensure_ascii=False, indent=2), "utf-8")
        _record_discard(index, earlier, decision)
        return Settled(item_id, _("{id}: discarded ({reason}); kept in {path}.").format(
            id=item_id, reason=reason, path=kept))
    if store is None:
        raise QuarantineError(_("{id}: an inbox file needs the S3 server.").format(id=item_id))
    key = _inbox_key(item_id, store, bucket)
    earlier = _inbox_reason(store, bucket, key)
    target = key.to(DISCARDED)
    put_json(store, bucket, target.reason_key, {**earlier, "discarded": decision})
    move_object(store, bucket, key.key, target.key)
    store.delete(bucket, key.reason_key)
    _record_discard(index, earlier, decision)
    return Settled(item_id, _("{id}: discarded ({reason}); kept as {key}.").format(
        id=item_id, reason=reason, key=target.key))


def _is_local(item_id: str) -> bool:
    return item_id.startswith(LOCAL_PREFIX) or "/" not in item_id


def _local_folder(item_id: str, quarantine_dir: Path) -> Path:
    name = item_id.removeprefix(LOCAL_PREFIX)
    folder = quarantine_dir / name
    if "/" in name or name.startswith(".") or _local_reason(folder) is None:
        raise QuarantineError(_("{id}: no such quarantined file; see `sohoa quarantine list`.")
                              .format(id=item_id))
    return folder


def _inbox_key(item_id: str, store: ObjectStore, bucket: str) -> InboxKey:
    try:
        key = InboxKey.from_handle(item_id.removeprefix(INBOX_PREFIX), QUARANTINE)
    except SohoaError as e:
        raise QuarantineError(e.message) from e
    if store.stat(bucket, key.key) is None:
        raise QuarantineError(_("{id}: no such quarantined file; see `sohoa quarantine list`.")
                              .format(id=item_id))
    return key


def _quarantined_row(index: DocumentIndex, sha256: object) -> DocumentRow | None:
    if not isinstance(sha256, str):
        return None
    row = index.by_sha256(sha256)
    return row if row is not None and row.status == STATUS_QUARANTINED else None


def _forget_rejection(index: DocumentIndex, sha256: object) -> None:
    """The index row that says "quarantined" would make the next run skip the file."""
    row = _quarantined_row(index, sha256)
    if row is None:
        return
    with index.session() as s:
        found = s.get(DocumentRow, row.id)
        if found is not None and found.status == STATUS_QUARANTINED:
            s.delete(found)
            s.commit()


def _record_discard(index: DocumentIndex, earlier: dict[str, Any],
                    decision: dict[str, str]) -> None:
    row = _quarantined_row(index, earlier.get("sha256"))
    if row is None:
        return
    row.reason_code = "DISCARDED"
    row.reason_message = _("discarded by {by} on {at}: {reason} (rejected as {code}: "
                           "{message})").format(by=decision["by"], at=decision["at"],
                                                reason=decision["reason"],
                                                code=earlier.get("code"),
                                                message=earlier.get("message"))[:2000]
    index.save(row)
