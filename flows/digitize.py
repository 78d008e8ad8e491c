"""Prefect flow: digitize a batch of scans. Tasks wrap one core call each; the flow sequences them.

Run from the CLI (`sohoa digitize`, ephemeral Prefect) or as a deployment on a worker
(`prefect.yaml`). Parameters are plain JSON values; settings (with secrets) are read from the
worker's environment / config file, never passed through the Prefect API.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.batch import collect_inputs
from pipeline.process import BatchContext, digitize_file
from pipeline.progress import current_progress
from pipeline.report import BatchReport, DocumentOutcome
from pipeline.services import Services, open_services
from pipeline.settings import load_settings


@task(name="collect-inputs", cache_policy=NO_CACHE, persist_result=False)
def collect_inputs_task(
    paths: list[str], recursive: bool,
) -> tuple[list[Path], list[DocumentOutcome]]:
    return collect_inputs([Path(p) for p in paths], recursive=recursive)


@task(name="digitize-document", cache_policy=NO_CACHE, persist_result=False,
      task_run_name="digitize {path.name}")
def digitize_document_task(path: Path, services: Services, batch: BatchContext) -> DocumentOutcome:
    progress = current_progress()
    return digitize_file(path, services=services, batch=batch,
                         on_page=lambda _page: progress.page_done(str(path)))


def new_batch_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@flow(name="sohoa-digitize", task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
      persist_result=False, log_prints=False)
def digitize_flow(
    paths: list[str], agency_code: str | None = None, procedure_code: str | None = None,
    recursive: bool = False, report_path: str | None = None, config_file: str | None = None,
) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None,
                             agency_code=agency_code, procedure_code=procedure_code)
    batch = BatchContext(new_batch_id(), settings.agency_code, settings.procedure_code)
    report = BatchReport(batch.batch_id)
    progress = current_progress()
    files, missing = collect_inputs_task(paths, recursive)
    progress.batch_started(len(files) + len(missing))
    for outcome in missing:
        report.add(outcome)
        progress.document_done(outcome)
    with open_services(settings) as services:
        futures = [digitize_document_task.submit(f, services, batch) for f in files]
        for future in as_completed(futures):
            outcome = future.result()
            report.add(outcome)
            progress.document_done(outcome)
        halted = services.halt.error  # storage unusable: the batch stopped at the first error
    report.finish()
    report.write(settings.data_path / "reports" / f"{batch.batch_id}.json")
    if report_path:
        report.write(Path(report_path))
    if halted is not None:
        raise halted
    return report.to_dict()
