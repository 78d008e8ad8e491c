"""PKCS#12 loading errors and the test PKI's properties (idempotent, TEST ONLY, key usage)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.errors import SigningError
from signing.keys import load_pkcs12_signer
from signing.testpki import TestPki, ensure_test_pki


def test_missing_p12_is_key_not_found(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as err:
        load_pkcs12_signer(tmp_path / "nope.p12", b"x")
    assert err.value.code == "KEY_NOT_FOUND"


def test_wrong_passphrase(pki: TestPki) -> None:
    with pytest.raises(SigningError) as err:
        load_pkcs12_signer(pki.p12, b"wrong")
    assert err.value.code == "BAD_PASSPHRASE"
    assert "Mật khẩu" in err.value.message


def test_signer_is_cached(pki: TestPki) -> None:
    first = load_pkcs12_signer(pki.p12, pki.passphrase)
    assert load_pkcs12_signer(pki.p12, pki.passphrase) is first


def test_test_pki_is_idempotent_and_marked(pki: TestPki) -> None:
    again = ensure_test_pki(pki.directory, agency_name="ignored on reuse")
    assert again == pki
    assert again.agency_cert.read_bytes() == pki.agency_cert.read_bytes()
    for secret in (pki.p12, pki.directory / "agency.p12.pass", pki.agency_key, pki.tsa_key):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    cert = x509.load_pem_x509_certificate(pki.agency_cert.read_bytes())
    assert "TEST ONLY" in cert.subject.rfc4514_string()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    assert cert.public_key().key_size >= 2048
    tsa = x509.load_pem_x509_certificate(pki.tsa_cert.read_bytes())
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.TIME_STAMPING]
    crl = x509.load_der_x509_crl(pki.crl.read_bytes())
    revoked = x509.load_pem_x509_certificate((pki.directory / "revoked.crt.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is None
