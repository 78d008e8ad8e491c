"""Prefect flow: re-timestamp B-LTA signed copies before their timestamps age out.

Schedule it (e.g. monthly) as a deployment; it needs SOHOA_TSA_URL and the trust roots.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pipeline.archive import due_for_retimestamp, extend_stored_copy
from pipeline.errors import ConfigurationError
from pipeline.i18n import _
from pipeline.services import Services, open_services
from pipeline.settings import load_settings


@task(name="find-due-copies", cache_policy=NO_CACHE, persist_result=False)
def find_due_task(services: Services, min_age_days: int, limit: int) -> list[str]:
    return [r.id for r in due_for_retimestamp(services.index,
                                              min_age=timedelta(days=min_age_days), limit=limit)]


@task(name="extend-copy", cache_policy=NO_CACHE, persist_result=False, retries=2,
      retry_delay_seconds=30, task_run_name="extend {doc_id}")
def extend_copy_task(services: Services, doc_id: str) -> str:
    setup = services.signing
    row = extend_stored_copy(services.index, services.store, doc_id,
                             timestamper=setup.timestamper,
                             validation_context=setup.validation_context)
    return row.signed_sha256 or ""


@flow(name="sohoa-retimestamp", persist_result=False)
def retimestamp_flow(min_age_days: int = 365, limit: int = 1000,
                     config_file: str | None = None) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None)
    if not settings.tsa_url:
        raise ConfigurationError(_("re-timestamping needs a timestamp authority: set "
                                   "SOHOA_TSA_URL"))
    with open_services(settings) as services:
        due = find_due_task(services, min_age_days, limit)
        extended = [extend_copy_task(services, doc_id) for doc_id in due]
    return {"due": len(due), "extended": len(extended)}
