"""The KPI dashboard (Decision 766 indicators) with filters: period, agency, level.

Shell until branch `kpi` (pipeline.kpi_report) is merged: the numbers will come from its report,
the same object the CSV is written from, never computed a second way.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from pipeline.users import Session
from sohoa.web.deps import State, area, render

router = APIRouter(prefix="/kpi")
Auditor = Annotated[Session, Depends(area("kpi"))]
Text = Annotated[str, Query(max_length=40)]


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, state: State, session: Auditor, period: Text = "",
              agency: Text = "", level: Text = "") -> HTMLResponse:
    return render(request, "kpi.html", {"period": period, "agency": agency, "level": level,
                                        "report": None}, session=session)
