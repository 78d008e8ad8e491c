"""The app factory: settings read once, the index pool and the S3 client opened once per process
(in the lifespan), routers under `/v1`, problem+json for every error."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline import __version__
from pipeline.i18n import negotiate, use_language
from pipeline.settings import Settings, load_settings
from sohoa.api.deps import single_valued_query
from sohoa.api.problems import install_problem_handlers
from sohoa.api.routes import documents, exchange, health, metrics
from sohoa.api.schemas import Problem
from sohoa.api.settings import ApiSettings
from sohoa.api.state import open_state
from sohoa.web import install_web

DESCRIPTION = """\
The reuse service of sohoa: a processing system (one-stop shop) asks whether a citizen's or an
enterprise's document already exists as a signed electronic copy, downloads and verifies it, and
records that it was reused, so the citizen never submits that paper again.

Every call needs `Authorization: Bearer <key>` (a key from `sohoa clients create`). Calls that
return personal data need a purpose (`purpose` or header `X-Purpose`) and should name the
dossier (`dossier_code` or `X-Dossier-Code`); each such response is written to the access log
(Decree 13/2023/NĐ-CP). Errors are RFC 9457 problem details (`application/problem+json`).
"""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for status, text in ((400, "malformed request body"),
                         (401, "missing, unknown or revoked key"),
                         (403, "the key lacks the scope"),
                         (404, "no such document (or outside the client's agencies)"),
                         (409, "conflicts with what is already recorded"),
                         (422, "invalid request, with field-level errors"),
                         (429, "rate limit reached; see Retry-After"),
                         (500, "unexpected error"),
                         (503, "the index or the S3 server is unavailable"))
}


class RequestContext:
    """Gives each request a unique id (logged, returned as X-Request-Id) and its language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        headers = dict(scope.get("headers") or [])
        lang = negotiate(headers.get(b"accept-language", b"").decode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        with use_language(lang):
            await self.app(scope, receive, send_with_id)


def create_app(settings: Settings | None = None, api: ApiSettings | None = None) -> FastAPI:
    """Build the app; without arguments (uvicorn's factory mode) read the settings once here."""
    settings = settings or load_settings()
    api = api or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_state(settings, api) as state:
            app.state.sohoa = state
            yield

    app = FastAPI(title="sohoa reuse service", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, responses=ERROR_RESPONSES,
                  dependencies=[Depends(single_valued_query)])
    app.include_router(health.router)
    app.include_router(metrics.router)  # /metrics (Prometheus), not in the OpenAPI schema
    app.include_router(documents.router)
    app.include_router(exchange.router)
    install_problem_handlers(app)
    install_web(app)  # the pages under /ui/ (sohoa.web)
    app.add_middleware(RequestContext)
    return app
