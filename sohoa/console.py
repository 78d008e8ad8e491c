"""Terminal presentation for the CLI: progress bar, batch summary, document tables."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pipeline.i18n import _, display_date, ngettext
from pipeline.labels import (
    field_label,
    party_role_label,
    review_reason_text,
    status_label,
)
from pipeline.report import (
    DUPLICATE,
    FAILED,
    INTERRUPTED,
    NEEDS_REVIEW,
    QUARANTINED,
    RETRYABLE,
    STORED,
    BatchReport,
    DocumentOutcome,
)
from storage.index import DocumentRow

STATUS_STYLE = {STORED: "green", DUPLICATE: "cyan", NEEDS_REVIEW: "yellow",
                QUARANTINED: "red", RETRYABLE: "bold yellow", FAILED: "bold red",
                INTERRUPTED: "magenta"}


class BatchProgressBar:
    """Documents done of total, pages done and page rate, elapsed and remaining time."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn(_("docs · {pages} pages · {rate}").format(
                pages="{task.fields[pages]}", rate="{task.fields[rate]}")),
            TimeElapsedColumn(), TextColumn(_("left")), TimeRemainingColumn(),
            console=console, transient=False,
        )
        self._task: Any = None
        self._pages = 0
        self._lock = threading.Lock()

    def __enter__(self) -> BatchProgressBar:
        self._progress.start()
        self._task = self._progress.add_task(_("digitizing"), total=None, pages=0, rate="—")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def batch_started(self, documents: int) -> None:
        self._progress.update(self._task, total=documents)

    def page_done(self, document: str) -> None:
        with self._lock:
            self._pages += 1
            elapsed = self._progress.tasks[0].elapsed or 0.0
            rate = _("{rate:.1f} pages/min").format(rate=self._pages / elapsed * 60) \
                if elapsed > 0 else "—"
            self._progress.update(self._task, pages=self._pages, rate=rate)

    def document_done(self, outcome: DocumentOutcome) -> None:
        self._progress.update(self._task, advance=1)


def print_batch_summary(console: Console, report: BatchReport) -> None:
    counts = report.counts
    summary = Table(title=_("Batch {id}").format(id=report.batch_id), show_header=True)
    for status in counts:
        summary.add_column(status_label(status), justify="right", style=STATUS_STYLE.get(status))
    summary.add_row(*(str(n) for n in counts.values()))
    console.print(summary)
    # Files left by a stop are counted, not listed: the report names them.
    problems = [i for i in report.items
                if i.status in (QUARANTINED, RETRYABLE, FAILED, NEEDS_REVIEW)]
    if problems:
        table = Table(title=_("Needs attention"), show_lines=False)
        table.add_column(_("file"), overflow="fold")
        table.add_column(_("status"))
        table.add_column(_("reason"), overflow="fold")
        for item in problems:
            message = (item.message or "").removeprefix(f"{item.path}: ")
            reason = (f"{item.reason_code}: {message}" if item.reason_code
                      else "; ".join(review_reason_text(r) for r in item.review_reasons))
            table.add_row(_short_path(item.path),
                          f"[{STATUS_STYLE[item.status]}]{status_label(item.status)}[/]", reason)
        console.print(table)
    if report.counts[RETRYABLE]:
        console.print(_("{count} file(s) retryable: a service did not answer in time (the "
                        "reason names it); nothing of them was stored. Run the same command "
                        "again once it is back.").format(count=report.counts[RETRYABLE]),
                      style="yellow")
    if report.stopped_by is not None:
        left = report.counts[INTERRUPTED]
        console.print(_("Stopped by {signal}: {count} file(s) not processed. Run the same "
                        "command again to finish; what is stored is not redone.").format(
                            signal=report.stopped_by, count=left), style="magenta")
    console.print(ngettext("{pages} page digitized · exit code {code}",
                           "{pages} pages digitized · exit code {code}", report.pages).format(
                               pages=report.pages, code=int(report.exit_code)))


