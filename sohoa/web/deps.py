"""What every page needs: the process state, the logged-in user, their role, a checked form."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from pipeline.access import AccessRecord, Caller, log_access
from pipeline.i18n import _
from pipeline.users import ROLE_ADMIN, ROLE_AUDITOR, ROLE_CLERK, Session, csrf_matches, session_for
from sohoa.api.state import ApiState
from sohoa.web import labels
from sohoa.web.settings import WebSettings

SESSION_COOKIE = "sohoa_session"
LOGIN_CSRF_COOKIE = "sohoa_login_csrf"
COOKIE_PATH = "/ui"

# Which role sees which part of the pages (admin sees everything).
AREAS: dict[str, tuple[str, ...]] = {
    "kpi": (ROLE_AUDITOR, ROLE_ADMIN),
    "review": (ROLE_CLERK, ROLE_ADMIN),
    "batches": (ROLE_CLERK, ROLE_ADMIN),
    "documents": (ROLE_AUDITOR, ROLE_CLERK, ROLE_ADMIN),
}


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page and back afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The user's role does not include this part of the pages."""


class FormRejected(Exception):
    """A form POST without this session's CSRF token, or from another site."""


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.parent.state.sohoa
    return state


def get_web_settings(request: Request) -> WebSettings:
    found: WebSettings = request.app.state.web_settings
    return found


State = Annotated[ApiState, Depends(get_state)]
Web = Annotated[WebSettings, Depends(get_web_settings)]


def optional_session(request: Request, state: State) -> Session | None:
    return session_for(state.index, request.cookies.get(SESSION_COOKIE))


def current_session(request: Request,
                    session: Annotated[Session | None, Depends(optional_session)]) -> Session:
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return session


User = Annotated[Session, Depends(current_session)]


def may_see(session: Session | None, area: str) -> bool:
    return session is not None and session.role in AREAS[area]


def area(name: str) -> Callable[[Session], Session]:
    """A dependency: the logged-in user, if their role may see this area."""

    def dependency(session: User) -> Session:
        if not may_see(session, name):
            raise PageForbidden(name)
        return session

    return dependency


def _same_origin(request: Request) -> bool:
    """Browsers send Origin on a POST; when they do, it must be this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def checked_form(request: Request, session: User) -> FormData:
    """The POSTed form, if it carries this session's CSRF token and comes from this site."""
    form = await request.form()
    token = form.get("csrf_token")
    if not _same_origin(request) or not csrf_matches(session, token if isinstance(token, str)
                                                     else None):
        raise FormRejected()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def safe_next(path: str | None) -> str:
    """Only a path on these pages: never an open redirect to another site."""
    if path and path.startswith("/ui/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/ui/"


def login_url(next_path: str) -> str:
    return f"/ui/login?next={quote(next_path, safe='/')}"


def render(request: Request, name: str, context: dict[str, Any], *,
           session: Session | None = None, status_code: int = 200) -> HTMLResponse:
    """A page with the navigation of the user's role and the shared helpers."""
    nav = [(key, href, label) for key, href, label in (
        ("kpi", "/ui/kpi", _("Digitizing indicators")), ("review", "/ui/review", _("Needs review")),
        ("documents", "/ui/documents", _("Find documents")),
        ("batches", "/ui/batches", _("Digitizing batches"))) if may_see(session, key)]
    page = {"session": session, "nav": nav,
            "role_label": labels.role_label(session.role) if session else ""}
    response = templates(request).TemplateResponse(request, name, {**page, **context},
                                                   status_code=status_code)
    return response


def log_view(request: Request, state: ApiState, session: Session, action: str, *,
             owner_id: str | None, document_ids: Sequence[str], purpose: str) -> None:
    """A page that shows personal data is written to the access log (Decree 13/2023), like an
    API response: the person is the caller, `sohoa access-log` lists it."""
    if not document_ids and owner_id is None:
        return
    caller = Caller(client_id=f"web:{session.user_name}"[:40],
                    name=f"{session.user_name} (web, {session.role})"[:200],
                    scopes=frozenset(), agencies=frozenset())
    request_id = request.scope.get("state", {}).get("request_id") or uuid.uuid4().hex
    with state.index.session() as db:
        log_access(db, AccessRecord(caller, action, owner_id, list(document_ids), None, purpose,
                                    request_id))
