"""Builders of tampered / badly signed PDFs shared by the signing tests."""

from __future__ import annotations

from io import BytesIO

from asn1crypto import cms, x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import Signer


def raw_sign(pdf: bytes, signer: Signer) -> bytes:
    """Sign with pyHanko directly, bypassing sohoa's pre-sign certificate checks."""
    meta = signers.PdfSignatureMetadata(field_name="Sig", subfilter=SigSeedSubFilter.PADES)
    out = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


def flip_byte(signed: bytes, marker: bytes = b"page 1") -> bytes:
    data = bytearray(signed)
    data[data.index(marker)] ^= 0x01
    return bytes(data)


def append_content_update(signed: bytes) -> bytes:
    """An incremental update after signing that draws new text on page 1."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    overlay = generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 400 Td (FORGED) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def substitute_certificate(signed: bytes, other: x509.Certificate) -> bytes:
    """Replace the signer's certificate (and signer id) in the CMS with ``other``, same size."""
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    hex_blob = signed[start:end]
    content = cms.ContentInfo.load(bytes.fromhex(hex_blob.decode()).rstrip(b"\0"))
    signed_data = content["content"]
    signed_data["certificates"] = cms.CertificateSet(
        [cms.CertificateChoices(name="certificate", value=other)]
    )
    signed_data["signer_infos"][0]["sid"] = cms.SignerIdentifier(
        name="issuer_and_serial_number",
        value=cms.IssuerAndSerialNumber(
            {"issuer": other.issuer, "serial_number": other.serial_number}
        ),
    )
    forged = content.dump(force=True).hex().encode()
    assert len(forged) <= len(hex_blob)
    return signed[:start] + forged.ljust(len(hex_blob), b"0") + signed[end:]
