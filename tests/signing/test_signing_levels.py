"""Each PAdES level signs and validates as VALID, reaching the requested level."""

from __future__ import annotations

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
