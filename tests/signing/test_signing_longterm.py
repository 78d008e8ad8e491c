"""The archival property: a timestamped signature stays VALID after the signer's certificate
expires (the timestamp proves it was made while the certificate was valid); B-B does not."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.keys import load_pkcs12_signer
from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf

LIFETIME_S = 2


def _short_lived_p12(pki: TestPki, directory: Path) -> tuple[Path, datetime]:
    root_key = serialization.load_pem_private_key(
        (pki.directory / "root.key.pem").read_bytes(), password=None
    )
    assert isinstance(root_key, rsa.RSAPrivateKey)
    root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
    agency = x509.load_pem_x509_certificate(pki.agency_cert.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    expiry = now + timedelta(seconds=LIFETIME_S)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Short-lived signer - TEST ONLY")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(expiry)
    )
    for ext in agency.extensions:  # same key usage, CRL distribution point, AKI as the agency
        if ext.oid != x509.SubjectKeyIdentifier.oid:
            builder = builder.add_extension(ext.value, critical=ext.critical)
    cert = builder.sign(root_key, hashes.SHA256())
    path = directory / "short.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"short", key, cert, [root], serialization.BestAvailableEncryption(b"pw")
        )
    )
    return path, expiry


def test_timestamp_keeps_signature_valid_after_expiry(
    one_page_pdf: bytes,
    pki: TestPki,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    tmp_path: Path,
) -> None:
    p12, expiry = _short_lived_p12(pki, tmp_path)
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