def _short_path(path: str) -> str:
    """Relative to the working folder when inside it: easier to read in a narrow table."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def print_documents(console: Console, rows: list[DocumentRow]) -> None:
    """One short block per document: readable in an 80-column terminal as in a wide one."""
    for r in rows:
        head = "  ".join([
            f"[bold]{r.id}[/bold]", r.doc_type or "—", r.number_symbol or "—",
            display_date(r.issue_date) if r.issue_date else "—",
            f"[{STATUS_STYLE.get(r.status, 'green')}]{status_label(r.status)}[/]",
            f"PAdES {r.signature_level}" if r.signature_level else _("unsigned"),
        ])
        console.print(head, highlight=False)
        console.print("  " + _("issuer: {agency}").format(agency=r.issuing_agency or "—"),
                      markup=False, highlight=False)
        if r.signed_key:
            console.print("  " + _("signed copy: {key}").format(
                key=f"{r.signed_bucket}/{r.signed_key}"), markup=False, highlight=False,
                overflow="fold")
    console.print(ngettext("{n} document", "{n} documents", len(rows)).format(n=len(rows)),
                  style="dim")


def print_record(console: Console, row: DocumentRow, record: dict[str, Any] | None) -> None:
    table = Table(show_header=False, title=_("Document {id}").format(id=row.id))
    table.add_column(_("field"), style="bold")
    table.add_column(_("value"), overflow="fold")
    fields = (record or {}).get("metadata", {}).get("fields", {})
    table.add_row(_("status"), status_label(row.status) + (
        f" ({row.reason_code}: {row.reason_message})" if row.reason_code else ""))
    for reason in row.review_reasons:
        table.add_row(_("review"), review_reason_text(reason))
    for name, info in fields.items():
        value = info.get("value") if isinstance(info, dict) else info
        conf = info.get("confidence") if isinstance(info, dict) else None
        table.add_row(field_label(name), _field_text(name, value, conf))
    for number, party in enumerate((record or {}).get("metadata", {}).get("parties", []), 1):
        table.add_row(_("party {number}").format(number=number), _party_text(party))
    table.add_row(_("original"), f"{row.original_name}\nsha256 {row.original_sha256}\n"
                  f"{row.original_bucket}/{row.original_key}")
    if row.signed_key:
        table.add_row(_("signed copy"), f"sha256 {row.signed_sha256}\n"
                      f"{row.signed_bucket}/{row.signed_key} (PAdES {row.signature_level})")
        table.add_row(_("record"), f"{row.record_bucket}/{row.record_key}")
    for key in ("result_code", "digitized_id", "agency_code", "procedure_code"):
        if getattr(row, key):
            table.add_row(key, str(getattr(row, key)))
    console.print(table)
    print_signature_summaries(
        console, (record or {}).get("original", {}).get("existing_signatures", []),
        title=_("Signatures already on the original"))
    for page in (record or {}).get("pages", []):
        console.rule(_("page {n} · {source} · confidence {confidence:.0f} · quality "
                       "{quality:.2f}").format(n=page["index"] + 1, source=page["source"],
                                               confidence=page["confidence"],
                                               quality=page.get("quality", 1)))
        console.print(page.get("text", ""), markup=False, highlight=False)


def _party_text(party: dict[str, Any]) -> str:
    """`Person the decision is about (decision_subject): Trần Văn Bình, 045085001234 (cccd)`:
    the role's label and its code (what `review --party` takes), the name and the id."""
    role = str(party.get("role") or "")
    who = ", ".join(str(party[k]) for k in ("name", "id") if party.get(k)) or "—"
    kind = f" ({party['id_kind']})" if party.get("id_kind") else ""
    return f"{party_role_label(role)} ({role}): {who}{kind}"


def _field_text(name: str, value: Any, confidence: float | None) -> str:
    """A field value as a clerk reads it: dates dd/mm/yyyy in Vietnamese, its confidence."""
    if value in (None, "", []):
        shown = "—"
    elif name in ("issue_date", "owner_birth_date", "valid_until") and isinstance(value, str):
        shown = _("permanent") if value == "permanent" else display_date(value)
    else:
        shown = str(value)
    if confidence is not None:
        shown += "  [dim]" + _("(confidence {confidence:.2f})").format(
            confidence=confidence) + "[/dim]"
    return shown


def print_signature_summaries(console: Console, signatures: list[dict[str, Any]], *,
                              title: str | None = None) -> None:
    """One plain sentence per signature (who signed, what is wrong), e.g. for a scan that came
    in already signed by another agency."""
    from pipeline.signatures import signature_summary

    if not signatures:
        return
    console.print(f"{title or _('Summary')}:", style="bold")
    for signature in signatures:
        console.print(f"  {signature_summary(signature)}", markup=False, highlight=False)
