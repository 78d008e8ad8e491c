"""Scale-out commands: `sohoa submit`, `sohoa quarantine list|retry|discard`, `sohoa worker start`.

Registered on the main `sohoa` app by `register_scale_commands` (called at the bottom of
`sohoa/cli.py`); this module never imports `sohoa.cli`. Errors become exit codes in
`sohoa.cli.main`, like every other command's.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.errors import ConfigurationError
from pipeline.i18n import _
from pipeline.settings import Settings, load_settings

console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
quarantine_app = typer.Typer(
    name="quarantine", no_args_is_help=True, rich_markup_mode=None,
    help=_("Rejected files, in the S3 inbox and in the local data folder: list, retry, discard."))
worker_app = typer.Typer(name="worker", no_args_is_help=True, rich_markup_mode=None,
                         help=_("A Prefect worker that digitizes documents of the work pool."))


def register_scale_commands(app: typer.Typer) -> None:
    app.command(help=_(
        "Upload a folder to the S3 inbox, under inbox/<agency>/<batch>/, and print the batch "
        "id.\n\nThe digitize-inbox deployment then digitizes it on the workers."))(submit)
    app.add_typer(quarantine_app)
    app.add_typer(worker_app)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    return load_settings(config, **overrides)


def submit(
    folder: Annotated[Path, typer.Argument(help=_("Folder of scans (subfolders included)."))],
    agency: Annotated[str | None, typer.Option(
        help=_("Digitizing unit code, e.g. 000.17.22.H56 (default: SOHOA_AGENCY_CODE)."))] = None,
    batch: Annotated[str | None, typer.Option(
        help=_("Batch id (default: a new one, printed)."))] = None,
    config: ConfigOption = None,
) -> None:
    """Upload a folder to the S3 inbox, under inbox/<agency>/<batch>/, and print the batch id.

    The digitize-inbox deployment then digitizes it on the workers."""
    from pipeline.inbox import submit_folder
    from pipeline.services import open_reader

    settings = _settings(config, agency_code=agency)
    with open_reader(settings) as (_index, store):
        done = submit_folder(store, settings.bucket_inbox, folder,
                             agency_code=settings.agency_code, batch_id=batch)
    for refused in done.refused:
        err.print(refused.message or refused.path, markup=False)
    err.print(_("{count} file(s) uploaded to s3://{bucket}/inbox/{agency}/{batch}/").format(
        count=len(done.keys), bucket=settings.bucket_inbox, agency=done.agency,
        batch=done.batch_id), markup=False)
    print(done.batch_id)
    if not done.keys:
        raise typer.Exit(4)


def _quarantine_places(settings: Settings) -> Any:
    """The index, the object store (or None: then only the local quarantine is reachable)."""
    from contextlib import ExitStack

    from pipeline.services import open_index, open_reader

    stack = ExitStack()
    if settings.s3_endpoint or (settings.data_path / "s3").exists():
        index, store = stack.enter_context(open_reader(settings))
        return stack, index, store
    return stack, stack.enter_context(open_index(settings)), None


@quarantine_app.command("list", help=_(
    "Quarantined files with their reason: inbox:… (S3 inbox) and local:… (data folder)."))
def quarantine_list(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Quarantined files with their reason: inbox:… (S3 inbox) and local:… (data folder)."""
    from pipeline.quarantined import list_inbox, list_local

    settings = _settings(config)
    stack, _index, store = _quarantine_places(settings)
    with stack:
        items = list_inbox(store, settings.bucket_inbox) if store is not None else []
    items += list_local(settings.data_path / "quarantine")
    if as_json:
        print(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=False)
    for column in (_("id"), _("reason"), _("batch"), _("message")):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(item.id, item.code or "", item.batch_id or "", item.message or "")
    console.print(table)
    if not items:
        err.print(_("No quarantined file."))


@quarantine_app.command("retry", help=_(
    "Put quarantined files back for processing (after fixing them, or the cause)."))
