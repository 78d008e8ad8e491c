"""An unexpected failure becomes a problem+json 500 with a request id and no stack trace."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from pipeline.settings import Settings
from sohoa.api import create_app
from sohoa.api.settings import ApiSettings


def test_unexpected_error_is_a_problem_without_trace(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), ApiSettings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    # Not entered as a context manager: the lifespan (index, S3) is not needed for this route.
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "INTERNAL_ERROR" and body["status"] == 500
    assert body["request_id"] and body["instance"] == "/boom"
    assert "secret" not in response.text and "Traceback" not in response.text
