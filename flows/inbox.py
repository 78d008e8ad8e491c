"""Prefect flows for scale-out: one document per flow run, any worker takes it.

- `digitize_document_flow` (deployment `digitize-document`): one document, an inbox key
  (`inbox/<agency>/<batch>/<file>`) or a path every worker can read (a shared folder). Its
  outcome goes to the reports bucket, where the batch's parent run reads it.
- `digitize_inbox_flow` (deployment `digitize-inbox`, scheduled or triggered): the files
  waiting in the inbox, batch by batch, fanned out to `digitize-document` with at most
  `inbox_in_flight` runs at a time; then the batch report, as `sohoa digitize` writes it.

A document already stored is not redone when a run is retried or a batch is run again: the
index's content-hash claim (`pipeline.process`) makes the second attempt a duplicate, which the
inbox archives. Settings (with secrets) come from the worker's environment, never parameters.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from prefect.concurrency.sync import concurrency
from prefect.deployments import run_deployment
from prefect.runtime import flow_run as current_flow_run

from pipeline import metrics
from pipeline.batch import StopRequest, claim_work_dir
from pipeline.batches import finish_batch, register_batch
from pipeline.i18n import _
from pipeline.inbox import (
    InboxKey,
    by_batch,
    digitize_inbox_file,
    new_batch_id,
    outcome_from_dict,
    pending,
    read_outcome,
    source_uri,
    write_outcome,
)
from pipeline.limits import OCR, SIGN, limiting_stages
from pipeline.logs import add_log_context
from pipeline.process import BatchContext, digitize_file
from pipeline.report import FAILED, INTERRUPTED, BatchReport, DocumentOutcome
from pipeline.services import open_reader, open_services
from pipeline.settings import Settings, load_settings

log = logging.getLogger("sohoa")
_PR_SET_PDEATHSIG = 1


def _die_with_worker() -> None:
    """A flow run started by a worker is its child in a session of its own: when the worker
    stops or is killed, the run would go on unsupervised and unseen. Ask the kernel for SIGTERM
    when the worker dies (see `_on_sigterm` for what the run then does)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def _on_sigterm(stop: StopRequest) -> Iterator[StopRequest]:
    """While inside: SIGTERM (the worker stopped or died) sets `stop` instead of crashing the
    run, so a document being digitized is finished and reported, and a batch takes no new
    document. Outside the main thread (no signal handlers there) Prefect's handling stays."""
    try:
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.request("SIGTERM"))
    except ValueError:
        yield stop
        return
    if os.getppid() == 1:  # the worker was already gone when we asked to be told
        stop.request("SIGTERM")
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def _supervised(settings: Settings) -> contextlib.AbstractContextManager[StopRequest]:
    """Started by `sohoa worker start`: die with that worker, gracefully."""
    if not settings.worker_name:
        return contextlib.nullcontext(StopRequest())
    _die_with_worker()
    return _on_sigterm(StopRequest())


def _stage_guard(settings: Settings) -> Any:
    names = {OCR: settings.limit_ocr, SIGN: settings.limit_signing}

    def guard(stage: str) -> AbstractContextManager[object]:
        name = names.get(stage)
        # A limit the operator has not created does not limit (strict=False).
        return concurrency(name, occupy=1, strict=False) if name else contextlib.nullcontext()

    return guard


def _run_id() -> str:
    return str(current_flow_run.id or new_batch_id())


@flow(name="sohoa-digitize-document", persist_result=False, log_prints=False)
def digitize_document_flow(
    source: str, batch_id: str, agency_code: str | None = None,
    procedure_code: str | None = None, dossier_code: str | None = None,
    config_file: str | None = None,
) -> dict[str, Any]:
    """Digitize one document: an inbox key or a path every worker can read."""
    settings = load_settings(Path(config_file) if config_file else None,
                             agency_code=agency_code, procedure_code=procedure_code)
    batch = BatchContext(batch_id, settings.agency_code, settings.procedure_code,
                         dossier_code=dossier_code)
    worker = settings.worker_name or socket.gethostname()
    metrics.record_to_folder(metrics.metrics_folder(settings.data_path))
    add_log_context(batch_id=batch_id)
    # A SIGTERM from a stopping worker lets this document finish: the run then ends.
    with _supervised(settings), open_services(settings) as services, \
            claim_work_dir(services.work_dir), limiting_stages(_stage_guard(settings)):
        if source.startswith("inbox/"):
            outcome = digitize_inbox_file(InboxKey.parse(source), services=services,
                                          batch=batch)
        else:
            outcome = digitize_file(Path(source), services=services, batch=batch)
        write_outcome(services.store, settings.bucket_reports, batch_id=batch_id,
                      run_id=_run_id(), source=source, outcome=outcome, worker=worker)
    log.info("%s: %s (%s) on %s", source, outcome.status, outcome.reason_code or "-", worker)
    return {"worker": worker, "outcome": outcome.to_dict()}


