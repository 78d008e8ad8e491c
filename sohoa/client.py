"""A small typed client of the sohoa reuse service, for integrators (needs only httpx).

    from sohoa.client import SohoaClient

    with SohoaClient("https://sohoa.example.gov.vn", key) as api:
        page = api.documents("045187678636", purpose="Cấp giấy phép xây dựng",
                             dossier_code="000.17.22.H56-261130-0001")
        pdf = api.download(page.items[0])            # the signed PDF, SHA-256 checked
        print(api.verification(page.items[0].id).verdict_en)
        api.record_reuse("000.17.22.H56-261130-0001", page.items[0].id,
                         purpose="Cấp giấy phép xây dựng", procedure_code="1.010708")

Errors come back as `ApiError` carrying the RFC 9457 problem (status, code, detail, errors).
This module imports nothing from the rest of sohoa, so it can be copied into another project.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx


class ApiError(Exception):
    """A problem+json answer (or a non-JSON failure) from the service."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code: str = str(problem.get("code", "HTTP_ERROR"))
        self.detail: str = str(problem.get("detail", ""))
        self.errors: list[dict[str, Any]] = list(problem.get("errors") or [])
        self.retry_after: int | None = problem.get("retry_after")
        super().__init__(f"{status} {self.code}: {self.detail}")


class DownloadMismatch(ApiError):
    """The downloaded PDF does not have the SHA-256 the service announced."""


@dataclass(frozen=True)
class Document:
    id: str
    digitized_id: str | None
    status: str
    role: str
    reusable: bool
    metadata: dict[str, Any]
    signature: dict[str, Any]
    download_url: str
    download_sha256: str
    download_expires_at: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        download = data["download"]
        return cls(data["id"], data.get("digitized_id"), data["status"], data["role"],
                   bool(data["reusable"]), dict(data["metadata"]), dict(data["signature"]),
                   download["url"], download["sha256"], download["expires_at"])


@dataclass(frozen=True)
class DocumentPage:
    owner_id: str
    valid_on: date
    page: int
    page_size: int
    total: int
    items: list[Document] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    document_id: str
    ok: bool
    verdict_vi: str
    verdict_en: str
    report_vi: str
    report_en: str
    raw: dict[str, Any]


@dataclass(frozen=True)
class ReuseRecord:
    id: int
    created: bool
    dossier_code: str
    document_id: str
    portal: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class DossierResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class SohoaClient:
    """One HTTP connection pool to the service; use it as a context manager."""

    def __init__(self, base_url: str, key: str, *, timeout_s: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  headers={"Authorization": f"Bearer {key}"},
                                  transport=transport)

    def __enter__(self) -> SohoaClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.is_success:
            return response
        try:
            problem = response.json()
        except ValueError:
            problem = {"detail": response.text[:500]}
        if not isinstance(problem, dict):
            problem = {"detail": str(problem)[:500]}
        if "retry-after" in response.headers:
            problem["retry_after"] = int(response.headers["retry-after"])
        raise ApiError(response.status_code, problem)

    @staticmethod
    def _why(purpose: str, dossier_code: str | None) -> dict[str, str]:
        # Headers are ASCII: the purpose travels percent-encoded (the service decodes it).
        headers = {"X-Purpose": quote(purpose)}
        if dossier_code:
            headers["X-Dossier-Code"] = quote(dossier_code)
        return headers

    def documents(self, owner_id: str, *, purpose: str, dossier_code: str | None = None,
                  doc_type: str | None = None, valid_on: date | None = None,
                  agency: str | None = None, page: int = 1, page_size: int = 20) -> DocumentPage:
        """The owner's documents that can be reused (on `valid_on`, default today)."""
        params: dict[str, Any] = {"owner_id": owner_id, "page": page, "page_size": page_size}
        for name, value in (("type", doc_type), ("agency", agency),
                            ("valid_on", valid_on.isoformat() if valid_on else None)):
            if value is not None:
                params[name] = value
        data = self._call("GET", "/v1/documents", params=params,
                          headers=self._why(purpose, dossier_code)).json()
        return DocumentPage(data["owner_id"], date.fromisoformat(data["valid_on"]), data["page"],
                            data["page_size"], data["total"],
                            [Document.from_json(i) for i in data["items"]])

    def document(self, document_id: str, *, purpose: str,
                 dossier_code: str | None = None) -> Document:
        data = self._call("GET", f"/v1/documents/{quote(document_id)}",
                          headers=self._why(purpose, dossier_code)).json()
        return Document.from_json(data)

    def verification(self, document_id: str, *, purpose: str,
                     dossier_code: str | None = None) -> Verification:
        """A live signature and hash check by the service."""
        data = self._call("GET", f"/v1/documents/{quote(document_id)}/verification",
                          headers=self._why(purpose, dossier_code)).json()
        return Verification(data["document_id"], bool(data["ok"]), data["verdict"]["vi"],
                            data["verdict"]["en"], data["report"]["vi"], data["report"]["en"],
                            data)

    def download(self, document: Document) -> bytes:
        """The signed PDF from its presigned URL, checked against the announced SHA-256."""
        response = httpx.get(document.download_url, timeout=self._http.timeout)
        if not response.is_success:
            raise ApiError(response.status_code, {"code": "DOWNLOAD_FAILED",
                                                  "detail": response.text[:300]})
        if hashlib.sha256(response.content).hexdigest() != document.download_sha256:
            raise DownloadMismatch(200, {"code": "DOWNLOAD_MISMATCH",
                                         "detail": f"SHA-256 of {document.id} differs"})
        return response.content

    def record_reuse(self, dossier_code: str, document_id: str, *, purpose: str,
                     procedure_code: str | None = None, component_code: str | None = None,
                     digitized: bool = True, reused: bool = True,
                     from_national_warehouse: bool = False,
                     replacement_result_code: str | None = None) -> ReuseRecord:
        """Record the reuse once per (dossier, document); a repeat returns the first record."""
        body = {"dossier_code": dossier_code, "document_id": document_id, "purpose": purpose,
                "procedure_code": procedure_code, "component_code": component_code,
                "digitized": digitized, "reused": reused,
                "from_national_warehouse": from_national_warehouse,
                "replacement_result_code": replacement_result_code}
        data = self._call("POST", "/v1/reuse", json=body).json()
        return ReuseRecord(data["id"], bool(data["created"]), data["dossier_code"],
                           data["document_id"], dict(data["portal"]), data)

    def register_dossiers(self, dossiers: list[dict[str, Any]]) -> DossierResult:
        """Register dossiers received/resolved (dates as ISO 8601 strings)."""
        data = self._call("POST", "/v1/dossiers", json=dossiers).json()
        return DossierResult(data["created"], data["updated"], data["unchanged"])

    def ready(self) -> bool:
        return self._http.get("/readyz").status_code == 200
