"""The reuse service over HTTP against a real `sohoa serve`, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa

from pipeline.access import access_history
from pipeline.reuse import reuse_events
from sohoa.client import ApiError, SohoaClient
from tests.api.conftest import ENTERPRISE_VALID_UNTIL, PRESIGN_TTL_S, Service

pytestmark = pytest.mark.integration

WHY = {"X-Purpose": "kiem-tra", "X-Dossier-Code": "000.17.22.H56-261130-0001"}


def _dossier() -> str:
    return f"000.17.22.H56-261130-{uuid.uuid4().hex[:6]}"


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


def test_missing_wrong_and_revoked_keys_are_401(service: Service) -> None:
    url = f"{service.base_url}/v1/documents"
    params = {"owner_id": service.citizen["owner_id"], "purpose": "x"}
    assert _problem(httpx.get(url, params=params), 401)["code"] == "NOT_AUTHENTICATED"
    wrong = service.keys["reader"][:-4] + "AAAA"
    response = httpx.get(url, params=params, headers={"Authorization": f"Bearer {wrong}"})
    assert _problem(response, 401)["code"] == "NOT_AUTHENTICATED"
    assert response.headers["www-authenticate"] == "Bearer"
    garbage = httpx.get(url, params=params, headers={"Authorization": "Bearer not-a-key"})
    _problem(garbage, 401)

    created = json.loads(service.cli("clients", "create", "short-lived", "--scope",
                                     "documents:read", "--json").stdout)
    key = created["key"]
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(url, params=params, headers=headers).status_code == 200
    listed = json.loads(service.cli("clients", "list", "--json").stdout)
    mine = next(c for c in listed if c["id"] == created["client_id"])
    assert "key_sha256" not in mine and key not in json.dumps(listed)
    service.cli("clients", "revoke", created["client_id"])
    time.sleep(1.2)  # the server trusts a checked key for SOHOA_API_AUTH_CACHE_S (1 s here)
    _problem(httpx.get(url, params=params, headers=headers), 401)


def test_scope_and_agency_restrictions(service: Service) -> None:
    doc = service.enterprise
    with service.client("dossiers") as api:
        assert _problem(api.get("/v1/documents", params={
            "owner_id": doc["owner_id"], "purpose": "x"}), 403)["code"] == "MISSING_SCOPE"
    with service.client("reader") as api:
        _problem(api.post("/v1/reuse", json={"dossier_code": _dossier(), "document_id": doc["id"],
                                             "purpose": "x"}), 403)
    with service.client("other_agency") as api:
        listed = api.get("/v1/documents", params={"owner_id": doc["owner_id"]}, headers=WHY)
        assert listed.json()["items"] == [] and listed.json()["total"] == 0
        assert _problem(api.get(f"/v1/documents/{doc['id']}", headers=WHY), 404)["code"] \
            == "DOCUMENT_NOT_FOUND"
        _problem(api.get(f"/v1/documents/{doc['id']}/verification", headers=WHY), 404)
        _problem(api.post("/v1/reuse", json={"dossier_code": _dossier(), "document_id": doc["id"],
                                             "purpose": "x"}), 404)
    with service.client("same_agency") as api:
        assert api.get(f"/v1/documents/{doc['id']}", headers=WHY).status_code == 200
    with service.client("admin") as api:  # admin holds every scope
        assert api.get(f"/v1/documents/{doc['id']}", headers=WHY).status_code == 200


def test_validity_filtering_across_valid_on(service: Service) -> None:
    doc = service.enterprise

    def ids(valid_on: date) -> list[str]:
        with service.client() as api:
            response = api.get("/v1/documents", headers=WHY, params={
                "owner_id": doc["owner_id"], "valid_on": valid_on.isoformat()})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(ENTERPRISE_VALID_UNTIL) == [doc["id"]]  # last valid day
    assert ids(ENTERPRISE_VALID_UNTIL + timedelta(days=1)) == []  # expired
    assert ids(date(2018, 9, 6)) == []  # the day before it was issued
    assert ids(date(2018, 9, 7)) == [doc["id"]]
    citizen = service.citizen  # a birth certificate extract is permanent
    with service.client() as api:
        far = api.get("/v1/documents", headers=WHY, params={
            "owner_id": citizen["owner_id"], "valid_on": "2199-01-01"}).json()
    assert [i["id"] for i in far["items"]] == [citizen["id"]]
    assert far["items"][0]["metadata"]["permanent"] is True


def test_list_item_shape_and_paging(service: Service) -> None:
    doc = service.citizen
    with service.client() as api:
        page = api.get("/v1/documents", headers=WHY,
                       params={"owner_id": doc["owner_id"], "page_size": 1}).json()
        past_end = api.get("/v1/documents", headers=WHY,
                           params={"owner_id": doc["owner_id"], "page": 5}).json()
    assert page["total"] == 1 and page["page_size"] == 1
    item = page["items"][0]
    assert item["id"] == doc["id"] and item["role"] == "owner" and item["reusable"] is True
    assert item["metadata"]["owner_id"] == doc["owner_id"]
    assert item["metadata"]["doc_type"] == "TRÍCH LỤC KHAI SINH"
    assert item["signature"]["format"] == "PAdES"
    assert item["signature"]["signed_sha256"] == doc["sha256"]
    assert item["digitized_id"] and doc["owner_id"] in item["digitized_id"]
    assert past_end["items"] == [] and past_end["total"] == 1


def test_a_party_named_in_a_document_finds_it_with_its_role(service: Service) -> None:
    doc = service.enterprise
    # Sample 07 names its legal representative with a CCCD; the pipeline indexed her as a party.
    representative = "024165789719"
    with service.client() as api:
        as_party = api.get("/v1/documents", headers=WHY,
                           params={"owner_id": representative}).json()
        as_owner = api.get("/v1/documents", headers=WHY,
                           params={"owner_id": doc["owner_id"]}).json()
    assert [(i["id"], i["role"]) for i in as_party["items"]] == [
        (doc["id"], "legal_representative")]
    assert [(i["id"], i["role"]) for i in as_owner["items"]] == [(doc["id"], "owner")]
    assert as_owner["total"] == 1  # the owner's own party row does not count twice


def test_presigned_url_downloads_the_signed_bytes_then_expires(service: Service) -> None:
    with SohoaClient(service.base_url, service.keys["reader"]) as api:
        listed = api.documents(service.citizen["owner_id"], purpose="Xác minh hồ sơ khai sinh",
                               dossier_code=_dossier())
        document = listed.items[0]
        pdf = api.download(document)
    assert hashlib.sha256(pdf).hexdigest() == service.citizen["sha256"]
    assert pdf.startswith(b"%PDF")
    time.sleep(PRESIGN_TTL_S + 1.5)
    expired = httpx.get(document.download_url)
    assert expired.status_code == 403, expired.status_code


def test_live_verification_in_vietnamese_and_english(service: Service) -> None:
    with SohoaClient(service.base_url, service.keys["reader"]) as api:
        result = api.verification(service.enterprise["id"], purpose="Kiểm tra chữ ký")
    assert result.ok, result.report_en
    assert (result.verdict_vi, result.verdict_en) == ("HỢP LỆ", "VALID")
    assert "KẾT LUẬN: HỢP LỆ" in result.report_vi and "VERDICT: VALID" in result.report_en
    assert all(h["ok"] for h in result.raw["hashes"])
    with service.client() as api:
        item = api.get(f"/v1/documents/{service.enterprise['id']}", headers=WHY).json()
    assert item["signature"]["last_verification_ok"] is True


def test_reuse_is_recorded_once_when_posted_twice(service: Service) -> None:
    dossier, doc = _dossier(), service.citizen
    with SohoaClient(service.base_url, service.keys["writer"]) as api:
        first = api.record_reuse(dossier, doc["id"], purpose="Đăng ký thường trú",
                                 procedure_code="1.010708", component_code="TP-01",
                                 replacement_result_code="KQ.G15.000031")
        again = api.record_reuse(dossier, doc["id"], purpose="Đăng ký thường trú",
                                 procedure_code="1.010708", component_code="TP-01",
                                 replacement_result_code="KQ.G15.000031")
        with pytest.raises(ApiError) as conflict:
            api.record_reuse(dossier, doc["id"], purpose="Đăng ký thường trú",
                             procedure_code="1.010708", from_national_warehouse=True)
    assert first.created and not again.created and first.id == again.id
    assert first.portal == {"DuocSoHoa": True, "DuocTaiSuDung": True,
                            "DuocLayTuKhoDMQG": False, "MaKetQuaThayThe": "KQ.G15.000031"}
    assert conflict.value.status == 409 and conflict.value.code == "REUSE_CONFLICT"
    events = reuse_events(service.index, dossier_code=dossier)
    assert [(e.document_id, e.component_code) for e in events] == [(doc["id"], "TP-01")]


def test_every_personal_data_response_is_in_the_access_log(service: Service) -> None:
    doc, dossier = service.enterprise, _dossier()
    owner = doc["owner_id"]
    before = len(access_history(service.index, owner_id=owner))
    purpose = "Cấp giấy phép kinh doanh"
    with SohoaClient(service.base_url, service.keys["writer"]) as api:
        api.documents(owner, purpose=purpose, dossier_code=dossier)
        api.document(doc["id"], purpose=purpose, dossier_code=dossier)
        api.verification(doc["id"], purpose=purpose, dossier_code=dossier)
        api.record_reuse(dossier, doc["id"], purpose=purpose)
    with service.client("writer") as http:  # no purpose: refused, nothing disclosed
        _problem(http.get("/v1/documents", params={"owner_id": owner}), 422)
    entries = access_history(service.index, owner_id=owner)
    new = entries[:len(entries) - before]
    assert sorted(e.action for e in new) == ["documents.get", "documents.list",
                                             "documents.verify", "reuse.record"]
    assert all(e.dossier_code == dossier and e.purpose == purpose and e.client_name ==
               "test writer" and e.document_ids == [doc["id"]] for e in new)
    assert len({e.request_id for e in new}) == 4
    shown = service.cli("access-log", "--owner-id", owner, "--json").stdout
    assert dossier in shown and purpose in shown


def test_the_access_log_is_append_only_in_the_database(service: Service) -> None:
    with service.client() as api:
        api.get("/v1/documents", headers=WHY, params={"owner_id": service.citizen["owner_id"]})
    for statement in ("UPDATE access_log SET purpose = 'changed'", "DELETE FROM access_log"):
        with service.index.engine.connect() as conn, pytest.raises(sa.exc.DatabaseError) as e:
            conn.execute(sa.text(statement))
        assert "append-only" in str(e.value)
    assert access_history(service.index, owner_id=service.citizen["owner_id"])


def test_dossiers_registered_validated_and_idempotent(service: Service) -> None:
    code = _dossier()
    dossier = {"dossier_code": code, "procedure_code": "1.010708", "agency_code": "000.17.22.H56",
               "level": "commune", "received_at": "2026-11-02T08:30:00+07:00",
               "result_kind": "paper", "status": "received", "owner_id": "060320816352"}
    with SohoaClient(service.base_url, service.keys["dossiers"]) as api:
        assert api.register_dossiers([dossier]).created == [code]
        assert api.register_dossiers([dossier]).unchanged == [code]
        resolved = {**dossier, "status": "resolved", "resolved_at": "2026-11-09T10:00:00+07:00"}
        assert api.register_dossiers([resolved]).updated == [code]
        with pytest.raises(ApiError) as invalid:
            api.register_dossiers([{**dossier, "dossier_code": _dossier(), "level": "district",
                                    "status": "resolved"}])
    assert invalid.value.status == 422
    assert {tuple(e["loc"]) for e in invalid.value.errors} == {
        ("body", 0, "level"), ("body", 0, "resolved_at")}
    with service.client("dossiers") as http:
        single = http.post("/v1/dossiers", json={**dossier, "dossier_code": _dossier()})
        typo = http.post("/v1/dossiers", json={**dossier, "level": "village"})
    assert single.status_code == 200 and len(single.json()["created"]) == 1
    assert _problem(typo, 422)["errors"]


def test_framework_errors_are_problems_too(service: Service) -> None:
    with service.client() as api:
        assert _problem(api.get("/v2/nothing"), 404)["code"] == "NOT_FOUND"
        _problem(api.delete("/v1/documents"), 405)
        invalid = _problem(api.get("/v1/documents", headers=WHY,
                                   params={"owner_id": "x", "page": 0}), 422)
        errors: list[dict[str, list[str]]] = invalid["errors"]  # type: ignore[assignment]
        fields = {e["loc"][-1] for e in errors}
        assert fields == {"owner_id", "page"}
        # Control characters never reach the index (PostgreSQL refuses NUL in text).
        owner = service.citizen["owner_id"]
        _problem(api.get("/v1/documents", headers=WHY, params={"owner_id": owner,
                                                               "type": "a\x00b"}), 422)
        _problem(api.get("/v1/documents", params={"owner_id": owner},
                         headers={"X-Purpose": "x%00y"}), 422)


def test_rate_limit_answers_429_with_retry_after(service: Service) -> None:
    with service.client("limited") as api:  # 3 requests a minute
        codes = [api.get("/v1/documents", headers=WHY,
                         params={"owner_id": service.citizen["owner_id"]}) for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert int(codes[-1].headers["retry-after"]) >= 1
    assert _problem(codes[-1], 429)["code"] == "RATE_LIMITED"


def test_health_and_readiness(service: Service) -> None:
    assert httpx.get(f"{service.base_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{service.base_url}/readyz").json()
    assert ready == {"status": "ready", "checks": {"index": "ok", "s3": "ok"}}
