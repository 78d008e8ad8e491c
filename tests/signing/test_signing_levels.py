"""Each PAdES level signs and validates as VALID, reaching the requested level."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.errors import SigningError
from signing.pades import default_level, sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_level_signs_and_validates(
    level: str,
    one_page_pdf: bytes,
    signer: Signer,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    pki: TestPki,
) -> None:
    signed = sign_pdf(
        one_page_pdf,
        signer,
        level=level,
        timestamper=timestamper,
        validation_context=validation_context,
    )
    assert signed.startswith(one_page_pdf)  # incremental: the input bytes are untouched
    # B-B/B-T get the CRL from the caller; B-LT/B-LTA must carry it themselves (DSS).
    crls = [pki.crl.read_bytes()] if level in ("B-B", "B-T") else []
    report = validate_pdf(signed, trust_roots=[pki.root_cert], crls=crls)
    main = report.signatures[0]
    assert report.ok, report.render("en")
    assert main.verdict == "VALID"
    assert main.pades_level == level
    assert main.intact and main.trusted and main.valid_at_signing_time
    assert main.revocation == "good"
    assert main.modification == "none"
    assert main.signer.startswith("UBND Phường Đông Hà")
    if level == "B-B":
        assert main.timestamp is None and main.time_source == "claimed"
    else:
        assert main.timestamp_valid is True and main.time_source == "timestamp"
    kinds = [s.kind for s in report.signatures]
    assert kinds.count("document-timestamp") == (1 if level == "B-LTA" else 0)


def test_b_lt_without_crl_argument_is_self_contained(
    one_page_pdf: bytes,
    signer: Signer,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    pki: TestPki,
) -> None:
    signed = sign_pdf(
        one_page_pdf,
        signer,
        level="B-LT",
        timestamper=timestamper,
        validation_context=validation_context,
    )
    # no CRL passed, no fetching: the embedded DSS must be enough
    report = validate_pdf(signed, trust_roots=[pki.root_cert], allow_fetching=False)
    assert report.signatures[0].revocation == "good"
    assert report.signatures[0].pades_level == "B-LT"


def test_b_b_without_revocation_data_warns(
    one_page_pdf: bytes, signer: Signer, pki: TestPki
) -> None:
    signed = sign_pdf(one_page_pdf, signer, level="B-B")
    sig = validate_pdf(signed, trust_roots=[pki.root_cert]).signatures[0]
    assert sig.verdict == "VALID"
    assert sig.revocation == "unknown"
    assert any("CRL" in w for w in sig.warnings)


def test_levels_need_their_collaborators(one_page_pdf: bytes, signer: Signer) -> None:
    with pytest.raises(SigningError) as err:
        sign_pdf(one_page_pdf, signer, level="B-T")
    assert err.value.code == "BAD_LEVEL"
    with pytest.raises(SigningError) as err:
        sign_pdf(one_page_pdf, signer, level="B-X")
    assert err.value.code == "BAD_LEVEL"


def test_default_level() -> None:
    assert default_level(timestamper_configured=True) == "B-LT"
    assert default_level(timestamper_configured=False) == "B-B"


def test_ecdsa_p256_signer(
    one_page_pdf: bytes, pki: TestPki, timestamper: HTTPTimeStamper, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from signing_tamper_tools import issue_test_p12

    from signing.keys import load_pkcs12_signer

    p12, _ = issue_test_p12(pki.directory, tmp_path, key=ec.generate_private_key(ec.SECP256R1()))
    signer = load_pkcs12_signer(p12, b"pw")
    signed = sign_pdf(one_page_pdf, signer, level="B-T", timestamper=timestamper)
    sig = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    assert sig.signatures[0].verdict == "VALID", sig.signatures[0].reason


def test_revoked_after_signing_stays_valid(
    one_page_pdf: bytes, pki: TestPki, timestamper: HTTPTimeStamper, tmp_path: Path
) -> None:
    """A CRL entry dated after the (timestamped) signing time does not invalidate it;
    one dated before does."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from signing_tamper_tools import issue_test_p12

    from signing.keys import load_pkcs12_signer
    from signing.testpki import issue_crl

    p12, cert = issue_test_p12(pki.directory, tmp_path)
    signed = sign_pdf(
        one_page_pdf, load_pkcs12_signer(p12, b"pw"), level="B-T", timestamper=timestamper
    )
    root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
    root_key = serialization.load_pem_private_key(
        (pki.directory / "root.key.pem").read_bytes(), password=None
    )
    later = issue_crl(root, root_key, [cert], revoked_at=datetime.now(UTC) + timedelta(hours=1))
    earlier = issue_crl(root, root_key, [cert], revoked_at=datetime.now(UTC) - timedelta(days=1))
    after = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[later]).signatures[0]
    before = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[earlier]).signatures[0]
    assert (after.verdict, after.revocation) == ("VALID", "good")
    assert (before.verdict, before.revocation) == ("REVOKED", "revoked")


def test_usable_inside_a_running_event_loop(
    one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper, pki: TestPki
) -> None:
    """An async web handler or async task may call the synchronous API."""
    import asyncio

    async def handler() -> str:
        signed = sign_pdf(one_page_pdf, signer, level="B-T", timestamper=timestamper)
        return validate_pdf(signed, trust_roots=[pki.root_cert]).signatures[0].verdict

    assert asyncio.run(handler()) == "VALID"
