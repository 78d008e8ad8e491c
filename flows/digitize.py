"""Prefect flow: digitize a batch of scans. Tasks wrap one core call each; the flow sequences them.

Run from the CLI (`sohoa digitize`, ephemeral Prefect) or as a deployment on a worker
(`prefect.yaml`). Parameters are plain JSON values; settings (with secrets) are read from the
worker's environment / config file, never passed through the Prefect API.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import metrics
from pipeline.batch import Interrupted, StopRequest, claim_work_dir, collect_inputs, current_stop
from pipeline.batches import finish_batch, persist_summary, register_batch
from pipeline.i18n import _
from pipeline.logs import add_log_context
from pipeline.process import BatchContext, digitize_file
from pipeline.progress import current_progress
from pipeline.report import INTERRUPTED, BatchReport, DocumentOutcome
from pipeline.services import Services, open_services
from pipeline.settings import load_settings

log = logging.getLogger("sohoa")


@task(name="collect-inputs", cache_policy=NO_CACHE, persist_result=False)
def collect_inputs_task(
    paths: list[str], recursive: bool,
) -> tuple[list[Path], list[DocumentOutcome]]:
    return collect_inputs([Path(p) for p in paths], recursive=recursive)


@task(name="digitize-document", cache_policy=NO_CACHE, persist_result=False,
      task_run_name="digitize {path.name}")
def digitize_document_task(path: Path, services: Services, batch: BatchContext) -> DocumentOutcome:
    progress = current_progress()
    stop = current_stop()

    def page_done(page: Any) -> None:
        # A stop abandons the document at its next page: nothing of it is signed or stored.
        # Ctrl-C also kills the page's Tesseract (same process group) before our handler has
        # run, so a failed page waits a moment for the stop request before it counts.
        if stop.requested or (getattr(page, "source", "") == "failed" and stop.wait(1.0)):
            raise Interrupted(_("stopped ({signal}) before this file was finished; nothing of "
                                "it was stored: run the batch again to process it.").format(
                                    signal=stop.reason))
        progress.page_done(str(path))

    if stop.requested:
        return _interrupted(path, stop)
    outcome = digitize_file(path, services=services, batch=batch, on_page=page_done)
    if outcome.reason_code == Interrupted.code:
        return DocumentOutcome(outcome.path, INTERRUPTED, outcome.reason_code, outcome.message,
                               seconds=outcome.seconds, sha256=outcome.sha256)
    return outcome


def _interrupted(path: Path, stop: StopRequest) -> DocumentOutcome:
    return DocumentOutcome(str(path), INTERRUPTED, Interrupted.code,
                           _("{path}: not started, the batch was stopped ({signal}); run the "
                             "batch again to process it.").format(path=path, signal=stop.reason))


def _run_documents(
    files: list[Path], services: Services, batch: BatchContext, in_parallel: int,
    stop: StopRequest,
) -> Iterator[DocumentOutcome]:
    """Outcomes as documents finish. At most `in_parallel` are submitted at a time, so a stop
    request leaves the rest untouched (reported as interrupted) instead of queued."""
    waiting = list(reversed(files))
    running: set[PrefectFuture[DocumentOutcome]] = set()
    while waiting or running:
        while waiting and len(running) < max(1, in_parallel) and not stop.requested:
            running.add(digitize_document_task.submit(waiting.pop(), services, batch))
        if stop.requested:
            while waiting:
                yield _interrupted(waiting.pop(), stop)
        if not running:
            break
        finished = next(as_completed(list(running)))
        running.discard(finished)
        yield finished.result()


def new_batch_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@flow(name="sohoa-digitize", task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
      persist_result=False, log_prints=False)
def digitize_flow(
    paths: list[str], agency_code: str | None = None, procedure_code: str | None = None,
    recursive: bool = False, report_path: str | None = None, config_file: str | None = None,
    dossier_code: str | None = None,
) -> dict[str, Any]:
    settings = load_settings(Path(config_file) if config_file else None,
                             agency_code=agency_code, procedure_code=procedure_code)
    metrics.record_to_folder(metrics.metrics_folder(settings.data_path))
    batch = BatchContext(new_batch_id(), settings.agency_code, settings.procedure_code,
                         dossier_code=dossier_code)
    add_log_context(batch_id=batch.batch_id)  # for the rest of this flow run and its tasks
    report = BatchReport(batch.batch_id)
    progress = current_progress()
    files, missing = collect_inputs_task(paths, recursive)
    progress.batch_started(len(files) + len(missing))
    for outcome in missing:
        report.add(outcome)
        progress.document_done(outcome)
    stop = current_stop()
    with open_services(settings) as services, claim_work_dir(services.work_dir) as stale:
        if stale:
            log.info("removed %d work folder(s) left by a killed run: %s", len(stale),
                     ", ".join(p.name for p in stale))
        register_batch(services.index, batch.batch_id, total=len(files) + len(missing),
                       agency=batch.agency_code, source=", ".join(paths))
        for outcome in _run_documents(files, services, batch, settings.documents_in_parallel,
                                      stop):
            report.add(outcome)
            progress.document_done(outcome)
        halted = services.halt.error  # storage unusable: the batch stopped at the first error
        # Every in-flight document has ended; the report is written before the services stop.
        report.stopped_by = stop.reason
        report.finish()
        report.write(settings.data_path / "reports" / f"{batch.batch_id}.json")
        if report_path:
            report.write(Path(report_path))
        finish_batch(services.index, report, halted=halted is not None,
                     summary_key=persist_summary(services, report, agency=batch.agency_code))
    if halted is not None:
        raise halted
    return report.to_dict()
