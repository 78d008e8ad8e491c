"""Signatures on incoming scans that sohoa cannot trust are explained in plain words, as codes
in the verdict, and without dragging an unrelated "no running event loop" into every log."""

from __future__ import annotations

import io
import logging

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import Signer

from signing.testpki import TestPki
from signing.validate import inspect_existing_signatures, validate_pdf
from signing.verdicts import ROOT_NOT_CONFIGURED, WEAK_ALGORITHM


def _sign_like_a_desktop_tool(pdf: bytes, signer: Signer, *, digest: str) -> bytes:
    """adbe.pkcs7.detached, as Vietnamese agencies' desktop signing tools make them."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Agency", md_algorithm=digest, subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@pytest.fixture(scope="module")
def signed_sha256(one_page_pdf: bytes, signer: Signer) -> bytes:
    return _sign_like_a_desktop_tool(one_page_pdf, signer, digest="sha256")


@pytest.fixture(scope="module")
def signed_sha1(one_page_pdf: bytes, signer: Signer) -> bytes:
    return _sign_like_a_desktop_tool(one_page_pdf, signer, digest="sha1")


def _chained_errors(records: list[logging.LogRecord]) -> list[str]:
    """Every exception in the chains of the logged records, as 'Type: message'."""
    seen: list[str] = []
    for record in records:
        error = record.exc_info[1] if record.exc_info else None
        while error is not None:
            seen.append(f"{type(error).__name__}: {error}")
            error = error.__context__
    return seen


def test_untrusted_root_is_named_in_plain_words(
    signed_sha256: bytes, pki: TestPki, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        [verdict] = inspect_existing_signatures(signed_sha256)  # no trust root configured
    assert verdict.verdict == "UNTRUSTED"
    assert verdict.findings == [ROOT_NOT_CONFIGURED]
    assert verdict.missing_root == "sohoa TEST ONLY Root CA"
    assert verdict.signer.startswith("UBND Phường Đông Hà")
    assert verdict.reason.startswith("chain not trusted: the root certificate is not configured")
    assert verdict.weak_algorithm is None
    # pyHanko still logs its path-building failure (it goes to the log file), but the chain no
    # longer carries our own loop check's RuntimeError.
    assert not [e for e in _chained_errors(caplog.records) if "event loop" in e]


def test_configured_root_clears_the_finding(signed_sha256: bytes, pki: TestPki) -> None:
    [verdict] = inspect_existing_signatures(signed_sha256, trust_roots=[pki.root_cert],
                                            crls=[pki.crl.read_bytes()])
    assert verdict.verdict == "VALID"
    assert verdict.findings == []
    assert verdict.missing_root is None


def test_sha1_is_not_accepted_even_with_the_root(
    signed_sha1: bytes, pki: TestPki, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        [verdict] = inspect_existing_signatures(signed_sha1, trust_roots=[pki.root_cert])
    assert verdict.verdict == "NOT_VERIFIABLE"
    assert verdict.findings == [WEAK_ALGORITHM]
    assert verdict.weak_algorithm == "SHA-1"
    assert verdict.reason.endswith("uses SHA-1, no longer accepted")
    assert verdict.signer.startswith("UBND Phường Đông Hà")  # who signed is still said
    assert not [e for e in _chained_errors(caplog.records) if "event loop" in e]


def test_sha1_without_root_has_both_findings(signed_sha1: bytes) -> None:
    [verdict] = inspect_existing_signatures(signed_sha1)
    assert verdict.findings == [WEAK_ALGORITHM, ROOT_NOT_CONFIGURED]


def test_report_text_says_it_in_both_languages(signed_sha1: bytes, signed_sha256: bytes) -> None:
    sha1 = validate_pdf(signed_sha1, trust_roots=[])
    assert "dùng thuật toán SHA-1, không còn được chấp nhận" in sha1.render("vi")
    assert "uses SHA-1, no longer accepted" in sha1.render("en")
    untrusted = validate_pdf(signed_sha256, trust_roots=[])
    assert "chứng thư gốc chưa được cấu hình" in untrusted.render("vi")
    assert "the root certificate is not configured" in untrusted.render("en")
    # the codes travel with the JSON report (and so into the record)
    assert untrusted.to_dict()["signatures"][0]["findings"] == [ROOT_NOT_CONFIGURED]


def test_a_root_with_the_same_name_but_another_key_is_not_the_root(
    signed_sha256: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from signing.testpki import ensure_test_pki

    # every test PKI's root is called "sohoa TEST ONLY Root CA": only the key differs
    other = ensure_test_pki(tmp_path_factory.mktemp("other-pki"), agency_name="Khác")
    [verdict] = inspect_existing_signatures(signed_sha256, trust_roots=[other.root_cert])
    assert verdict.verdict == "UNTRUSTED"
    assert verdict.findings == [ROOT_NOT_CONFIGURED]
