"""Log in, log out, and the start page that sends each role to its first page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.i18n import _
from pipeline.users import LoginFailed, log_in, log_out
from sohoa.web.deps import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    State,
    User,
    Web,
    may_see,
    new_login_token,
    render,
    safe_next,
)

router = APIRouter()


@router.get("/", include_in_schema=False)
def start(session: User) -> Response:
    for area, path in (("review", "/ui/review"), ("kpi", "/ui/kpi"),
                       ("documents", "/ui/documents")):
        if may_see(session, area):
            return RedirectResponse(path, status_code=303)
    return RedirectResponse("/ui/documents", status_code=303)


def _login_page(request: Request, web_secure: bool, *, next_path: str, name: str = "",
                error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = new_login_token()
    response = render(request, "login.html", {"next": next_path, "name": name, "error": error,
                                              "login_csrf": token}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path=COOKIE_PATH,
                        httponly=True, samesite="lax", secure=web_secure)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, web: Web, next: str | None = None) -> HTMLResponse:
    return _login_page(request, web.secure_cookie, next_path=safe_next(next))


@router.post("/login")
def login_submit(request: Request, state: State, web: Web,
                 name: Annotated[str, Form(max_length=100)],
                 password: Annotated[str, Form(max_length=500)],
                 csrf_token: Annotated[str, Form(max_length=100)] = "",
                 next: Annotated[str, Form(max_length=2000)] = "/ui/") -> Response:
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or csrf_token != expected:
        return _login_page(request, web.secure_cookie, next_path=target, name=name,
                           error=_("The form has expired; log in again."), status_code=400)
    state.limiter.take(f"web-login:{name.strip().lower()}", web.login_attempts_per_minute)
    try:
        token, _session = log_in(state.index, name, password,
                                 lifetime=timedelta(hours=web.session_hours))
    except LoginFailed:
        return _login_page(request, web.secure_cookie, next_path=target, name=name,
                           error=_("Wrong user name or password."), status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(web.session_hours * 3600),
                        path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=web.secure_cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(request: Request, state: State, _form: CheckedForm) -> Response:
    log_out(state.index, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
