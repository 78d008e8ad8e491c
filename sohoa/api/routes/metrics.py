"""`/metrics`: Prometheus text format, for a scraper (no key: counts by agency, outcome, reason
code and stage only, never personal data). Left out of the OpenAPI description, which is the
integrators' contract; the README documents it.

The API process digitizes nothing: it exposes what the digitizing processes of this machine
(`sohoa digitize`, flow runs on a worker sharing the data folder) wrote to `<data dir>/metrics`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from pipeline import metrics
from sohoa.api.deps import State

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(state: State) -> Response:
    body, content_type = metrics.exposition(metrics.metrics_folder(state.settings.data_path))
    return Response(body, media_type=content_type)
