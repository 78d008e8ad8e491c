"""The web pages as a sub-application mounted at `/ui` on the API's app.

A sub-application of its own so that its errors are HTML pages (the API keeps problem+json) and
its routes stay out of the API's OpenAPI description; it reads the parent's process state.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.errors import SohoaError
from pipeline.i18n import _, current_language, install_gettext
from pipeline.queries import DocumentNotFound
from sohoa.api.state import RateLimited
from sohoa.web import batches, documents, kpi, labels, login, review
from sohoa.web.deps import (
    FormRejected,
    LoginRequired,
    PageForbidden,
    login_url,
    optional_session,
    render,
)
from sohoa.web.settings import WebSettings
from storage.errors import StorageError

log = logging.getLogger("sohoa.web")
HERE = Path(__file__).parent
# Inline style attributes are allowed (the report's SVG charts set their font that way);
# scripts only from this site, and the pages have none inline.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
                                 b"style-src 'self' 'unsafe-inline'; script-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pages carry personal data: no framing, no caching, no foreign scripts or styles."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/") or "/static/" in scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend(SECURITY_HEADERS)
                if not static and not any(k == b"cache-control" for k, _v in headers):
                    headers.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    try:
        session = optional_session(request, request.app.state.parent.state.sohoa)
    except Exception:  # noqa: BLE001 - an error page must render even without the index
        session = None
    return render(request, "error.html", {"title": title, "detail": detail,
                                          "request_id": request.scope.get("state", {}).get(
                                              "request_id")},
                  session=session, status_code=status)


def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def _forbidden(request: Request, exc: Exception) -> Response:
    return _error_page(request, 403, _("Not allowed"),
                       _("Your role may not see this page. Ask an administrator if you need it."))


def _form_rejected(request: Request, exc: Exception) -> Response:
    return _error_page(request, 400, _("The form has expired"),
                       _("The form is no longer valid (the login session changed or the page was "
                         "opened from elsewhere). Reload the page and do it again; nothing was "
                         "changed."))


def _domain(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RateLimited):
        response = _error_page(request, 429, _("Too many attempts"),
                               _("Too many login attempts. Wait {s} seconds and try again.")
                               .format(s=exc.retry_after_s))
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    if isinstance(exc, DocumentNotFound):
        return _error_page(request, 404, _("Document not found"), str(exc))
    if isinstance(exc, StorageError):
        log.error("storage unavailable: %s", exc)
        return _error_page(request, 503, _("The storage service is unavailable"),
                           _("The object store or the index database does not answer. Try again "
                             "in a few minutes or tell the operator."))
    return _error_page(request, 400, _("Could not be done"), str(exc))


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return _error_page(request, 404, _("No such page"),
                           _("The address is wrong. Use the navigation bar above."))
    return _error_page(request, exc.status_code, _("Invalid request"), str(exc.detail))


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error_page(request, 500, _("Something went wrong"),
                       _("An unexpected error occurred. Quote the request id below to the "
                         "operator."))


def create_web_app(parent: FastAPI, settings: WebSettings) -> FastAPI:
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web.state.parent = parent
    web.state.web_settings = settings
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.add_extension("jinja2.ext.i18n")
    install_gettext(templates.env)
    templates.env.globals["current_language"] = current_language
    templates.env.globals["labels"] = labels  # macros see globals, not the page's context
    web.state.templates = templates
    for module in (login, review, documents, kpi, batches):
        web.include_router(module.router)
    web.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    web.add_exception_handler(LoginRequired, _login_required)
    web.add_exception_handler(PageForbidden, _forbidden)
    web.add_exception_handler(FormRejected, _form_rejected)
    web.add_exception_handler(SohoaError, _domain)
    web.add_exception_handler(StorageError, _domain)
    web.add_exception_handler(StarletteHTTPException, _http)
    web.add_exception_handler(Exception, _unexpected)
    web.add_middleware(SecurityHeaders)
    return web


def install_web(app: FastAPI, settings: WebSettings | None = None) -> None:
    """Mount the pages at /ui on the API's app (called once by its factory)."""
    app.mount("/ui", create_web_app(app, settings or WebSettings()))
