"""Request dependencies: the process state, the authenticated caller, and why they ask."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from pipeline.access import AccessRecord, Caller, log_access
from pipeline.errors import SohoaError
from pipeline.i18n import _
from sohoa.api.schemas import TEXT_PATTERN
from sohoa.api.state import ApiState
from storage.errors import IndexError_
from storage.index import DocumentIndex
from storage.objects import ObjectStore

_bearer = HTTPBearer(auto_error=False, description="a client key from `sohoa clients create`")


class PurposeRequired(SohoaError):
    code = "PURPOSE_REQUIRED"


# Dependencies that do no I/O are `async def`: they run on the event loop instead of costing a
# hop through the thread pool on every request.
async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.sohoa
    return state


State = Annotated[ApiState, Depends(get_state)]


async def get_index(state: State) -> DocumentIndex:
    return state.index


async def get_store(state: State) -> ObjectStore:
    return state.store


Index = Annotated[DocumentIndex, Depends(get_index)]


def get_session(state: State) -> Iterator[Session]:
    """One index session (one pooled connection) per request, in autocommit: a look-up is one
    SELECT and its access-log entry one INSERT, without BEGIN / ROLLBACK round trips (nothing
    done through it needs two statements to be atomic)."""
    try:
        with Session(state.autocommit_engine, expire_on_commit=False) as session:
            yield session
    except OperationalError as e:
        raise IndexError_(f"the index database is unavailable: {e.orig}") from e


IndexSession = Annotated[Session, Depends(get_session)]
Store = Annotated[ObjectStore, Depends(get_store)]


async def get_caller(state: State, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Caller:
    """The client behind the bearer key (401 otherwise), within its rate limit (429).

    A recently checked key is answered on the event loop; otherwise the index is asked in the
    thread pool."""
    key = credentials.credentials if credentials else None
    caller = state.keys.cached(key)
    if caller is None:
        caller = await run_in_threadpool(state.keys.caller, state.index, key)
    state.limiter.take(caller.client_id,
                       caller.rate_limit_per_minute or state.api.rate_limit_per_minute)
    return caller


def require(scope: str) -> Callable[[Caller], Awaitable[Caller]]:
    async def dependency(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
        caller.require(scope)
        return caller

    return dependency


@dataclass(frozen=True)
class Accountability:
    """Who asks, why and for which dossier; every disclosure is logged with it."""

    caller: Caller
    purpose: str
    dossier_code: str | None
    request_id: str
    session: Session

    def log(self, action: str, *, owner_id: str | None, document_ids: list[str]) -> None:
        log_access(self.session, AccessRecord(self.caller, action, owner_id, document_ids,
                                            self.dossier_code, self.purpose, self.request_id))


async def single_valued_query(request: Request) -> None:
    """No parameter of this API takes a list: one given twice is a client error (a field-level
    422), not silently its last value."""
    params = request.query_params
    repeated = sorted({key for key in params if len(params.getlist(key)) > 1})
    if repeated:
        raise RequestValidationError([
            {"type": "repeated", "loc": ("query", key), "input": params.getlist(key),
             "msg": _("given more than once; this parameter takes one value")}
            for key in repeated])


def _header_text(value: str | None, name: str) -> str | None:
    """Header values are ASCII: Vietnamese text arrives percent-encoded (UTF-8)."""
    text = unquote(value).strip() if value else ""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise PurposeRequired(_("header {name} contains control characters").format(name=name))
    return text or None


def accountability(scope: str) -> Callable[..., Awaitable[Accountability]]:
    # Closure values go in defaults: string annotations cannot see them. The headers
    # X-Purpose / X-Dossier-Code are read from the request (OpenAPI cannot say "this query
    # parameter or that header"); the API description documents them.
    async def dependency(
        request: Request, session: IndexSession,
        caller: Caller = Depends(require(scope)),  # noqa: B008
        purpose: Annotated[str | None, Query(
            max_length=500, pattern=TEXT_PATTERN,
            description="why the document is needed (or header X-Purpose, percent-encoded "
                        "UTF-8); one of them is required")] = None,
        dossier_code: Annotated[str | None, Query(
            max_length=60, pattern=TEXT_PATTERN,
            description="the dossier being processed (or header X-Dossier-Code)")] = None,
    ) -> Accountability:
        why = (purpose or "").strip() or _header_text(request.headers.get("x-purpose"),
                                                         "X-Purpose")
        if not why:
            raise PurposeRequired(_("say why the personal data is needed: query parameter "
                                    "purpose or header X-Purpose (Decree 13/2023)"))
        dossier = (dossier_code or "").strip() or _header_text(
            request.headers.get("x-dossier-code"), "X-Dossier-Code")
        return Accountability(caller, why[:500], dossier[:60] if dossier else None,
                              request.scope["state"]["request_id"], session)

    return dependency
