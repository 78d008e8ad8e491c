"""The auditors' KPI report: Decision 766 indicators of one period as HTML, CSV or JSON.

Every report names its inputs (the data source, the period, the grouping, the cut-off, the
targets, the number of dossiers and a SHA-256 of the facts and parameters) and is reproducible:
the same data gives the same bytes, apart from the one line that says when it was generated.

Language: the labels go through `pipeline.i18n._` (English msgids, Vietnamese catalog), so the
report is in the current language (Vietnamese by default); CSV and JSON keys are never
translated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from pipeline.i18n import _, current_language, install_gettext
from pipeline.kpi import (
    INDICATORS,
    VIETNAM_TIME,
    GroupResult,
    IndicatorValue,
    Period,
    Targets,
    compute_report,
    compute_series,
    decimal_text,
)
from pipeline.kpi_charts import Bar, SeriesPoint, bar_chart, line_chart
from pipeline.kpi_data import LoadedFacts, load_facts
from pipeline.labels import verdict_label
from storage.index import DocumentIndex
from storage.objects import ObjectStore

FORMATS = ("html", "csv", "json")
SERIES_LENGTH = {"month": 12, "quarter": 8, "year": 5}
REPORT_KIND = "sohoa-kpi-766"
REPORT_VERSION = 1


def indicator_name(indicator: str) -> str:
    names = {"4.1": _("Share of procedure results digitized"),
             "4.2": _("Share of procedure dossiers digitized"),
             "4.3": _("Share of digitized data reused")}
    return names[indicator]


def level_name(level: str | None) -> str:
    names = {"ministry": _("Ministry level"), "province": _("Province level"),
             "district": _("District level"), "commune": _("Commune level")}
    return names.get(level or "", level or "")


def period_name(period: Period) -> str:
    last = period.end.toordinal() - 1
    span = (f"{period.start:%d/%m/%Y} – "
            f"{datetime.fromordinal(last).date():%d/%m/%Y}")
    if period.kind == "year":
        name = _("Year {year}").format(year=period.start.year)
    elif period.kind == "quarter":
        name = _("Quarter {quarter}/{year}").format(quarter=(period.start.month - 1) // 3 + 1,
                                               year=period.start.year)
    else:
        name = _("Month {month:02d}/{year}").format(month=period.start.month,
                                                   year=period.start.year)
    return f"{name} ({span})"


def short_label(period: Period) -> str:
    """Q3/24, 07/24 or 2024: eight to twelve of them fit under a chart."""
    if period.kind == "quarter":
        return f"Q{(period.start.month - 1) // 3 + 1}/{period.start.year % 100:02d}"
    if period.kind == "month":
        return f"{period.start.month:02d}/{period.start.year % 100:02d}"
    return str(period.start.year)


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    by: tuple[str, ...] = ()
    targets: Targets = field(default_factory=Targets)
    targets_label: str = "Quyết định 468/QĐ-TTg"
    as_of: datetime | None = None

    def canonical(self) -> dict[str, Any]:
        targets = {ind: {lvl: {str(y): decimal_text(r, 4) for y, r in sorted(years.items())}
                         for lvl, years in sorted(levels.items())}
                   for ind, levels in sorted(self.targets.overrides.items())}
        return {"period": self.period.label, "by": list(self.by),
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "targets": targets, "targets_label": self.targets_label}


@dataclass(frozen=True)
class KpiReport:
    request: ReportRequest
    source: str
    generated_at: datetime
    inputs_sha256: str
    dossiers_loaded: int
    groups: list[GroupResult]  # the period's total first, then the groups asked for
    series: list[GroupResult]  # totals of the trailing periods, oldest first
    agencies: list[GroupResult]  # per agency, for the bars
    ambiguous: dict[str, list[str]]

    @property
    def total(self) -> GroupResult:
        return self.groups[0]


def series_periods(period: Period) -> list[Period]:
    return period.trailing(SERIES_LENGTH[period.kind])


def build_report(index: DocumentIndex, request: ReportRequest, *,
                 generated_at: datetime) -> KpiReport:
    periods = series_periods(request.period)
    loaded = load_facts(index, start=periods[0].start, end=periods[-1].end, as_of=request.as_of)
    return report_from_facts(loaded, request, generated_at=generated_at)


def report_from_facts(loaded: LoadedFacts, request: ReportRequest, *,
                      generated_at: datetime) -> KpiReport:
    facts, period = loaded.facts, request.period
    groups = compute_report(facts, period, by=request.by, targets=request.targets,
                            as_of=request.as_of)
    series = compute_series(facts, series_periods(period), targets=request.targets,
                            as_of=request.as_of)
    agencies = compute_report(facts, period, by=("agency",), targets=request.targets,
                              as_of=request.as_of)[1:]
    digest = hashlib.sha256(json.dumps({"facts": loaded.digest(), **request.canonical()},
                                       sort_keys=True).encode()).hexdigest()
    return KpiReport(request, loaded.source, generated_at, digest, len(facts), groups, series,
                     agencies, loaded.ambiguous)


# --- machine formats -------------------------------------------------------------------------

def _inputs(report: KpiReport) -> dict[str, Any]:
    return {"source": report.source, **report.request.canonical(),
            "dossiers_loaded": report.dossiers_loaded, "inputs_sha256": report.inputs_sha256,
            "generated_at": report.generated_at.isoformat()}


def _group_dict(group: GroupResult, by: Sequence[str]) -> dict[str, Any]:
    return {"period": group.period.label, "group": group.key.as_dict(by),
            "dossiers": group.dossiers, "indicators": [v.to_dict() for v in group.values]}


def to_json(report: KpiReport) -> str:
    by = report.request.by
    data = {"report": REPORT_KIND, "version": REPORT_VERSION, "inputs": _inputs(report),
            "groups": [_group_dict(g, by) for g in report.groups],
            "series": [_group_dict(g, ()) for g in report.series],
            "agencies": [_group_dict(g, ("agency",)) for g in report.agencies],
            "ambiguous_inferences": report.ambiguous}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("period", "agency", "level", "procedure", "indicator", "numerator",
               "numerator_inferred", "denominator", "pending", "rate", "points", "max_points",
               "target", "verdict")


def to_csv(report: KpiReport) -> str:
    """One row per group and indicator; the inputs as `# key: value` lines first (read with
    `pandas.read_csv(f, comment="#")`). Empty group columns are the total."""
    out = io.StringIO()
    for key, value in _inputs(report).items():
        out.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in report.groups:
        for value in group.values:
            d = value.to_dict()
            writer.writerow([group.period.label, group.key.agency or "", group.key.level or "",
                             group.key.procedure or "", value.indicator, value.numerator,
                             value.inferred, value.denominator, value.pending,
                             d["rate"] or "", d["points"] or "", value.max_points,
                             d["target"] or "", value.verdict])
    return out.getvalue()


# --- HTML ------------------------------------------------------------------------------------

def percent(rate: Fraction | None) -> str:
    text = decimal_text(rate * 100 if rate is not None else None, 1)
    return "—" if text is None else text.replace(".", ",") + " %"


def points_text(value: IndicatorValue) -> str:
    text = decimal_text(value.points, 2)
    return "—" if text is None else f"{text.replace('.', ',')} / {value.max_points}"


def _series_points(report: KpiReport, indicator: str) -> list[SeriesPoint]:
    points = []
    for group in report.series:
        value = group.value(indicator)
        points.append(SeriesPoint(short_label(group.period), value.rate, value.target,
                                  value.met))
    return points


def _bars(report: KpiReport, indicator: str) -> list[Bar]:
    return [Bar(g.key.agency or "", g.value(indicator).rate, g.value(indicator).target,
                g.value(indicator).met,
                f"{g.value(indicator).numerator}/{g.value(indicator).denominator}")
            for g in report.agencies]


def _template() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("pipeline", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      keep_trailing_newline=True, extensions=["jinja2.ext.i18n"])
    install_gettext(env)
    env.globals.update(percent=percent, points_text=points_text,
                       indicator_name=indicator_name, level_name=level_name,
                       verdict_label=verdict_label,
                       lang=current_language())
    return env.get_template("kpi_report.html.j2")


def to_html(report: KpiReport) -> str:
    from markupsafe import Markup

    charts = {ind: {
        "line": Markup(line_chart(_("{name}: share by period").format(name=ind),
                                  _series_points(report, ind), target_label=_("target"))),
        "bars": Markup(bar_chart(_("{name} by agency").format(name=ind),
                                 _bars(report, ind)))} for ind in INDICATORS}
    generated = report.generated_at.astimezone(VIETNAM_TIME)
    return str(_template().render(
        report=report, total=report.total, indicators=INDICATORS, charts=charts,
        period=period_name(report.request.period), by=report.request.by,
        inputs=_inputs(report), generated=f"{generated:%d/%m/%Y %H:%M:%S} (UTC+07:00)",
        as_of=(f"{report.request.as_of.astimezone(VIETNAM_TIME):%d/%m/%Y %H:%M}"
               if report.request.as_of else None)))


def render(report: KpiReport, fmt: str) -> str:
    renderers = {"html": to_html, "csv": to_csv, "json": to_json}
    return renderers[fmt](report)


CONTENT_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
                 "json": "application/json"}


def report_key(report: KpiReport, fmt: str) -> str:
    """One key per period and format; the versioned bucket keeps every earlier edition."""
    return f"kpi-766/{report.request.period.label}/report.{fmt}"


def publish_report(report: KpiReport, store: ObjectStore, bucket: str) -> dict[str, str]:
    """Write the report in every format to the reports bucket; returns format → key."""
    store.ensure_bucket(bucket, versioning=True)
    keys = {}
    for fmt in FORMATS:
        key = report_key(report, fmt)
        store.put(bucket, key, render(report, fmt).encode("utf-8"),
                  content_type=CONTENT_TYPES[fmt])
        keys[fmt] = key
    return keys
