"""Already-signed inputs: inspect_existing_signatures never raises and explains what it saw."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator import ValidationContext

from signing.errors import SigningError
from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import inspect_existing_signatures, validate_pdf


def _owner_encrypted(pdf: bytes) -> bytes:
    doc = pikepdf.open(io.BytesIO(pdf))
    out = io.BytesIO()
    doc.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="", R=6))
    return out.getvalue()


def _sign_encrypted(pdf: bytes, signer: Signer) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.encrypt("")  # the empty user password, as scanners' software does
    meta = signers.PdfSignatureMetadata(
        field_name="Scanner", subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def _garble_signature(signed: bytes) -> bytes:
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    garbage = (b"3082" + b"ab" * 40).ljust(end - start, b"0")
    return signed[:start] + garbage + signed[end:]


def test_owner_password_encrypted_signed_input(
    one_page_pdf: bytes, signer: Signer, pki: TestPki
) -> None:
    signed = _sign_encrypted(_owner_encrypted(one_page_pdf), signer)
    verdicts = inspect_existing_signatures(
        signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()]
    )
    assert [v.verdict for v in verdicts] == ["VALID"]
    assert verdicts[0].pades_level is None  # adbe.pkcs7.detached is not PAdES
    assert verdicts[0].subfilter == "/adbe.pkcs7.detached"


def test_unparseable_signature_is_not_verifiable(
    one_page_pdf: bytes, signer: Signer, pki: TestPki
) -> None:
    broken = _garble_signature(sign_pdf(one_page_pdf, signer))
    verdicts = inspect_existing_signatures(broken, trust_roots=[pki.root_cert])
    assert len(verdicts) == 1
    assert verdicts[0].verdict == "NOT_VERIFIABLE"
    assert verdicts[0].reason.startswith("signature present, not verifiable")
    assert "KHÔNG KIỂM TRA ĐƯỢC" in validate_pdf(broken, trust_roots=[pki.root_cert]).render()


def test_unreadable_pdf_with_signature_markers() -> None:
    junk = b"%PDF-1.7\n garbage /ByteRange [0 1 2 3] /Contents <00> no xref"
    verdicts = inspect_existing_signatures(junk)
    assert [v.verdict for v in verdicts] == ["NOT_VERIFIABLE"]


def test_unsigned_pdf_has_no_verdicts(one_page_pdf: bytes) -> None:
    assert inspect_existing_signatures(one_page_pdf) == []
    report = validate_pdf(one_page_pdf, trust_roots=[])
    assert not report.ok
    assert "không có chữ ký" in report.render("vi")


def test_user_password_pdf_is_reported_not_raised(one_page_pdf: bytes) -> None:
    doc = pikepdf.open(io.BytesIO(one_page_pdf))
    out = io.BytesIO()
    doc.save(out, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    report = validate_pdf(out.getvalue(), trust_roots=[])
    assert report.document_error is not None and "password" in report.document_error


def test_signing_an_encrypted_input_is_refused(one_page_pdf: bytes, signer: Signer) -> None:
    with pytest.raises(SigningError) as err:
        sign_pdf(_owner_encrypted(one_page_pdf), signer)
    assert err.value.code == "BAD_PDF"


def test_adobe_style_embedded_revocation_is_used(
    one_page_pdf: bytes, signer: Signer, pki: TestPki, validation_context: ValidationContext
) -> None:
    """Desktop signing tools embed CRLs in the adbe.pkcs7 signed attributes, not in a DSS."""
    writer = IncrementalPdfFileWriter(io.BytesIO(one_page_pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Desktop",
        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        embed_validation_info=True,
        validation_context=validation_context,
    )
    signed = signers.sign_pdf(writer, meta, signer=signer).getvalue()
    assert b"/DSS" not in signed
    (verdict,) = inspect_existing_signatures(signed, trust_roots=[pki.root_cert])
    assert verdict.verdict == "VALID"
    assert verdict.revocation == "good"  # from the embedded CRL, nothing passed in
