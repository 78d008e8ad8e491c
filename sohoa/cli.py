"""`sohoa` command line: a thin entry point over the core and the Prefect flow.

Errors become exit codes in exactly one place (`main`). Settings are read once per command.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pipeline import __version__
from pipeline.batch import StopRequest
from pipeline.errors import ConfigurationError, SohoaError
from pipeline.i18n import _, current_language, set_language
from pipeline.report import BatchReport, ExitCode
from pipeline.settings import Settings, load_settings
from sohoa.click_messages import translate_click

# The language of every message, `--help` included: Typer evaluates help texts when the
# commands below are defined, so it is set here, from the environment, before them (the one
# setting read outside `load_settings`, which a command calls later).
set_language(os.environ.get("SOHOA_LANG"))
translate_click()

app = typer.Typer(
    name="sohoa", no_args_is_help=True, rich_markup_mode=None,
    help=_("Digitize paper results of administrative procedures into signed, searchable, "
           "reusable electronic documents (số hóa kết quả giải quyết TTHC). Messages are in "
           "Vietnamese; SOHOA_LANG=en shows them in English."),
)
console = Console()
err = Console(stderr=True)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]


def _settings(config: Path | None, **overrides: Any) -> Settings:
    settings = load_settings(config, **overrides)
    if config is not None:  # the config file may move the data folder, and the log with it
        from pipeline.logs import configure_logging

        configure_logging(settings.data_path, fmt=settings.log_format)
    return settings


def prepare_prefect_environment(settings: Settings, *, verbose: bool = False) -> None:
    """Ephemeral, offline, quiet Prefect with its state in the data directory.

    Must run before `prefect` is imported. A PREFECT_API_URL set by the operator (server mode)
    is respected.
    """
    home = settings.data_path / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "PREFECT_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "INFO" if verbose else "WARNING",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)


@app.command(help=_(
    "Digitize scans: OCR, extract metadata, sign (PAdES), store in S3 and index.\n\n"
    "Exit codes: 0 all stored (or already stored, or stored pending review); 3 some files were "
    "quarantined (reasons in the table and the report); 4 some files failed or are retryable "
    "(left in place; rerun after fixing the cause); 5 settings or services unusable (S3, the "
    "index database or the work folder; retried for SOHOA_RETRY_BUDGET_S first); 130 "
    "stopped by Ctrl-C, 143 stopped by SIGTERM (files in progress finished or abandoned, "
    "partial report written; rerun the same command to do the rest)."))
def digitize(
    paths: Annotated[list[Path], typer.Argument(
        help=_("Scans (PDF, PNG, JPEG, TIFF) or folders."))],
    agency_code: Annotated[str | None, typer.Option(
        help=_("Digitizing unit code, e.g. 000.17.22.H56."))] = None,
    procedure: Annotated[str | None, typer.Option(
        help=_("Administrative procedure code, e.g. 1.010708."))] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r",
                                            help=_("Include subfolders."))] = False,
    report: Annotated[Path | None, typer.Option(
        help=_("Also write the JSON batch report here (one is always kept in "
               "<data dir>/reports/)."))] = None,
    progress: Annotated[bool, typer.Option(help=_("Show a progress bar."))] = True,
    dossier_code: Annotated[str | None, typer.Option(
        help=_("The dossier these results belong to, e.g. 000.17.22.H56-210531-0001: each "
               "stored result is linked to it for the Decision 766 indicators."))] = None,
    manifest: Annotated[Path | None, typer.Option(
        help=_("A CSV 'file,dossier_code' for a backlog batch: after digitizing, each file's "
               "result is linked to its dossier (problems are listed by line)."))] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=_(
        "Show the pipeline's log on the terminal."))] = False,
    config: ConfigOption = None,
) -> None:
    settings = _settings(config, agency_code=agency_code, procedure_code=procedure)
    dossier_code = _checked_dossier_code(dossier_code)
    if manifest is not None and not manifest.is_file():
        _usage_error("--manifest", _("{path} not found").format(path=manifest))
    if verbose:
        from pipeline.logs import configure_logging

        configure_logging(settings.data_path, verbose=True, fmt=settings.log_format)
    prepare_prefect_environment(settings, verbose=verbose)
    from pipeline.batch import stopping_on
    from pipeline.progress import NullProgress, reporting_to
    from sohoa.console import BatchProgressBar, print_batch_summary
    from sohoa.interrupt import EXIT_CODES, run_in_worker_thread, stop_on_signals

    if settings.uses_test_pki:
        err.print(_("Signing with a local TEST certificate ({path}): copies have no legal "
                    "value. Configure the agency key for production.").format(
                        path=settings.data_path / "test-pki"), style="yellow", markup=False)
    stop = StopRequest()
    with stop_on_signals(stop, first=_say_stopping, again=_stop_now), \
            _prefect_api(settings, stop):
        if stop.requested:  # before any file was looked at
            err.print(_("Stopped before any file was processed; nothing was changed."))
            raise typer.Exit(EXIT_CODES.get(stop.reason or "", 143))
        from flows.digitize import digitize_flow

        reporter = BatchProgressBar(console) if progress else NullProgress()
        flow = digitize_flow.with_options(task_runner=_task_runner(settings))
        with reporter if isinstance(reporter, BatchProgressBar) else _nullcontext(), \
                reporting_to(reporter), stopping_on(stop):
            result = run_in_worker_thread(lambda: flow(
                paths=[str(p) for p in paths], agency_code=settings.agency_code,
                procedure_code=settings.procedure_code, recursive=recursive,
                report_path=str(report) if report else None,
                config_file=str(config) if config else None, dossier_code=dossier_code))
        batch = BatchReport.from_dict(result)
        print_batch_summary(console, batch)
    if manifest is not None:
        _link_manifest(settings, manifest)
    raise typer.Exit(int(batch.exit_code))


def _checked_dossier_code(code: str | None) -> str | None:
    if code is None:
        return None
    from pipeline.links import LinkError, check_dossier_code

    try:
        return check_dossier_code(code)
    except LinkError as e:
        _usage_error("--dossier-code", e.message)
        raise  # unreachable: _usage_error exits


def _usage_error(option: str, message: str) -> None:
    """A wrong option value: one line naming the option, exit code 2 (as click's own)."""
    err.print(_("Invalid value for {option}: {message}").format(option=option, message=message),
              markup=False)
    raise typer.Exit(2)


def _link_manifest(settings: Settings, manifest: Path) -> None:
    """Link the batch manifest's files to their dossiers (the index only: no S3 needed)."""
    from pipeline.links import apply_manifest
    from pipeline.services import open_index

    with open_index(settings) as index:
        outcome = apply_manifest(index, manifest, linked_by=settings.clerk or "sohoa")
    console.print(_("Manifest {path}: {linked} result(s) linked to their dossier, {already} "
                    "already linked.").format(path=manifest, linked=len(outcome.linked),
                                              already=len(outcome.already)))
    for problem in outcome.problems:
        err.print(_("{path}, line {line}, column {column}: {message}").format(
            path=manifest, line=problem.line, column=problem.column, message=problem.message),
            markup=False)  # the local Prefect server is stopped last


def _say_stopping(signal_name: str) -> None:
    err.print(_("{signal}: stopping. No new file is started; files in progress are finished or "
                "abandoned, then the report is written. Send it again (Ctrl-C) to stop at once."
                ).format(signal=signal_name), style="yellow", markup=False)


def _stop_now(signal_name: str) -> None:
    from sohoa.interrupt import exit_now

    err.print(_("{signal} again: stopping at once. Files in progress are abandoned and no "
                "report is written; run the batch again.").format(signal=signal_name),
              style="yellow", markup=False)
    exit_now(signal_name)


@contextlib.contextmanager
def _prefect_api(settings: Settings, stop: StopRequest) -> Iterator[None]:
    """A local Prefect server for this run, unless the operator points at one (server mode)."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from sohoa.prefect_server import LocalPrefectServer, PrefectServerError

    server = LocalPrefectServer(settings.data_path / "prefect",
                                should_stop=lambda: stop.requested)
    try:
        url = server.start()
    except InterruptedError:
        yield  # the caller sees the stop request and reports it
        return
    except PrefectServerError as e:
        raise ConfigurationError(str(e), code="PREFECT_SERVER") from e
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        _flush_prefect_logs()  # else a failed flow's last records meet a stopped server
        server.stop()
        os.environ.pop("PREFECT_API_URL", None)


def _flush_prefect_logs() -> None:
    """Send the log records still queued for the local Prefect server while it runs (a batch
    stopped by a storage fault ends with a failed flow run, whose records are the last)."""
    with contextlib.suppress(Exception):  # a log we cannot send must not hide the outcome
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)


def _task_runner(settings: Settings) -> Any:
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=max(1, settings.documents_in_parallel))


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@app.command(help=_(
    "List a person's reusable documents: signed copies stored or approved after review, the "
    "person's own and those naming them as a party (with their role)."))
def lookup(
    owner_id: Annotated[str, typer.Option(
        help=_("Owner's citizen id (CCCD/CMND) or tax code."))],
    doc_type: Annotated[str | None, typer.Option(
        "--type", help=_("Document type, e.g. 'GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH'."))] = None,
    include_pending: Annotated[bool, typer.Option(
        "--include-pending", help=_("Also list documents still waiting for review."))] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.labels import party_role_label
    from pipeline.queries import lookup_matches
    from sohoa.console import print_documents

    settings = _settings(config)
    with _index(settings) as index:
        matches = lookup_matches(index, owner_id=owner_id, doc_type=doc_type,
                                 include_pending=include_pending)
    rows = [m.row for m in matches]
    if as_json:
        print(json.dumps([{**m.row.model_dump(mode="json"), "role": m.role} for m in matches],
                         ensure_ascii=False, indent=2))
    else:
        print_documents(console, rows)
        for m in matches:
            if m.role != "owner":
                console.print(_("{id}: role {role} ({label})").format(
                    id=m.row.id, role=m.role, label=party_role_label(m.role)),
                    markup=False, highlight=False)
        if not rows:
            err.print(_("No stored document for owner {owner_id}.").format(owner_id=owner_id),
                      markup=False)


DocIdArgument = Annotated[str, typer.Argument(help=_("Document id (or a unique prefix)."))]


@app.command(help=_("Print one record: metadata, OCR text, per-page confidence, hashes, storage "
                    "keys."))
def show(
    doc_id: DocIdArgument,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.queries import load_record
    from sohoa.console import print_record

    settings = _settings(config)
    with _index(settings) as index:  # the index holds the current record: no S3 needed
        row, record = load_record(index, None, doc_id)
    if as_json:
        print(json.dumps({"index": row.model_dump(mode="json"), "record": record},
                         ensure_ascii=False, indent=2))
    else:
        print_record(console, row, record)


@app.command(help=_("Download the signed PDF (or the original scan) of a document."))
def get(
    doc_id: DocIdArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("Where to write the PDF."))],
    original: Annotated[bool, typer.Option(
        help=_("Download the original scan instead."))] = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.queries import fetch_document_file

    settings = _settings(config)
    with _reader(settings) as (index, store):
        data = fetch_document_file(index, store, doc_id, original=original)
    output.write_bytes(data)
    err.print(_("wrote {path} ({size:,} bytes)").format(path=output, size=len(data)),
              markup=False)


@app.command(help=_("Re-check signature and stored hashes; the verdict in the language of "
                    "SOHOA_LANG.\n\nExit code 0 when valid, 1 when not."))
def verify(
    target: Annotated[str, typer.Argument(help=_("Document id, or a path to a signed PDF."))],
    offline: Annotated[bool, typer.Option(
        help=_("Do not fetch CRL/OCSP: use only revocation data embedded in the PDF or "
               "configured as SOHOA_CRL_FILES."))] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.queries import TrustSettings, verify_file, verify_stored

    settings = _settings(config)
    trust = TrustSettings(_trust_roots(settings), list(settings.crl_files),
                          allow_fetching=settings.revocation_fetching and not offline)
    path = Path(target)
    if path.is_file():
        result = verify_file(path, trust=trust)
    else:
        with _reader(settings) as (index, store):
            result = verify_stored(index, store, target, trust=trust)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        from sohoa.console import print_signature_summaries

        console.print(result.render(current_language()), markup=False)
        print_signature_summaries(console, result.signature.to_dict()["signatures"])
    raise typer.Exit(0 if result.ok else 1)


@app.command(help=_(
    "List documents needing review, or correct fields and approve / reject one.\n\n"
    "The signed PDF is never modified: corrections go to the index and a new version of the "
    "JSON record, with who and when."))
def review(
    doc_id: Annotated[str | None, typer.Argument(
        help=_("Document to review; without it, list the documents waiting for review."))
    ] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help=_("Correct a field: field=value (repeatable), e.g. "
                        "issue_date=2024-03-05. An empty value clears the field."))] = None,
    party: Annotated[list[str] | None, typer.Option(
        "--party", help=_("Add a party: role:name:id (repeatable); N=role:name:id replaces "
                          "party N as `sohoa show` numbers them, N= removes it. The owner is "
                          "corrected with --set owner_id=… instead."))] = None,
    approve: Annotated[bool, typer.Option(
        help=_("Approve the document after the corrections (default)."))] = True,
    reject: Annotated[str | None, typer.Option(
        help=_("Reject the document with this reason instead of approving it."))] = None,
    by: Annotated[str | None, typer.Option(
        help=_("Reviewer name (default: SOHOA_CLERK)."))] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.labels import review_reason_text
    from sohoa.console import print_documents, print_record

    settings = _settings(config)
    if doc_id is None:  # the list: index only (no S3, no extraction code to load)
        from pipeline.queries import pending_review_rows

        with _index(settings) as index:
            rows = pending_review_rows(index)
        if as_json:
            print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False,
                             indent=2))
            return
        print_documents(console, rows)
        for row in rows:
            console.print(f"{row.id}: " + "; ".join(review_reason_text(r)
                                                     for r in row.review_reasons), markup=False)
        return
    from pipeline.extract import ExtractOptions
    from pipeline.review import (
        ReviewDecision,
        parse_assignments,
        parse_party_edits,
        review_document,
    )

    decision = ReviewDecision(parse_assignments(set_ or []), by or settings.clerk,
                              approve=approve, reject_reason=reject,
                              party_edits=parse_party_edits(party or []))
    options = ExtractOptions(review_threshold=settings.review_threshold,
                             today=datetime.now(UTC).date())
    with _reader(settings) as (index, store):
        row = review_document(index, store, doc_id, decision, options=options)
        from pipeline.queries import load_record

        row, record = load_record(index, store, row.id)
    if as_json:
        print(json.dumps({"index": row.model_dump(mode="json"), "record": record},
                         ensure_ascii=False, indent=2))
    else:
        print_record(console, row, record)


def _trust_roots(settings: Settings) -> list[Path]:
    roots = list(settings.trust_roots)
    test_root = settings.data_path / "test-pki" / "root.crt.pem"
    if settings.uses_test_pki and test_root.exists():
        roots.append(test_root)
    return roots


def _index(settings: Settings) -> Any:
    from pipeline.services import open_index

    return open_index(settings)


def _reader(settings: Settings) -> Any:
    from pipeline.services import open_reader

    return open_reader(settings)


@app.command(help=_("Print the sohoa version."))
def version() -> None:
    print(f"sohoa {__version__}")


def _startup_logging() -> tuple[Path, str]:
    """The data folder and log format from the environment, for the log file, before any
    command runs."""
    try:
        settings = load_settings()
        return settings.data_path, settings.log_format
    except ConfigurationError:  # reported by the command itself, with its exit code
        return Settings.model_fields["data_dir"].get_default().expanduser().resolve(), "text"


def main() -> None:
    """Console entry point: turns errors into messages and exit codes, in this one place.

    Library logs go to `<data dir>/logs/sohoa.log`, never to the clerk's terminal."""
    from pipeline.logs import configure_logging

    data_path, log_format = _startup_logging()
    configure_logging(data_path, fmt=log_format)
    try:
        code = app(standalone_mode=False)
    except typer.Exit as e:  # raised inside commands; click returns it as a value elsewhere
        sys.exit(e.exit_code)
    except ConfigurationError as e:
        err.print(_("configuration error ({code}):").format(code=e.code), style="red",
                  markup=False, end=" ")
        err.print(e.message, markup=False)
        sys.exit(int(ExitCode.CONFIGURATION))
    except SohoaError as e:
        err.print(f"[red]{e.code}:[/red] {e.message}")
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - typer/click usage errors and the unexpected
        import click
        from typer._click import exceptions as typer_click  # Typer 0.29 vendors Click

        if isinstance(e, click.exceptions.ClickException | typer_click.ClickException):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            err.print(_("aborted"))
            sys.exit(130)
        if isinstance(e, _service_errors()):
            err.print(f"[red]{getattr(e, 'code', 'ERROR')}:[/red] {getattr(e, 'message', e)}")
            sys.exit(int(ExitCode.CONFIGURATION))
        raise
    sys.exit(code if isinstance(code, int) else 0)


def _service_errors() -> tuple[type[Exception], ...]:
    from signing.errors import SigningError
    from storage.errors import StorageError

    return (StorageError, SigningError)


from sohoa.cli_api import register_api_commands  # noqa: E402  (serve, clients, access-log)
from sohoa.cli_archive import register as _register_archive_commands  # noqa: E402

register_api_commands(app)
_register_archive_commands(app)  # search, scrub, s3 start|stop|status
from sohoa.cli_web import register_web_commands  # noqa: E402  (users)

register_web_commands(app)

from sohoa.cli_audit import register_audit_commands  # noqa: E402  (report, dossiers, link, …)

register_audit_commands(app)

from sohoa.cli_batches import register_batch_commands  # noqa: E402  (batches, metrics)

register_batch_commands(app)

from sohoa.cli_scale import register_scale_commands  # noqa: E402  (submit, quarantine, worker)

register_scale_commands(app)

if __name__ == "__main__":
    main()
