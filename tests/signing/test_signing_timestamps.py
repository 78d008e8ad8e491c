"""RFC 3161 over real HTTP (auth, unreachable TSA) and re-timestamping of B-LTA documents."""

from __future__ import annotations

import socket

import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.context import make_timestamper, make_validation_context
from signing.errors import SigningError
from signing.pades import extend_timestamps, sign_pdf
from signing.testpki import TestPki
from signing.testservers import serve_tsa
from signing.validate import validate_pdf


def test_tsa_with_basic_auth(one_page_pdf: bytes, signer: Signer, pki: TestPki) -> None:
    with serve_tsa(pki, auth=("sohoa", "s3cret")) as url:
        good = make_timestamper(url, username="sohoa", password="s3cret")
        signed = sign_pdf(one_page_pdf, signer, level="B-T", timestamper=good)
        sig = validate_pdf(
            signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()]
        ).signatures[0]
        assert sig.verdict == "VALID" and sig.timestamp_valid
        bad = make_timestamper(url, username="sohoa", password="wrong")
        with pytest.raises(SigningError) as err:
            sign_pdf(one_page_pdf, signer, level="B-T", timestamper=bad)
        assert err.value.code == "TSA_REFUSED"
        assert "401" in err.value.message


def test_unreachable_tsa(one_page_pdf: bytes, signer: Signer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    dead = make_timestamper(f"http://127.0.0.1:{port}/tsa", timeout=2)
    with pytest.raises(SigningError) as err:
        sign_pdf(one_page_pdf, signer, level="B-T", timestamper=dead)
    assert err.value.code == "TSA_UNREACHABLE"
    assert "dấu thời gian" in err.value.message


def test_extend_timestamps_keeps_b_lta(
    one_page_pdf: bytes,
    signer: Signer,
    timestamper: HTTPTimeStamper,
    validation_context: ValidationContext,
    pki: TestPki,
) -> None:
    signed = sign_pdf(
        one_page_pdf,
        signer,
        level="B-LTA",
        timestamper=timestamper,
        validation_context=validation_context,
    )
    extended = extend_timestamps(
        signed, timestamper=timestamper, validation_context=validation_context
    )
    assert extended.startswith(signed)
    report = validate_pdf(extended, trust_roots=[pki.root_cert])
    kinds = [(s.kind, s.verdict) for s in report.signatures]
    assert kinds == [
        ("signature", "VALID"),
        ("document-timestamp", "VALID"),
        ("document-timestamp", "VALID"),
    ]
    assert report.signatures[0].pades_level == "B-LTA"
    assert report.signatures[0].modification == "none"  # DSS + timestamps are LTA updates
    assert report.ok


def test_settings_built_context_signs_b_lt(
    one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper, pki: TestPki
) -> None:
    # local CRL file, no fetching: how an offline agency would configure it
    ctx = make_validation_context(trust_roots=[pki.root_cert], crls=[pki.crl], allow_fetching=False)
    signed = sign_pdf(
        one_page_pdf, signer, level="B-LT", timestamper=timestamper, validation_context=ctx
    )
    sig = validate_pdf(signed, trust_roots=[pki.root_cert]).signatures[0]
    assert (sig.verdict, sig.pades_level, sig.revocation) == ("VALID", "B-LT", "good")


def test_b_lt_refused_when_crl_unreachable(
    one_page_pdf: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from signing.keys import load_pkcs12_signer
    from signing.testpki import ensure_test_pki

    offline = ensure_test_pki(tmp_path_factory.mktemp("no-crl-server"), agency_name="Offline")
    signer = load_pkcs12_signer(offline.p12, offline.passphrase)
    ctx = make_validation_context(trust_roots=[offline.root_cert], allow_fetching=True)
    with serve_tsa(offline) as url:  # TSA up, CRL distribution point down
        with pytest.raises(SigningError) as err:
            sign_pdf(
                one_page_pdf,
                signer,
                level="B-LT",
                timestamper=make_timestamper(url),
                validation_context=ctx,
            )
        assert err.value.code == "REVOCATION_UNAVAILABLE"
        # B-T needs no revocation data and still works
        signed = sign_pdf(one_page_pdf, signer, level="B-T", timestamper=make_timestamper(url))
    assert validate_pdf(signed, trust_roots=[offline.root_cert]).signatures[0].pades_level == "B-T"
