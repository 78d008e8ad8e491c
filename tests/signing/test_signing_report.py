"""The validation report: JSON form and Vietnamese / English text."""

from __future__ import annotations

import json

from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from signing_tamper_tools import append_content_update

from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf


def test_report_forms(
    one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper, pki: TestPki
) -> None:
    signed = sign_pdf(one_page_pdf, signer, level="B-T", timestamper=timestamper)
    report = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    sig = data["signatures"][0]
    assert data["ok"] is True
    assert sig["verdict"] == "VALID" and sig["pades_level"] == "B-T"
    assert sig["signing_time"].endswith("+07:00") and sig["time_source"] == "timestamp"
    vi = report.render("vi")
    for needle in (
        "HỢP LỆ",
        "Người ký: UBND Phường Đông Hà",
        "Toàn vẹn: có",
        "chưa bị thu hồi",
        "Mức PAdES đạt được: B-T",
        "tất cả chữ ký hợp lệ",
    ):
        assert needle in vi, needle
    en = report.render("en")
    assert "Verdict: VALID" in en and "Revocation status: not revoked" in en


def test_report_names_the_modification(one_page_pdf: bytes, signer: Signer, pki: TestPki) -> None:
    tampered = append_content_update(sign_pdf(one_page_pdf, signer))
    report = validate_pdf(tampered, trust_roots=[pki.root_cert])
    vi = report.render("vi")
    assert "TÀI LIỆU BỊ SỬA ĐỔI" in vi and "THAY ĐỔI NỘI DUNG" in vi
    assert "KHÔNG đạt" in vi
    assert "DOCUMENT MODIFIED" in report.render("en")
