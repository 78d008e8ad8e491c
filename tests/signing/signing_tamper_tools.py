"""Builders of tampered / badly signed PDFs shared by the signing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import cms, x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import Signer

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


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
    # The blob is zero-padded; load() reads the DER length and ignores the padding. Stripping
    # zeros instead would also cut a signature whose last byte is 0x00 (1 run in 256).
    content = cms.ContentInfo.load(bytes.fromhex(hex_blob.decode()))
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


def issue_test_p12(
    pki_dir: Path,
    directory: Path,
    *,
    key: PrivateKey | None = None,
    lifetime: timedelta = timedelta(days=30),
    common_name: str = "Extra signer - TEST ONLY",
) -> tuple[Path, crypto_x509.Certificate]:
    """A PKCS#12 (passphrase b"pw") for a new signer certified by the test root, with the same
    extensions (key usage, CRL distribution point) as the agency certificate."""
    root_key = serialization.load_pem_private_key(
        (pki_dir / "root.key.pem").read_bytes(), password=None
    )
    assert isinstance(root_key, rsa.RSAPrivateKey)
    root = crypto_x509.load_pem_x509_certificate((pki_dir / "root.crt.pem").read_bytes())
    agency = crypto_x509.load_pem_x509_certificate((pki_dir / "agency.crt.pem").read_bytes())
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    name = crypto_x509.Name([crypto_x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        crypto_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(crypto_x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + lifetime)
    )
    for ext in agency.extensions:
        if ext.oid != crypto_x509.SubjectKeyIdentifier.oid:
            builder = builder.add_extension(ext.value, critical=ext.critical)
    cert = builder.sign(root_key, hashes.SHA256())
    path = directory / f"{cert.serial_number}.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, [root], serialization.BestAvailableEncryption(b"pw")
        )
    )
    return path, cert


def issue_test_tsa(pki_dir: Path, directory: Path, *, lifetime: timedelta) -> tuple[Path, Path]:
    """A TSA certificate (EKU timeStamping) from the test root; returns (cert PEM, key PEM)."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    root_key = serialization.load_pem_private_key(
        (pki_dir / "root.key.pem").read_bytes(), password=None
    )
    assert isinstance(root_key, rsa.RSAPrivateKey)
    root = crypto_x509.load_pem_x509_certificate((pki_dir / "root.crt.pem").read_bytes())
    template = crypto_x509.load_pem_x509_certificate((pki_dir / "tsa.crt.pem").read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    name = crypto_x509.Name(
        [crypto_x509.NameAttribute(NameOID.COMMON_NAME, "Short-lived TSA - TEST ONLY")]
    )
    builder = (
        crypto_x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(crypto_x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + lifetime)
    )
    for ext in template.extensions:
        if ext.oid != crypto_x509.SubjectKeyIdentifier.oid:
            builder = builder.add_extension(ext.value, critical=ext.critical)
    assert (
        ExtendedKeyUsageOID.TIME_STAMPING
        in template.extensions.get_extension_for_class(crypto_x509.ExtendedKeyUsage).value
    )
    cert = builder.sign(root_key, hashes.SHA256())
    cert_path, key_path = directory / "tsa-short.crt.pem", directory / "tsa-short.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
