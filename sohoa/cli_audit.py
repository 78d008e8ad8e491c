"""The auditors' commands: `sohoa dossiers import`, `sohoa link`, `sohoa reuse record`,
`sohoa report` and `sohoa audit-sample`.

Registered on the main `sohoa` app by `register_audit_commands` (called at the bottom of
`sohoa/cli.py`); this module never imports `sohoa.cli`. Errors raised here become exit codes in
`sohoa.cli.main`, like every other command's.
"""

from __future__ import annotations

import csv
import json
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.i18n import _
from pipeline.settings import Settings, load_settings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # file names and messages stay on one line

EXIT_ROWS_REJECTED = 3  # like `digitize`'s quarantine: the good rows were processed
EXIT_AUDIT_FAILED = 1  # like `verify`: something did not verify

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help=_("TOML settings file (keys as in SOHOA_* variables, lower case)."))]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
PeriodOption = Annotated[str, typer.Option(
    help=_("Period by receipt date: a year (2024), a quarter (2024-Q3) or a month (2024-07)."))]

dossiers_app = typer.Typer(name="dossiers", no_args_is_help=True, rich_markup_mode=None,
                           help=_("The register of dossiers received by one-stop shops."))
reuse_app = typer.Typer(name="reuse", no_args_is_help=True, rich_markup_mode=None,
                        help=_("Reuse of digitized documents in new dossiers (indicator 4.3)."))


@contextmanager
def _index(settings: Settings) -> Iterator[Any]:
    from pipeline.services import open_index

    with open_index(settings) as index:
        yield index


@dossiers_app.command("import", help=_(
    "Import dossiers (CSV or JSON): every good row is registered, every bad one reported by"
    " row and column. Importing the same file again changes nothing.\n\n"
    "Exit codes: 0 every row imported; 3 some rows were rejected (the others were "
    "imported)."))
def import_(
    file: Annotated[Path, typer.Argument(help=_("The one-stop-shop export, CSV or JSON."))],
    errors: Annotated[Path | None, typer.Option(
        help=_("Also write the rejected rows as CSV (row, column, message) here."))] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.dossier_import import import_dossiers

    with _index(load_settings(config)) as index:
        outcome = import_dossiers(index, file)
    problems = [{"row": p.row, "column": p.column, "message": p.message}
                for p in outcome.problems]
    if errors is not None:
        with errors.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=["row", "column", "message"])
            writer.writeheader()
            writer.writerows(problems)
    if as_json:
        print(json.dumps({"file": str(file), "rows": outcome.rows, "created": outcome.created,
                          "updated": outcome.updated, "unchanged": len(outcome.unchanged),
                          "rejected_rows": outcome.rejected_rows, "problems": problems},
                         ensure_ascii=False, indent=2))
    else:
        _print_import(file, outcome)
    raise typer.Exit(EXIT_ROWS_REJECTED if problems else 0)


def _print_import(file: Path, outcome: Any) -> None:
    console.print(_("{file}: {rows} rows; {created} new, {updated} updated, {unchanged} "
                    "unchanged, {rejected} rejected").format(
        file=file, rows=outcome.rows, created=len(outcome.created),
        updated=len(outcome.updated), unchanged=len(outcome.unchanged),
        rejected=outcome.rejected_rows), markup=False)
    if outcome.problems:
        table = Table(_("row"), _("column"), _("problem"), title=_("Rejected rows"))
        for p in outcome.problems:
            table.add_row(str(p.row), p.column, p.message)
        console.print(table)
        err.print(_("Fix these rows in the export and import it again; the rows already "
                    "imported stay as they are."), markup=False)


