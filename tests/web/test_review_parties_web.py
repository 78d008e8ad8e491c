"""The web review screen (`/ui/review/<id>` on a real `sohoa serve`, real S3, SQLite) shows the
persons a document names and lets the clerk correct, add and remove them; the look-up by id then
finds the document by the reviewed ids only, with the role."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storage.index import DocumentIndex
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.api.conftest import serving
from tests.pipeline.test_review_parties import (
    OTHER,
    READ,
    RIGHT,
    lookup_roles,
    reusable_roles,
    store_decision,
)
from tests.web.conftest import USERS, _env, _run

pytestmark = pytest.mark.integration


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found[1]


@pytest.fixture()
def served(tmp_path: Path, s3_server: S3Endpoint) -> Iterator[tuple[str, DocumentIndex, str]]:
    tag = "wp-" + secrets.token_hex(3)
    env = _env(tmp_path, s3_server, tag)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    store.ensure_bucket(f"{tag}-records", versioning=True)
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    try:
        doc = store_decision(index, store, f"{tag}-records")
        name, password = USERS["clerk"]
        _run(env, "users", "create", name, "--role", "clerk", "--password-stdin",
             stdin=password + "\n")
        with serving(None, env, tmp_path / "serve.log") as base_url:  # type: ignore[arg-type]
            yield base_url, index, doc
    finally:
        index.close()


def test_clerk_corrects_adds_and_removes_parties_on_the_review_screen(
        served: tuple[str, DocumentIndex, str]) -> None:
    base_url, index, doc = served
    name, password = USERS["clerk"]
    with httpx.Client(base_url=base_url, headers={"Accept-Language": "en"}) as client:
        login = client.get("/ui/login")
        assert client.post("/ui/login", data={"name": name, "password": password,
                                              "csrf_token": _token(login.text)}
                           ).status_code == 303
        page = client.get(f"/ui/review/{doc}")
        assert page.status_code == 200
        assert "Persons named in the document" in page.text
        assert 'name="p2__id" value="' + READ + '"' in page.text
        form = {"csrf_token": _token(page.text), "p2__role": "decision_subject",
                "p2__name": "Trần Văn Bình", "p2__id": READ}
        bad = client.post(f"/ui/review/{doc}", data={**form, "p0__role": "legal_representative",
                                                     "p0__name": "Phạm Thị Lan",
                                                     "p0__id": "123", "action": "save"})
        assert bad.status_code == 422 and "party id 123" in bad.text
        assert 'name="p0__id" value="123"' in bad.text  # what the clerk typed is kept
        assert lookup_roles(index, OTHER) == {}

        added = client.post(f"/ui/review/{doc}", data={
            **form, "p0__role": "legal_representative", "p0__name": "Phạm Thị Lan",
            "p0__id": OTHER, "action": "save"})
        assert added.status_code == 303
        assert lookup_roles(index, OTHER) == {doc: "legal_representative"}

        page = client.get(f"/ui/review/{doc}")
        approved = client.post(f"/ui/review/{doc}", data={
            "csrf_token": _token(page.text), "action": "approve",
            "p2__role": "decision_subject", "p2__name": "Trần Văn Bình", "p2__id": RIGHT,
            "p3__role": "legal_representative", "p3__name": "Phạm Thị Lan", "p3__id": OTHER,
            "p3__remove": "1"})
        assert approved.status_code == 303
        detail = client.get(f"/ui/review/{doc}")
        assert "Persons named in the document" in detail.text  # the history row's label
        assert "Person the decision is about: Trần Văn Bình (" + RIGHT + ")" in detail.text
    assert lookup_roles(index, OTHER) == {}
    assert lookup_roles(index, RIGHT) == {doc: "decision_subject"}
    assert lookup_roles(index, READ) == {doc: "owner"}
    assert reusable_roles(index, RIGHT) == {doc: "decision_subject"}
    assert [e.field for e in index.review_history(doc)].count("parties") == 2
