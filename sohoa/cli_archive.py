"""Archive commands: `search`, `scrub`, and `s3 start|stop|status`, registered on the CLI's app
by `register(app)` (called at the bottom of `sohoa/cli.py`; this module does not import it, so
`python -m sohoa.cli` and the `sohoa` script get the same commands).

`search` needs only the index (no S3 server, no Prefect). `scrub` reads every object.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pipeline.errors import ConfigurationError
from pipeline.i18n import _
from pipeline.settings import Settings, load_settings

console = Console()
err = Console(stderr=True)
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
s3_app = typer.Typer(name="s3", no_args_is_help=True, rich_markup_mode=None,
                     help=_("The embedded S3 server (SeaweedFS) in the data folder."))


def register(app: typer.Typer) -> None:
    app.command(help=_(
        "Full-text search over OCR text and metadata (\"quang tri\" finds \"Quảng Trị\"; hits "
        "with the exact diacritics come first)."))(search)
    app.command(help=_(
        "Check that every index row's objects exist and match their hashes; find orphan "
        "objects and broken rows. Exit code 0 when everything agrees (or was repaired), 1 "
        "otherwise."))(scrub)
    app.add_typer(s3_app)


def _settings(config: Path | None) -> Settings:
    return load_settings(config)


def _index(settings: Settings) -> Any:
    from pipeline.services import open_index

    return open_index(settings)


def _reader(settings: Settings) -> Any:
    from pipeline.services import open_reader

    return open_reader(settings)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise ConfigurationError(_("{option} must be a date like 2024-03-05, not {value!r}")
                                 .format(option=option, value=value)) from e


def search(
    text: Annotated[str, typer.Argument(help=_("Words to find, with or without diacritics."))],
    doc_type: Annotated[str | None, typer.Option("--type", help=_("Document type."))] = None,
    agency: Annotated[str | None, typer.Option(
        help=_("Digitizing unit code or issuing agency name."))] = None,
    date_from: Annotated[str | None, typer.Option("--from", help=_("Issued on or after."))] = None,
    date_to: Annotated[str | None, typer.Option("--to", help=_("Issued on or before."))] = None,
    owner_id: Annotated[str | None, typer.Option(help=_("Owner or party id."))] = None,
    limit: Annotated[int, typer.Option(help=_("Most hits to show."))] = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.search import search_documents

    settings = _settings(config)
    with _index(settings) as index:
        hits = search_documents(index, text, doc_type=doc_type, agency=agency,
                                date_from=_date(date_from, "--from"),
                                date_to=_date(date_to, "--to"), owner_id=owner_id, limit=limit)
    if as_json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    for rank, hit in enumerate(hits, 1):
        console.print(f"{rank}. [bold]{hit.document_id}[/bold]  {hit.doc_type or '—'}  "
                      f"{hit.number_symbol or '—'}  "
                      f"{hit.issue_date.isoformat() if hit.issue_date else '—'}  {hit.status}",
                      highlight=False)
        console.print(f"   {hit.snippet}", markup=False, highlight=False)
    if not hits:
        err.print(_("Nothing found for {text!r}.").format(text=text))


def scrub(
    repair: Annotated[bool, typer.Option(
        help=_("Repair what is safely repairable (restore versions, rewrite records from the "
               "index, move orphan objects to the quarantine bucket)."))] = False,
    grace_minutes: Annotated[float, typer.Option(
        help=_("Leave unreferenced objects younger than this alone (uploads in flight)."))] = 60,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.scrub import ScrubOptions
    from pipeline.scrub import scrub as run_scrub

    settings = _settings(config)
    options = ScrubOptions(
        buckets=(settings.bucket_originals, settings.bucket_signed, settings.bucket_records),
        quarantine_bucket=settings.bucket_quarantine, repair=repair,
        grace=timedelta(minutes=grace_minutes))
    with _reader(settings) as (index, store):
        report = run_scrub(index, store, options)
    path = settings.data_path / "reports" / f"scrub-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), "utf-8")
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for f in report.findings:
            state = _("repaired") if f.repaired else _("NOT repaired")
            console.print(f"{f.kind}  {f.document_id or '—'}  {f.bucket or ''}/{f.key or ''}  "
                          f"{f.detail}  [{state}: {f.action or '—'}]", markup=False,
                          highlight=False)
        console.print(_("{rows} rows, {objects} objects checked; {found} problems, {left} not "
                        "repaired; report: {path}").format(
            rows=report.rows_checked, objects=report.objects_checked,
            found=len(report.findings), left=len(report.unrepaired), path=path))
    raise typer.Exit(0 if report.ok else 1)


def _embedded(config: ConfigOption) -> object:
    from storage.seaweed import EmbeddedS3

    settings = _settings(config)
    if settings.s3_endpoint:
        raise ConfigurationError(_("SOHOA_S3_ENDPOINT is set: the S3 server is external, not "
                                   "managed by sohoa."))
    return EmbeddedS3(settings.data_path / "s3")


@s3_app.command("start", help=_(
    "Start the embedded S3 server and keep it running until `sohoa s3 stop` (commands then "
    "attach to it instead of starting their own)."))
def s3_start(config: ConfigOption = None) -> None:
    from storage.seaweed import EmbeddedS3

    server = _embedded(config)
    assert isinstance(server, EmbeddedS3)
    endpoint = server.start()
    server.pin()
    server.stop()  # leave as a user; the pin keeps it running
    console.print(_("S3 server running at {endpoint}").format(endpoint=endpoint.endpoint))


@s3_app.command("stop", help=_(
    "Stop the embedded S3 server once no command uses it any more."))
def s3_stop(config: ConfigOption = None) -> None:
    from storage.seaweed import EmbeddedS3

    server = _embedded(config)
    assert isinstance(server, EmbeddedS3)
    if server.shutdown():
        console.print(_("S3 server stopped."))
    else:
        users = server.status().users
        console.print(_("Still used by processes {pids}: it stops when the last one ends.")
                      .format(pids=", ".join(map(str, users))))


@s3_app.command("status", help=_(
    "Is the embedded S3 server running, where, and who uses it."))
def s3_status(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    from storage.seaweed import EmbeddedS3

    server = _embedded(config)
    assert isinstance(server, EmbeddedS3)
    status = server.status()
    if as_json:
        print(json.dumps({"running": status.running, "pid": status.pid,
                          "endpoint": status.endpoint, "users": status.users,
                          "pinned": status.pinned}))
        return
    if not status.running:
        console.print(_("S3 server not running (commands start it when they need it)."))
        return
    console.print(_("S3 server running at {endpoint} (pid {pid}); used by {users}; {pinned}")
                  .format(endpoint=status.endpoint, pid=status.pid,
                          users=", ".join(map(str, status.users)) or "—",
                          pinned=_("kept running (s3 start)") if status.pinned
                          else _("stops with its last user")))
