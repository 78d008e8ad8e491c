"""RFC 9457 problem details: the one place where an error becomes an HTTP response.

Domain errors map by their stable code; FastAPI's own 404/405/422 and anything unexpected become
problems too. A 500 says only that something failed and the request id to quote: no stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import ConfigurationError, SohoaError
from pipeline.i18n import _
from sohoa.api.state import RateLimited
from storage.errors import StorageError

log = logging.getLogger("sohoa.api")

PROBLEM_JSON = "application/problem+json"
STATUS_BY_CODE = {
    "NOT_AUTHENTICATED": 401,
    "MISSING_SCOPE": 403,
    "DOCUMENT_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "REUSE_CONFLICT": 409,
    "INVALID_REQUEST": 422,
    "INVALID_DOSSIERS": 422,
    "PURPOSE_REQUIRED": 422,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


def _title(status: int) -> str:
    titles = {401: _("Not authenticated"), 403: _("Forbidden"), 404: _("Not found"),
              405: _("Method not allowed"), 409: _("Conflict"), 422: _("Invalid request"),
              429: _("Too many requests"), 500: _("Internal error"),
              503: _("Service unavailable")}
    return titles.get(status, _("Bad request"))


def problem(request: Request, status: int, code: str, detail: str,
            errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:sohoa:problem:{code.lower().replace('_', '-')}",
        "title": _title(status), "status": status, "detail": detail, "code": code,
        "instance": request.url.path,
        "request_id": request.scope.get("state", {}).get("request_id"),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SohoaError | StorageError)
    code = exc.code
    if isinstance(exc, ConfigurationError | StorageError):
        code = "SERVICE_UNAVAILABLE"
        log.error("service unavailable: %s", exc)
    status = STATUS_BY_CODE.get(code, 400)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    errors = [{"loc": ["body", e.index, e.field], "msg": e.message}
              for e in getattr(exc, "errors", [])] or None
    detail = exc.message if status < 500 else _("a service sohoa needs is unavailable; try again "
                                                  "later or tell the operator")
    return problem(request, status, exc.code if status < 500 else code, detail, errors, headers)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
    details = {404: _("no such resource; the API is described at /openapi.json"),
               405: _("this method is not allowed on this resource; the API is described at "
                      "/openapi.json")}
    detail = details.get(exc.status_code, str(exc.detail))
    return problem(request, exc.status_code, code, detail, headers=dict(exc.headers or {}))


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in exc.errors()]
    return problem(request, 422, "INVALID_REQUEST",
                   _("{n} invalid field(s); see errors").format(n=len(errors)), errors)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(request, 500, "INTERNAL_ERROR",
                   _("an unexpected error occurred; quote the request id to the operator"))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SohoaError, _domain)
    app.add_exception_handler(StorageError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
