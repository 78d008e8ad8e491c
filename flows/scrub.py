"""Prefect flow: `sohoa scrub` on a schedule (deployment `scrub` in prefect.yaml).

One task wraps the core (`pipeline.scrub.scrub`); the report goes to the data folder's reports/
and, as JSON, to the reports bucket.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pipeline.scrub import ScrubOptions, ScrubReport, scrub
from pipeline.services import open_reader
from pipeline.settings import Settings, load_settings


@task(name="scrub-archive", cache_policy=NO_CACHE, persist_result=False)
def scrub_task(settings: Settings, repair: bool, grace_minutes: float) -> ScrubReport:
    options = ScrubOptions(
        buckets=(settings.bucket_originals, settings.bucket_signed, settings.bucket_records),
        quarantine_bucket=settings.bucket_quarantine, repair=repair,
        grace=timedelta(minutes=grace_minutes))
    with open_reader(settings) as (index, store):
        report = scrub(index, store, options)
        name = f"scrub-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
        data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2).encode()
        store.put(settings.bucket_reports, f"scrub/{name}", data,
                  content_type="application/json")
    path = settings.data_path / "reports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return report


@flow(name="sohoa-scrub", persist_result=False)
def scrub_flow(repair: bool = True, grace_minutes: float = 60,
               config_file: str | None = None) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None)
    report = scrub_task(settings, repair, grace_minutes)
    return {"ok": report.ok, "rows_checked": report.rows_checked,
            "objects_checked": report.objects_checked, "findings": len(report.findings),
            "unrepaired": len(report.unrepaired)}
