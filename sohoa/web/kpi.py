"""The KPI dashboard (Decision 766 indicators 4.1-4.3) with filters: period, agency, level.

Every number comes from `pipeline.kpi_report.build_report`, the object `sohoa report` writes its
CSV from: the dashboard for a period, agency and level shows the row of
`sohoa report --period P --by agency,level --format csv` for that agency and level (the total
row without filters), and offers that very CSV for download. Nothing is computed a second way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from pipeline.i18n import _
from pipeline.kpi import (
    INDICATORS,
    LEVELS,
    VIETNAM_TIME,
    GroupResult,
    parse_period,
    period_containing,
)
from pipeline.kpi_charts import Bar, SeriesPoint, bar_chart, line_chart
from pipeline.kpi_report import (
    KpiReport,
    ReportRequest,
    build_report,
    indicator_name,
    level_name,
    percent,
    period_name,
    points_text,
    short_label,
    to_csv,
)
from pipeline.users import Session
from sohoa.web.deps import State, area, render
from storage.index import DocumentIndex

router = APIRouter(prefix="/kpi")
Auditor = Annotated[Session, Depends(area("kpi"))]
Text = Annotated[str, Query(max_length=40)]


@dataclass(frozen=True)
class KpiFilter:
    period: str
    agency: str
    level: str

    @property
    def by(self) -> tuple[str, ...]:
        """The report's grouping that has exactly the row this filter asks for."""
        return tuple(d for d, v in (("agency", self.agency), ("level", self.level)) if v)

    def csv_name(self) -> str:
        parts = ["kpi-766", self.period, self.agency, self.level]
        return "-".join(p for p in parts if p) + ".csv"


def _filter(period: str, agency: str, level: str) -> KpiFilter:
    chosen = period.strip() or period_containing(datetime.now(VIETNAM_TIME).date(),
                                                 "quarter").label
    return KpiFilter(parse_period(chosen).label, agency.strip(),
                     level if level in LEVELS else "")


def report_for(index: DocumentIndex, chosen: KpiFilter) -> KpiReport:
    request = ReportRequest(parse_period(chosen.period), chosen.by)
    return build_report(index, request, generated_at=datetime.now(UTC).replace(microsecond=0))


def selected_group(report: KpiReport, chosen: KpiFilter) -> GroupResult | None:
    """The total without filters; else the group of that agency and level (None: no dossier)."""
    if not chosen.by:
        return report.total
    return next((g for g in report.groups[1:]
                 if (not chosen.agency or g.key.agency == chosen.agency)
                 and (not chosen.level or g.key.level == chosen.level)), None)


def _charts(report: KpiReport) -> dict[str, dict[str, Markup]]:
    """The report's own series and per-agency numbers, drawn as inline SVG."""
    charts = {}
    for ind in INDICATORS:
        series = [SeriesPoint(short_label(g.period), g.value(ind).rate, g.value(ind).target,
                              g.value(ind).met) for g in report.series]
        bars = [Bar(g.key.agency or "", g.value(ind).rate, g.value(ind).target, g.value(ind).met,
                    f"{g.value(ind).numerator}/{g.value(ind).denominator}")
                for g in report.agencies]
        charts[ind] = {
            "line": Markup(line_chart(_("{name}: share by period (all)").format(name=ind),
                                      series, target_label=_("target"))),
            "bars": Markup(bar_chart(_("{name} by agency").format(name=ind), bars))}
    return charts


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, state: State, session: Auditor, period: Text = "",
              agency: Text = "", level: Text = "") -> HTMLResponse:
    chosen = _filter(period, agency, level)
    report = report_for(state.index, chosen)
    return render(request, "kpi.html", {
        "f": chosen, "report": report, "group": selected_group(report, chosen),
        "period_label": period_name(report.request.period), "indicators": INDICATORS,
        "indicator_name": indicator_name, "level_name": level_name, "levels": LEVELS,
        "percent": percent, "points_text": points_text, "charts": _charts(report),
        "agencies": sorted({g.key.agency for g in report.agencies if g.key.agency}),
    }, session=session)


@router.get(".csv")
def dashboard_csv(state: State, _session: Auditor, period: Text = "", agency: Text = "",
                  level: Text = "") -> Response:
    """The CSV `sohoa report --period P [--by agency,level] --format csv` writes."""
    chosen = _filter(period, agency, level)
    return Response(to_csv(report_for(state.index, chosen)), media_type="text/csv; "
                    "charset=utf-8", headers={"Content-Disposition":
                                              f'attachment; filename="{chosen.csv_name()}"'})
