"""The pages are Vietnamese by default and English for a browser that asks for it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from pipeline.settings import Settings
from sohoa.api import create_app
from sohoa.api.settings import ApiSettings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-i18n")), ApiSettings())
    return TestClient(app, raise_server_exceptions=False)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_login_page_in_vietnamese_by_default(client: TestClient) -> None:
    response = client.get("/ui/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    text = _text(response.text)
    for words in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Dành cho cán bộ số hóa",
                  "dữ liệu cá nhân chỉ dùng cho công việc (Nghị định 13/2023/NĐ-CP)"):
        assert words in text, words
    assert "Log in" not in text and "Password" not in text


def test_login_page_in_english_on_request(client: TestClient) -> None:
    response = client.get("/ui/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in response.text
    text = _text(response.text)
    assert "Log in" in text and "User name" in text and "Password" in text
    assert "Đăng nhập" not in text


def test_error_page_in_vietnamese(client: TestClient) -> None:
    response = client.get("/ui/no-such-page")
    assert response.status_code == 404
    text = _text(response.text)
    assert "Không có trang này" in text and "Về trang đầu" in text and "Mã yêu cầu:" in text