@flow(name="sohoa-digitize-inbox", persist_result=False, log_prints=False)
def digitize_inbox_flow(
    agency: str | None = None, batch: str | None = None, procedure_code: str | None = None,
    in_flight: int | None = None, config_file: str | None = None,
    deployment: str | None = None,
) -> dict[str, Any]:
    """Digitize what waits in the inbox (one agency / one batch, or everything), batch by batch;
    return each batch's counts. `deployment` names the per-document deployment (default: the
    setting `inbox_deployment`); "-" runs the documents here, one after another."""
    settings = load_settings(Path(config_file) if config_file else None,
                             procedure_code=procedure_code)
    with _supervised(settings) as stop, open_reader(settings) as (index, store):
        waiting = by_batch(pending(store, settings.bucket_inbox, agency=agency, batch=batch))
        summaries = {}
        for batch_id, keys in waiting.items():
            if stop.requested:
                break
            report = _run_batch(settings, batch_id, keys, index=index, store=store, stop=stop,
                                in_flight=in_flight or settings.inbox_in_flight,
                                deployment=deployment or settings.inbox_deployment,
                                config_file=config_file)
            summaries[batch_id] = report.to_dict()["counts"]
    return {"batches": summaries}


def _run_batch(settings: Settings, batch_id: str, keys: list[InboxKey], *, index: Any,
               store: Any, stop: StopRequest, in_flight: int, deployment: str,
               config_file: str | None) -> BatchReport:
    report = BatchReport(batch_id)
    agency = keys[0].agency if keys else None
    agency_code = settings.agency_code or (agency if agency != "LOCAL" else None)
    # Followed with `sohoa batches status` like a local batch (progress from the index).
    register_batch(index, batch_id, total=len(keys), agency=agency_code,
                   source=source_uri(settings.bucket_inbox, f"inbox/{agency}/{batch_id}/"))
    parameters = {"batch_id": batch_id, "agency_code": agency_code,
                  "procedure_code": settings.procedure_code, "config_file": config_file}
    try:
        if deployment == "-":
            for key in keys:
                if stop.requested:
                    break
                # Here, one after another, in this run (no flow run per document).
                result = digitize_document_flow.fn(key.key, batch_id, agency_code,
                                                   settings.procedure_code, None, config_file)
                report.add(outcome_from_dict(result["outcome"]))
        else:
            for outcome in _fan_out(settings, deployment, keys, parameters, store=store,
                                    in_flight=in_flight, stop=stop):
                report.add(outcome)
    except Exception as e:
        # The batch row must not stay "running": it ends stopped, naming the error, and
        # `sohoa batches status` tells what to do (the files not done are still in the inbox).
        report.stopped_by = _("error: {error}").format(error=getattr(e, "message", None) or e)
        report.finish()
        _close_batch(settings, index, store, report)
        raise
    # Files not started when the batch was stopped stay in the inbox for the next run.
    report.stopped_by = stop.reason
    report.finish()
    _close_batch(settings, index, store, report)
    return report


def _close_batch(settings: Settings, index: Any, store: Any, report: BatchReport) -> None:
    try:
        summary = _write_report(settings, store, report)
    except Exception:  # noqa: BLE001 - the S3 server may be what failed: close the row anyway
        log.exception("the summary of batch %s could not be written", report.batch_id)
        summary = None
    finish_batch(index, report, summary_key=summary)


