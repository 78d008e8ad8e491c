"""`sohoa scrub`: the index and the objects must agree. Find what does not, repair what is safe.

For every document row: each object it names exists and hashes to the value the index holds.
Safely repairable, and repaired with `repair=True`:
- an original or signed copy deleted or overwritten: an earlier version in the (versioned)
  bucket still has the right hash → it is made current again;
- a record object missing or differing from the record the index holds (e.g. overwritten by
  a second process) → rewritten from the index (a new version; the old one is kept);
- a record the index has no copy of (stored before the copy existed) → adopted into the index
  when it points at the row's signed copy;
- a claim whose process died (lapsed lease) → released, so the file can be digitized again;
- an object no row refers to (a kill between upload and row, an attempt that lost its claim),
  older than the grace period → moved to the quarantine bucket, never destroyed.
Everything else (no version with the right hash) is reported as broken, for a person to decide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.errors import ObjectMissingError, StorageError
from storage.index import (
    STATUS_FAILED,
    STATUS_PROCESSING,
    STATUS_QUARANTINED,
    DocumentIndex,
    DocumentRow,
    record_bytes,
    record_sha256,
)
from storage.objects import ObjectStore, sha256_hex

MISSING = "object_missing"
ALTERED = "object_altered"
RECORD_DIFFERS = "record_differs"
RECORD_NOT_INDEXED = "record_not_indexed"
STALE_CLAIM = "stale_claim"
ORPHAN = "orphan_object"
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class Finding:
    kind: str
    bucket: str | None
    key: str | None
    document_id: str | None = None
    detail: str = ""
    repaired: bool = False
    action: str | None = None


@dataclass
class ScrubReport:
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    rows_checked: int = 0
    objects_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def unrepaired(self) -> list[Finding]:
        return [f for f in self.findings if not f.repaired]

    @property
    def ok(self) -> bool:
        return not self.unrepaired

    def to_dict(self) -> dict[str, Any]:
        return {"started_at": self.started_at, "rows_checked": self.rows_checked,
                "objects_checked": self.objects_checked, "ok": self.ok,
                "findings": [asdict(f) for f in self.findings]}


@dataclass(frozen=True)
class ScrubOptions:
    buckets: tuple[str, ...]  # originals, signed copies, records
    quarantine_bucket: str
    repair: bool = False
    grace: timedelta = timedelta(hours=1)  # younger unreferenced objects may be in flight


def scrub(index: DocumentIndex, store: ObjectStore, options: ScrubOptions) -> ScrubReport:
    report = ScrubReport()
    referenced: set[tuple[str, str]] = set()
    for row in index.all_rows():
        report.rows_checked += 1
        _check_row(index, store, row, options, report, referenced)
    for bucket in options.buckets:
        for finding in _orphans(index, store, bucket, referenced, options):
            report.findings.append(finding)
    return report


def _check_row(index: DocumentIndex, store: ObjectStore, row: DocumentRow,
               options: ScrubOptions, report: ScrubReport,
               referenced: set[tuple[str, str]]) -> None:
    if row.status == STATUS_PROCESSING:
        _check_claim(index, row, options, report)
        return
    if row.status in (STATUS_QUARANTINED, STATUS_FAILED):
        return
    expected = [(row.original_bucket, row.original_key, row.original_sha256),
                (row.signed_bucket, row.signed_key, row.signed_sha256)]
    for file in index.files_of(row.id):
        expected += [(file.original_bucket, file.original_key, file.original_sha256),
                     (file.signed_bucket, file.signed_key, file.signed_sha256)]
    for bucket, key, sha in dict.fromkeys(expected):
        if bucket and key and sha:
            referenced.add((bucket, key))
            report.objects_checked += 1
            finding = _check_object(store, row.id, bucket, key, sha, options.repair)
            if finding is not None:
                report.findings.append(finding)
    if row.record_bucket and row.record_key:
        referenced.add((row.record_bucket, row.record_key))
        report.objects_checked += 1
        finding = _check_record(index, store, row, options.repair)
        if finding is not None:
            report.findings.append(finding)


def _check_claim(index: DocumentIndex, row: DocumentRow, options: ScrubOptions,
                 report: ScrubReport) -> None:
    until = row.lease_until
    if until is None or _aware(until) >= datetime.now(UTC):
        return  # a live process is working on it
    finding = Finding(STALE_CLAIM, None, None, row.id,
                      f"claimed by {row.lease_owner}, lease lapsed at {_aware(until).isoformat()}")
    if options.repair and row.lease_owner:
        from storage.index import Claim

        index.release(Claim(row.id, row.original_sha256, row.lease_owner, row.result_code),
                      reason_code="ABANDONED", reason_message="the digitizing process stopped")
        finding.repaired, finding.action = True, "released"
    report.findings.append(finding)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_object(store: ObjectStore, doc_id: str, bucket: str, key: str, sha: str,
                  repair: bool) -> Finding | None:
    try:
        actual: str | None = sha256_hex(store.get(bucket, key))
    except ObjectMissingError:
        actual = None
    if actual == sha:
        return None
    kind = MISSING if actual is None else ALTERED
    detail = "no current version" if actual is None else f"SHA-256 is {actual}, not {sha}"
    finding = Finding(kind, bucket, key, doc_id, detail)
    good = _version_with_hash(store, bucket, key, sha)
    if good is None:
        finding.detail += "; no stored version has the right hash (not repairable)"
    elif repair:
        store.restore_version(bucket, key, good)
        finding.repaired, finding.action = True, f"restored version {good}"
    else:
        finding.action = f"repairable: restore version {good}"
    return finding


def _version_with_hash(store: ObjectStore, bucket: str, key: str, sha: str) -> str | None:
    for info in store.versions(bucket, key):
        if info.is_delete_marker or info.version_id is None:
            continue
        try:
            if sha256_hex(store.get(bucket, key, version_id=info.version_id)) == sha:
                return info.version_id
        except StorageError:
            continue
    return None


def _check_record(index: DocumentIndex, store: ObjectStore, row: DocumentRow,
                  repair: bool) -> Finding | None:
    assert row.record_bucket and row.record_key
    copy = index.record_of(row.id)
    try:
        data: bytes | None = store.get(row.record_bucket, row.record_key)
    except ObjectMissingError:
        data = None
    if copy is None:
        return _adopt_record(index, row, data, repair)
    if data is not None and sha256_hex(data) == copy.sha256:
        return None
    finding = Finding(RECORD_DIFFERS, row.record_bucket, row.record_key, row.id,
                      "record object missing" if data is None else
                      "record object differs from the record the index holds")
    if repair:
        store.put(row.record_bucket, row.record_key, record_bytes(copy.record),
                  content_type="application/json",
                  metadata={"sha256-original": row.original_sha256})
        finding.repaired, finding.action = True, "rewritten from the index"
    else:
        finding.action = "repairable: rewrite from the index"
    return finding


def _adopt_record(index: DocumentIndex, row: DocumentRow, data: bytes | None,
                  repair: bool) -> Finding | None:
    finding = Finding(RECORD_NOT_INDEXED, row.record_bucket, row.record_key, row.id,
                      "the index holds no copy of this record")
    if data is None:
        finding.detail += " and the record object is missing (not repairable)"
        return finding
    record = json.loads(data)
    if record.get("signed", {}).get("sha256") != row.signed_sha256:
        finding.detail += " and the record names another signed copy (not repairable)"
        return finding
    if repair:
        index.save_record(row.id, record, record_sha256(record))
        finding.repaired, finding.action = True, "adopted into the index"
    else:
        finding.action = "repairable: adopt into the index"
    return finding


def _orphans(index: DocumentIndex, store: ObjectStore, bucket: str,
             referenced: set[tuple[str, str]], options: ScrubOptions) -> Iterator[Finding]:
    cutoff = datetime.now(UTC) - options.grace
    for info in store.list_objects(bucket):
        if (bucket, info.key) in referenced or info.key.startswith("_health/"):
            continue
        if info.last_modified is not None and _aware(info.last_modified) > cutoff:
            continue  # maybe a batch is uploading it right now
        owner = _SHA.search(info.key)
        if owner is not None:
            row = index.by_sha256(owner.group(0))
            if row is not None and row.status == STATUS_PROCESSING:
                continue  # its document is being digitized
        finding = Finding(ORPHAN, bucket, info.key, None, "no index row refers to it")
        if options.repair:
            target = f"orphans/{bucket}/{info.key}"
            store.copy(bucket, info.key, options.quarantine_bucket, target)
            store.delete(bucket, info.key)  # a delete marker: the locked version stays
            finding.repaired = True
            finding.action = f"moved to {options.quarantine_bucket}/{target}"
        else:
            finding.action = "repairable: move to the quarantine bucket"
        yield finding