def link(
    documents: Annotated[list[str] | None, typer.Argument(
        help=_("Document ids (or unique prefixes) to link to --dossier-code."))] = None,
    dossier_code: Annotated[str | None, typer.Option(
        help=_("The dossier these digitized results belong to."))] = None,
    manifest: Annotated[Path | None, typer.Option(
        help=_("A CSV with the columns file,dossier_code (a backlog batch's scans)."))] = None,
    by: Annotated[str | None, typer.Option(help=_("Who links (default: SOHOA_CLERK)."))] = None,
    config: ConfigOption = None,
) -> None:
    from pipeline.links import apply_manifest, link_result

    if (manifest is None) == (dossier_code is None) or (dossier_code and not documents):
        raise typer.BadParameter(_("give either --dossier-code CODE with document ids, or "
                                   "--manifest FILE"))
    settings = load_settings(config)
    clerk = by or settings.clerk
    with _index(settings) as index:
        if manifest is not None:
            outcome = apply_manifest(index, manifest, linked_by=clerk)
            console.print(_("{linked} linked, {already} already linked, {problems} not applied")
                          .format(linked=len(outcome.linked), already=len(outcome.already),
                                  problems=len(outcome.problems)), markup=False)
            for p in outcome.problems:
                err.print(f"{manifest}:{p.line} [{p.column}] {p.message}", markup=False)
            raise typer.Exit(EXIT_ROWS_REJECTED if outcome.problems else 0)
        assert dossier_code is not None
        for doc in documents or []:
            row, created = link_result(index, dossier_code=dossier_code, document_id=doc,
                                       linked_by=clerk)
            state = _("linked") if created else _("already linked")
            console.print(f"{row.document_id} → {row.dossier_code}: {state}", markup=False)


@reuse_app.command("record", help=_(
    "Record that a digitized document was reused as a component of a dossier."))
def reuse_record(
    dossier: Annotated[str, typer.Option(help=_("Code of the new dossier."))],
    document: Annotated[str, typer.Option(help=_("Id of the digitized document reused in it."))],
    procedure: Annotated[str | None, typer.Option(help=_("Procedure code of the dossier."))] = None,
    purpose: Annotated[str, typer.Option(help=_("Why it was reused."))] = "tái sử dụng tại "
                                                                        "bộ phận một cửa",
    config: ConfigOption = None,
) -> None:
    from pipeline.queries import get_row
    from pipeline.reuse import ReuseRequest, record_reuse

    with _index(load_settings(config)) as index:
        doc_id = get_row(index, document).id
        outcome = record_reuse(index, ReuseRequest(dossier, doc_id, purpose, procedure),
                               client_id="cli")
    state = _("recorded") if outcome.created else _("already recorded")
    console.print(f"{doc_id} → {dossier}: {state}", markup=False)


def _targets(path: Path | None) -> tuple[Any, str]:
    from pipeline.kpi import KpiError, Targets

    if path is None:
        return Targets(), "Quyết định 468/QĐ-TTg"
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as e:
        raise KpiError(_("targets file {file}: {error}").format(file=path, error=e)) from e
    return Targets.from_mapping(data), f"{path.name} (Quyết định 468/QĐ-TTg ngoài tệp)"


def _as_of(text: str | None) -> datetime | None:
    from pipeline.dossier_import import parse_time
    from pipeline.kpi import VIETNAM_TIME, KpiError

    if text is None:
        return None
    try:
        moment = parse_time(text)
    except ValueError as e:
        raise KpiError(_("--as-of {text!r}: write 2024-10-05 or 2024-10-05T17:00+07:00")
                       .format(text=text)) from e
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TIME)


