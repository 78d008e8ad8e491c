"""Liveness and readiness probes (no key needed, no personal data)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sohoa.api.deps import State
from sohoa.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process answers")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "the index or S3 is unreachable"}},
            summary="The index and the S3 server answer")
def readyz(state: State) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with state.index.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["index"] = "ok"
    except Exception as e:  # noqa: BLE001 - a probe reports, it does not fail
        checks["index"] = f"unavailable: {type(e).__name__}"
    try:
        state.store.stat(state.settings.bucket_signed, "readyz-probe")
        checks["s3"] = "ok"
    except Exception as e:  # noqa: BLE001
        checks["s3"] = f"unavailable: {type(e).__name__}"
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
