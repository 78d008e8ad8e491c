"""The archival property: a timestamped signature stays VALID after the signer's certificate
expires (the timestamp proves it was made while the certificate was valid); B-B does not."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from signing_tamper_tools import issue_test_p12, issue_test_tsa

from signing.context import make_timestamper
from signing.keys import load_pkcs12_signer
from signing.pades import extend_timestamps, sign_pdf
from signing.testpki import TestPki
from signing.testservers import serve_tsa
from signing.validate import validate_pdf

LIFETIME_S = 2


def test_timestamp_keeps_signature_valid_after_expiry(
    one_page_pdf: bytes,
    pki: TestPki,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    tmp_path: Path,
) -> None:
    p12, cert = issue_test_p12(pki.directory, tmp_path, lifetime=timedelta(seconds=LIFETIME_S))
    expiry = cert.not_valid_after_utc
    signer = load_pkcs12_signer(p12, b"pw")
    docs = {
        level: sign_pdf(
            one_page_pdf,
            signer,
            level=level,
            timestamper=timestamper,
            validation_context=validation_context,
        )
        for level in ("B-B", "B-T", "B-LT")
    }
    wait = (expiry - datetime.now(UTC)).total_seconds() + 1.2
    if wait < 1.0:
        pytest.skip("machine too slow to sign before the certificate expired")
    time.sleep(wait)
    crls = [pki.crl.read_bytes()]
    verdicts = {
        level: validate_pdf(doc, trust_roots=[pki.root_cert], crls=crls).signatures[0]
        for level, doc in docs.items()
    }
    assert verdicts["B-B"].verdict == "EXPIRED"
    for level in ("B-T", "B-LT"):
        sig = verdicts[level]
        assert sig.verdict == "VALID", (level, sig.reason)
        assert sig.valid_at_signing_time and sig.time_source == "timestamp"
    assert verdicts["B-LT"].pades_level == "B-LT"


def test_b_lta_chain_survives_expired_tsa_certificate(
    one_page_pdf: bytes,
    pki: TestPki,
    signer: Signer,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    tmp_path: Path,
) -> None:
    """Sign B-LTA with a TSA whose certificate is about to expire, re-timestamp with another
    TSA, let the first certificate expire: the chain still proves everything (VALID), while the
    copy that was not re-timestamped no longer validates its document timestamp."""
    cert, key = issue_test_tsa(pki.directory, tmp_path, lifetime=timedelta(seconds=LIFETIME_S))
    short_pki = dataclasses.replace(pki, tsa_cert=cert, tsa_key=key)
    with serve_tsa(short_pki) as url:
        short_tsa = make_timestamper(url)
        signed = sign_pdf(
            one_page_pdf,
            signer,
            level="B-LTA",
            timestamper=short_tsa,
            validation_context=validation_context,
        )
    extended = extend_timestamps(
        signed, timestamper=timestamper, validation_context=validation_context
    )
    expiry = x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc
    wait = (expiry - datetime.now(UTC)).total_seconds() + 1.2
    if wait < 1.0:
        pytest.skip("machine too slow to sign before the TSA certificate expired")
    time.sleep(wait)
    report = validate_pdf(extended, trust_roots=[pki.root_cert])
    assert [(s.kind, s.verdict) for s in report.signatures] == [
        ("signature", "VALID"),
        ("document-timestamp", "VALID"),
        ("document-timestamp", "VALID"),
    ], report.render("en")
    assert report.signatures[0].pades_level == "B-LTA"
    assert report.signatures[0].timestamp_valid
    stale = validate_pdf(signed, trust_roots=[pki.root_cert])
    assert stale.signatures[1].verdict != "VALID"
    assert not stale.ok