def _fan_out(settings: Settings, deployment: str, keys: list[InboxKey],
             parameters: dict[str, Any], *, store: Any, in_flight: int, stop: StopRequest,
             ) -> Iterator[DocumentOutcome]:
    """One deployment run per document, at most `in_flight` at a time; outcomes as they end.
    After a stop request no new run is started and the batch ends at once: the runs started
    go on (on whichever worker holds them) and settle their own files."""
    waiting = list(reversed(keys))
    running: dict[UUID, InboxKey] = {}
    while waiting or running:
        if stop.requested:
            yield from (_interrupted(settings, key, run_id) for run_id, key in running.items())
            yield from (_interrupted(settings, key, None) for key in reversed(waiting))
            return
        while waiting and len(running) < max(1, in_flight):
            key = waiting.pop()
            run = _start_run(deployment, {**parameters, "source": key.key},
                             f"{parameters['batch_id']}:{key.name}")
            running[run.id] = key
        time.sleep(1.0)
        for run_id, state in _states(list(running)):
            key = running[run_id]
            late = state is not None and run_is_lost(
                state.type.value, state.timestamp, datetime.now(UTC),
                settings.inbox_document_timeout_s)
            if state is None or not (state.is_final() or late):
                continue
            del running[run_id]
            yield _outcome_of(settings, store, parameters["batch_id"], key, run_id, state, late)


def run_is_lost(state_type: str, since: datetime | None, now: datetime,
                timeout_s: float) -> bool:
    """A run a worker took (pending or running) that has not ended `timeout_s` after entering
    that state: its worker died or it hangs. A run still waiting for a free worker
    (scheduled) is never lost: a busy pool only makes it wait."""
    if state_type not in ("PENDING", "RUNNING") or since is None:
        return False
    return (now - since).total_seconds() > timeout_s


def _interrupted(settings: Settings, key: InboxKey, run_id: UUID | None) -> DocumentOutcome:
    uri = source_uri(settings.bucket_inbox, key.key)
    if run_id is None:
        message = _("{uri}: not started, the batch was stopped (SIGTERM); it stays in the "
                    "inbox for the next run.").format(uri=uri)
    else:
        message = _("{uri}: the batch was stopped (SIGTERM) while its run {run} was going on; "
                    "that run settles the file.").format(uri=uri, run=run_id)
    return DocumentOutcome(uri, INTERRUPTED, "INTERRUPTED", message)


def _start_run(deployment: str, parameters: dict[str, Any], name: str) -> FlowRun:
    """A flow run of the deployment, scheduled now, not waited for (a subflow of this run)."""
    run = run_deployment(deployment, parameters=parameters, timeout=0, as_subflow=True,
                         flow_run_name=name)
    assert isinstance(run, FlowRun)  # called from sync code: the FlowRun, not a coroutine
    return run


def _states(run_ids: list[UUID]) -> list[tuple[UUID, Any]]:
    with get_client(sync_client=True) as client:
        # Every field given: the server (fastapi 0.154) refuses the nulls the client sends.
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(
            any_=run_ids)), sort=FlowRunSort.ID_DESC, limit=len(run_ids), offset=0)
    return [(run.id, run.state) for run in runs]


def _outcome_of(settings: Settings, store: Any, batch_id: str, key: InboxKey, run_id: UUID,
                state: Any, late: bool) -> DocumentOutcome:
    uri = source_uri(settings.bucket_inbox, key.key)
    written = read_outcome(store, settings.bucket_reports, batch_id=batch_id, run_id=str(run_id))
    if written is not None:
        return outcome_from_dict(written["outcome"])
    if late and not state.is_final():
        with contextlib.suppress(Exception), get_client(sync_client=True) as client:
            from prefect.states import Cancelled

            client.set_flow_run_state(run_id, Cancelled(message="no answer in time"),
                                      force=True)
        return DocumentOutcome(uri, FAILED, "RUN_LOST", _(
            "{uri}: its run ({run}) did not finish in time (its worker may have died); the "
            "file stays in the inbox and the next run processes it.").format(uri=uri,
                                                                             run=run_id))
    return DocumentOutcome(uri, FAILED, f"RUN_{state.type.value}", _(
        "{uri}: its run ({run}) ended {state} without digitizing it; the file stays in the "
        "inbox and the next run processes it.").format(uri=uri, run=run_id,
                                                       state=state.name))


def _write_report(settings: Settings, store: Any, report: BatchReport) -> str:
    """As `sohoa digitize` does (the data folder's reports/), and in the reports bucket, since
    the documents' workers may be anywhere."""
    path = settings.data_path / "reports" / f"{report.batch_id}.json"
    report.write(path)
    data = json.dumps(report.to_dict(), ensure_ascii=False, indent=2).encode()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"inbox-reports/{report.batch_id}/{stamp}.json"
    store.put(settings.bucket_reports, key, data, content_type="application/json")
    return key