def report(
    period: PeriodOption,
    by: Annotated[str | None, typer.Option(
        help=_("Group by agency, level and/or procedure, comma-separated."))] = None,
    fmt: Annotated[str, typer.Option("--format", help=_("html, csv or json."))] = "html",
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help=_("Write here instead of standard output."))] = None,
    as_of: Annotated[str | None, typer.Option(
        help=_("Freeze the data at this moment (e.g. 2024-10-05): later events are left out."))
    ] = None,
    targets: Annotated[Path | None, typer.Option(
        help=_("Targets per indicator, level and year (JSON or TOML) instead of Decision 468's, "
               "e.g. {\"4.1\": {\"province\": {\"2024\": 0.9}}}."))] = None,
    config: ConfigOption = None,
) -> None:
    from pipeline.kpi import parse_period
    from pipeline.kpi_report import FORMATS, ReportRequest, build_report, render

    if fmt not in FORMATS:
        raise typer.BadParameter(_("--format must be html, csv or json"))
    target_values, label = _targets(targets)
    request = ReportRequest(parse_period(period), tuple(
        d.strip() for d in (by or "").split(",") if d.strip()), target_values, label,
        _as_of(as_of))
    with _index(load_settings(config)) as index:
        built = build_report(index, request, generated_at=datetime.now(UTC).replace(
            microsecond=0))
    text = render(built, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(_("wrote {file}").format(file=output), markup=False)
    for value in built.total.values:
        d = value.to_dict()
        err.print(f"{value.indicator}: {value.numerator}/{value.denominator} "
                  f"rate={d['rate'] or '-'} points={d['points'] or '-'} {value.verdict}",
                  markup=False)


def _trust(settings: Settings, offline: bool) -> Any:
    from pipeline.queries import TrustSettings

    roots = list(settings.trust_roots)
    test_root = settings.data_path / "test-pki" / "root.crt.pem"
    if settings.uses_test_pki and test_root.exists():
        roots.append(test_root)
    return TrustSettings(roots, list(settings.crl_files),
                         allow_fetching=settings.revocation_fetching and not offline)


def audit_sample(
    n: Annotated[int, typer.Option("--n", min=1, help=_("How many documents to check."))] = 50,
    seed: Annotated[str, typer.Option(help=_("Seed of the draw: the same seed and data draw "
                                             "the same documents."))] = "0",
    period: Annotated[str | None, typer.Option(
        help=_("Only results behind this period's 4.1 numerator (2024-Q3, 2024-07, 2024)."))
    ] = None,
    offline: Annotated[bool, typer.Option(
        help=_("Do not fetch CRL/OCSP (use embedded or configured revocation data)."))] = False,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    from pipeline.audit import audit_sample as run_audit
    from pipeline.kpi import parse_period
    from pipeline.services import open_reader

    settings = load_settings(config)
    chosen = parse_period(period) if period else None
    with open_reader(settings) as (index, store):
        result = run_audit(index, store, n=n, seed=seed, trust=_trust(settings, offline),
                           period=chosen)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_audit(result)
    raise typer.Exit(EXIT_AUDIT_FAILED if result.failures else 0)


def _print_audit(result: Any) -> None:
    table = Table(_("document"), _("verdict"), _("problems"),
                  title=_("Sample of {sampled} from {population} (seed {seed})").format(
                      sampled=len(result.checks), population=result.population,
                      seed=result.seed))
    for check in result.checks:
        table.add_row(check.document_id, "OK" if check.ok else _("FAILED"),
                      "; ".join(check.problems()))
    console.print(table)
    console.print(_("{failures} of {sampled} failed").format(
        failures=len(result.failures), sampled=len(result.checks)), markup=False)


def register_audit_commands(app: typer.Typer) -> None:
    app.add_typer(dossiers_app)
    app.add_typer(reuse_app)
    app.command(help=_(
        "Link digitized results to their dossiers: by id, or by a batch manifest.\n\n"
        "Exit codes: 0 every link made (or already there); 3 some manifest rows were not "
        "applied."))(link)
    app.command(help=_(
        "Decision 766 indicators 4.1-4.3 of a period: numbers, points, targets, Đạt/Không "
        "đạt."))(report)
    app.command("audit-sample", help=_(
        "Re-verify a reproducible random sample of digitized results: signatures and stored "
        "hashes. Exit code 0 when every sampled document verifies, 1 otherwise."))(audit_sample)