def quarantine_retry(
    ids: Annotated[list[str], typer.Argument(help=_("Ids from `sohoa quarantine list`."))],
    config: ConfigOption = None,
) -> None:
    """Put quarantined files back for processing (after fixing them, or the cause)."""
    from pipeline.quarantined import retry

    settings = _settings(config)
    stack, index, store = _quarantine_places(settings)
    with stack:
        for item_id in ids:
            done = retry(item_id, store=store, bucket=settings.bucket_inbox,
                         quarantine_dir=settings.data_path / "quarantine", index=index)
            console.print(done.message, markup=False, highlight=False)


@quarantine_app.command("discard", help=_(
    "Give quarantined files up, with a reason; they are kept aside, never deleted."))
def quarantine_discard(
    ids: Annotated[list[str], typer.Argument(help=_("Ids from `sohoa quarantine list`."))],
    reason: Annotated[str | None, typer.Option(
        help=_("Why the file is given up (required; recorded with the file)."))] = None,
    by: Annotated[str | None, typer.Option(help=_("Who decides (default: SOHOA_CLERK)."))] = None,
    config: ConfigOption = None,
) -> None:
    """Give quarantined files up, with a reason; they are kept aside, never deleted."""
    from pipeline.quarantined import QuarantineError, discard

    if not reason or not reason.strip():  # checked here: a clear line, not a usage traceback
        raise QuarantineError(_("Discarding needs a reason: add --reason \"why\"."),
                              code="REASON_REQUIRED")
    settings = _settings(config)
    stack, index, store = _quarantine_places(settings)
    with stack:
        for item_id in ids:
            done = discard(item_id, reason=reason, by=by or settings.clerk, store=store,
                           bucket=settings.bucket_inbox,
                           quarantine_dir=settings.data_path / "quarantine", index=index)
            console.print(done.message, markup=False, highlight=False)


@worker_app.command("start", help=_(
    "Start a Prefect worker on the pool with this machine's settings (SOHOA_*, "
    "--config).\n\nNeeds PREFECT_API_URL (the Prefect server). SIGTERM or Ctrl-C: no new "
    "document is taken, running ones finish (or, after --grace seconds, are released for the "
    "next run); exit 143 / 130."))
def worker_start(
    pool: Annotated[str, typer.Option(help=_("Prefect work pool (process type)."))] = "sohoa",
    name: Annotated[str | None, typer.Option(
        help=_("Worker name (default: host name and process id)."))] = None,
    limit: Annotated[int | None, typer.Option(
        help=_("Most flow runs at once on this worker (default: SOHOA_DOCUMENTS_IN_PARALLEL)."))
    ] = None,
    grace: Annotated[float, typer.Option(
        help=_("Seconds a stopping worker waits for its running documents before it releases "
             "them."))] = 600.0,
    config: ConfigOption = None,
) -> None:
    """Start a Prefect worker on the pool with this machine's settings (SOHOA_*, --config).

    Needs PREFECT_API_URL (the Prefect server). SIGTERM or Ctrl-C: no new document is taken,
    running ones finish (or, after --grace seconds, are released for the next run); exit
    143 / 130."""
    from sohoa.worker import SupervisedWorker, WorkerOptions, worker_environment

    settings = _settings(config)
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigurationError(_("PREFECT_API_URL is not set: point it at the Prefect server "
                                   "(e.g. http://prefect.example:4200/api)."),
                                 code="PREFECT_API_URL")
    worker_name = name or f"{socket.gethostname()}-{os.getpid()}"
    env = worker_environment(dict(os.environ), name=worker_name, config=config)
    options = WorkerOptions(pool, worker_name, limit or settings.documents_in_parallel, grace,
                            env)
    err.print(_("Worker {name} on pool {pool} (at most {limit} document(s) at once); SIGTERM "
                "or Ctrl-C stops it cleanly.").format(name=worker_name, pool=pool,
                                                     limit=options.limit), markup=False)
    raise typer.Exit(SupervisedWorker(options).run())
