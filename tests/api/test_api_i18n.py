"""Problem details speak the caller's language (Accept-Language, Vietnamese by default); the
machine fields (code, type, status) never change."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline.settings import Settings
from sohoa.api import create_app
from sohoa.api.settings import ApiSettings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("api-i18n")), ApiSettings())
    # Not entered as a context manager: these errors need neither the index nor S3.
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(("headers", "title", "detail"), [
    ({}, "Không tìm thấy", "không có tài nguyên này; mô tả API tại /openapi.json"),
    ({"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}, "Không tìm thấy",
     "không có tài nguyên này; mô tả API tại /openapi.json"),
    ({"Accept-Language": "en-US,en;q=0.9"}, "Not found",
     "no such resource; the API is described at /openapi.json"),
    ({"Accept-Language": "fr, en;q=0.5"}, "Not found",
     "no such resource; the API is described at /openapi.json"),
])
def test_not_found_problem_in_the_callers_language(client: TestClient, headers: dict[str, str],
                                                   title: str, detail: str) -> None:
    response = client.get("/v1/no-such-thing", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["title"], body["detail"]) == (title, detail)
    assert body["code"] == "NOT_FOUND" and body["type"] == "urn:sohoa:problem:not-found"


@pytest.mark.parametrize(("lang", "title", "detail"), [
    ("vi", "Phương thức không được phép",
     "tài nguyên này không hỗ trợ phương thức này; mô tả API tại /openapi.json"),
    ("en", "Method not allowed",
     "this method is not allowed on this resource; the API is described at /openapi.json"),
])
def test_method_not_allowed_in_both_languages(client: TestClient, lang: str, title: str,
                                              detail: str) -> None:
    response = client.delete("/healthz", headers={"Accept-Language": lang})
    assert response.status_code == 405
    body = response.json()
    assert (body["title"], body["detail"], body["code"]) == (title, detail, "METHOD_NOT_ALLOWED")
