"""Tampering and bad signers are detected with the right verdict; bad signers are refused."""

from __future__ import annotations

import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from signing_tamper_tools import (
    append_content_update,
    flip_byte,
    raw_sign,
    substitute_certificate,
)

from signing.errors import SigningError
from signing.keys import load_pkcs12_signer
from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf


def _verdict(pdf: bytes, pki: TestPki) -> str:
    report = validate_pdf(pdf, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    return report.signatures[0].verdict


@pytest.fixture(scope="module")
def signed_b_t(one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper) -> bytes:
    return sign_pdf(one_page_pdf, signer, level="B-T", timestamper=timestamper)


def test_untouched_is_valid(signed_b_t: bytes, pki: TestPki) -> None:
    assert _verdict(signed_b_t, pki) == "VALID"


def test_flipped_byte_in_signed_range(signed_b_t: bytes, pki: TestPki) -> None:
    report = validate_pdf(flip_byte(signed_b_t), trust_roots=[pki.root_cert])
    assert report.signatures[0].verdict == "INVALID_INTEGRITY"
    assert not report.signatures[0].intact
    assert not report.ok


def test_content_changing_incremental_update(signed_b_t: bytes, pki: TestPki) -> None:
    tampered = append_content_update(signed_b_t)
    report = validate_pdf(tampered, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    sig = report.signatures[0]
    assert sig.intact  # the signed revision itself is untouched...
    assert sig.modification == "other"  # ...but the content changed afterwards
    assert sig.verdict == "MODIFIED"
    assert not report.ok


def test_substituted_certificate(signed_b_t: bytes, pki: TestPki) -> None:
    other = load_pkcs12_signer(pki.revoked_p12, pki.passphrase).signing_cert
    tampered = substitute_certificate(signed_b_t, other)
    assert len(tampered) == len(signed_b_t)
    report = validate_pdf(tampered, trust_roots=[pki.root_cert])
    assert report.signatures[0].verdict == "INVALID_INTEGRITY", report.signatures[0].reason


def test_expired_signer_detected(one_page_pdf: bytes, pki: TestPki) -> None:
    expired = load_pkcs12_signer(pki.expired_p12, pki.passphrase)
    signed = raw_sign(one_page_pdf, expired)
    report = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    sig = report.signatures[0]
    assert sig.verdict == "EXPIRED", sig
    assert sig.intact and not sig.valid_at_signing_time


def test_revoked_signer_detected(one_page_pdf: bytes, pki: TestPki) -> None:
    revoked = load_pkcs12_signer(pki.revoked_p12, pki.passphrase)
    signed = raw_sign(one_page_pdf, revoked)
    report = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    sig = report.signatures[0]
    assert sig.verdict == "REVOKED", sig
    assert sig.revocation == "revoked" and sig.revocation_date is not None


def test_untrusted_root(signed_b_t: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    from signing.testpki import ensure_test_pki

    other = ensure_test_pki(tmp_path_factory.mktemp("otherpki"), agency_name="Other")
    report = validate_pdf(signed_b_t, trust_roots=[other.root_cert])
    assert report.signatures[0].verdict == "UNTRUSTED"


def test_expired_signer_refused_before_signing(one_page_pdf: bytes, pki: TestPki) -> None:
    expired = load_pkcs12_signer(pki.expired_p12, pki.passphrase)
    with pytest.raises(SigningError) as err:
        sign_pdf(one_page_pdf, expired)
    assert err.value.code == "CERT_EXPIRED"
    assert "hết hạn" in err.value.message


def test_revoked_signer_refused_before_signing(
    one_page_pdf: bytes,
    pki: TestPki,
    validation_context: ValidationContext,
    timestamper: HTTPTimeStamper,
) -> None:
    revoked = load_pkcs12_signer(pki.revoked_p12, pki.passphrase)
    for level in ("B-B", "B-LT"):
        with pytest.raises(SigningError) as err:
            sign_pdf(
                one_page_pdf,
                revoked,
                level=level,
                timestamper=timestamper,
                validation_context=validation_context,
            )
        assert err.value.code == "CERT_REVOKED"
        assert "thu hồi" in err.value.message


def test_untrusted_signer_refused_when_context_given(
    one_page_pdf: bytes, tmp_path_factory: pytest.TempPathFactory, pki: TestPki
) -> None:
    from signing.keys import load_certificates
    from signing.testpki import ensure_test_pki

    other = ensure_test_pki(tmp_path_factory.mktemp("stranger"), agency_name="Stranger")
    stranger = load_pkcs12_signer(other.p12, other.passphrase)
    ctx = ValidationContext(trust_roots=load_certificates([pki.root_cert]))
    with pytest.raises(SigningError) as err:
        sign_pdf(one_page_pdf, stranger, validation_context=ctx)
    assert err.value.code == "CERT_UNTRUSTED"
