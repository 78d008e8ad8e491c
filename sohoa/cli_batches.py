"""`sohoa batches status|list` (follow a batch across workers) and `sohoa metrics serve|show`
(the Prometheus exporter of a worker machine).

Registered on the main `sohoa` app by `register_batch_commands` (called at the bottom of
`sohoa/cli.py`); errors become exit codes in `sohoa.cli.main`, like every other command's.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.i18n import _
from pipeline.settings import Settings, load_settings

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
batches_app = typer.Typer(name="batches", no_args_is_help=True, rich_markup_mode=None,
                          help=_("Follow digitizing batches (on this machine or on workers)."))
metrics_app = typer.Typer(name="metrics", no_args_is_help=True, rich_markup_mode=None,
                          help=_("Prometheus metrics of the digitizing processes of this machine."))


@batches_app.command("status", help=_(
    "Progress of one batch: done / total, counts by state, documents in progress with the "
    "worker holding them, elapsed time and ETA."))
def batches_status(
    batch_id: Annotated[str, typer.Argument(help=_("The batch id (see `sohoa batches list`)."))],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Progress of one batch: done / total, counts by state, documents in progress with the
    worker holding them, elapsed time and ETA."""
    from pipeline.batches import batch_status
    from pipeline.services import open_index

    settings = load_settings(config)
    with open_index(settings) as index:
        status = batch_status(index, batch_id, stall_after=_stall_after(settings))
    if as_json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_status(status.to_dict())


def _stall_after(settings: Settings) -> timedelta:
    """A running batch with no sign of life for longer than one document may take is shown
    stalled (its process most likely died)."""
    return timedelta(seconds=settings.inbox_document_timeout_s)


def _print_status(data: dict[str, Any]) -> None:
    console.print(_("Batch {id} ({agency}): {state}").format(
        id=data["batch_id"], agency=data["agency_code"] or "-", state=data["state"]),
        markup=False)
    if data["source"]:
        console.print(_("Source: {source}").format(source=data["source"]), markup=False)
    total = data["total"]
    share = f" ({100 * data['done'] // total} %)" if total else ""
    console.print(_("Progress: {done} / {total} documents{share}").format(
        done=data["done"], total=total if total is not None else "?", share=share), markup=False)
    console.print(_elapsed_line(data), markup=False)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(data["counts"].items()))
    console.print(_("By state: {counts}").format(counts=counts or "-"), markup=False)
    if data["in_progress"]:
        table = Table(title=_("In progress"))
        for column in (_("Document"), _("File"), _("Worker"), _("Since")):
            table.add_column(column)
        for item in data["in_progress"]:
            worker = item["worker"] or "?"
            if item["lease_lapsed"]:
                worker += " " + _("(lease lapsed: worker gone?)")
            table.add_row(item["document_id"], item["name"], worker, item["since"])
        console.print(table)
    if data["advice"]:
        console.print(data["advice"], markup=False, soft_wrap=True)


def _elapsed_line(data: dict[str, Any]) -> str:
    elapsed = _duration(data["elapsed_s"])
    if data["state"] == "running":
        eta = data["eta_s"]
        return _("Elapsed {elapsed}, remaining about {eta}").format(
            elapsed=elapsed, eta=_duration(eta) if eta is not None else "-")
    if data["state"] == "stalled":
        return _("Elapsed {elapsed}, no progress for {idle}").format(
            elapsed=elapsed, idle=_duration(data["idle_s"] or 0))
    return _("Elapsed {elapsed}, ended {finished}").format(
        elapsed=elapsed, finished=data["finished_at"] or "-")


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


@batches_app.command("list", help=_(
    "The latest batches: state, documents done / expected, start and end."))
def batches_list(
    limit: Annotated[int, typer.Option(min=1, help=_("How many, newest first."))] = 20,
    agency: Annotated[str | None, typer.Option(help=_("Only this agency code."))] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """The latest batches: state, documents done / expected, start and end."""
    from pipeline.batches import batch_status, list_batches
    from pipeline.services import open_index

    settings = load_settings(config)
    with open_index(settings) as index:
        found = [batch_status(index, row.id, stall_after=_stall_after(settings)).to_dict()
                 for row in list_batches(index, limit=limit, agency=agency)]
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    table = Table()
    for column in (_("Batch"), _("Agency"), _("State"), _("Done"), _("Started"), _("Ended")):
        table.add_column(column, overflow="fold")
    for b in found:
        table.add_row(b["batch_id"], b["agency_code"] or "-", b["state"],
                      f"{b['done']} / {b['total'] if b['total'] is not None else '?'}",
                      b["started_at"][:19], (b["finished_at"] or "-")[:19])
    console.print(table)


@metrics_app.command("serve", help=_(
    "Serve this machine's digitizing metrics at http://HOST:PORT/metrics until stopped (a "
    "worker machine; the API serves the same at /metrics on `sohoa serve`)."))
def metrics_serve(
    host: Annotated[str, typer.Option(help=_("Address to bind."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_("Port to listen on."))] = 9464,
    config: ConfigOption = None,
) -> None:
    """Serve this machine's digitizing metrics at http://HOST:PORT/metrics until stopped (a
    worker machine; the API serves the same at /metrics on `sohoa serve`)."""
    settings = load_settings(config)
    stop = threading.Event()
    server = serve_worker_metrics(settings.data_path, host=host, port=port)
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    err.print(_("metrics of {folder} on http://{host}:{port}/metrics").format(
        folder=settings.data_path, host=host, port=port), markup=False)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def serve_worker_metrics(data_path: Path, *, host: str, port: int) -> Any:
    """Start the exporter of `<data_path>/metrics` in the background; for `sohoa worker start`
    too. Returns the server (`.shutdown()` stops it)."""
    from pipeline import metrics

    return metrics.start_exporter(metrics.metrics_folder(data_path), host=host, port=port)


@metrics_app.command("show", help=_(
    "Print this machine's digitizing metrics (Prometheus text format)."))
def metrics_show(config: ConfigOption = None) -> None:
    """Print this machine's digitizing metrics (Prometheus text format)."""
    from pipeline import metrics

    body, _type = metrics.exposition(metrics.metrics_folder(load_settings(config).data_path))
    print(body.decode("utf-8"), end="")


def register_batch_commands(app: typer.Typer) -> None:
    app.add_typer(batches_app)
    app.add_typer(metrics_app)
