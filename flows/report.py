"""Prefect flow: the monthly Decision 766 KPI report, written to a reports bucket.

Deployed monthly (prefect.yaml, 03:00 on the 1st, Asia/Ho_Chi_Minh); without a period it reports
the previous calendar month. `python -m flows.report` serves it with that schedule without a work
pool. Each run writes kpi-766/<period>/report.{html,csv,json}; the versioned bucket keeps every
earlier edition, so a month reported again after late resolutions keeps its history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pipeline.kpi import VIETNAM_TIME, parse_period, period_containing
from pipeline.kpi_report import KpiReport, ReportRequest, build_report, publish_report
from pipeline.services import open_reader
from pipeline.settings import load_settings
from storage.index import DocumentIndex
from storage.objects import ObjectStore

DEFAULT_BUCKET = "sohoa-reports"
MONTHLY_CRON = "0 3 1 * *"


def previous_month(now: datetime) -> str:
    return period_containing(now.astimezone(VIETNAM_TIME).date(), "month").previous().label


@task(name="build-kpi-report", cache_policy=NO_CACHE, persist_result=False)
def build_task(index: DocumentIndex, period: str, by: list[str]) -> KpiReport:
    return build_report(index, ReportRequest(parse_period(period), tuple(by)),
                        generated_at=datetime.now(UTC).replace(microsecond=0))


@task(name="publish-kpi-report", cache_policy=NO_CACHE, persist_result=False, retries=2,
      retry_delay_seconds=30)
def publish_task(report: KpiReport, store: ObjectStore, bucket: str) -> dict[str, str]:
    return publish_report(report, store, bucket)


@flow(name="sohoa-kpi-report", persist_result=False)
def report_flow(period: str | None = None, by: list[str] | None = None,
                bucket: str = DEFAULT_BUCKET, config_file: str | None = None) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None)
    chosen = period or previous_month(datetime.now(UTC))
    with open_reader(settings) as (index, store):
        report = build_task(index, chosen, by if by is not None else ["agency"])
        keys = publish_task(report, store, bucket)
    return {"period": chosen, "bucket": bucket, "keys": keys,
            "inputs_sha256": report.inputs_sha256}


if __name__ == "__main__":
    from prefect.schedules import Cron

    report_flow.serve(name="monthly", schedule=Cron(MONTHLY_CRON, timezone="Asia/Ho_Chi_Minh"))
