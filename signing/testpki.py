"""A local TEST-ONLY PKI: root CA, agency signing certificates, a TSA certificate and a CRL.

Created once in a directory and reused afterwards (keys are never regenerated while their files
exist), so tests, the benchmark and a developer's demo all sign with the same identities. The CRL
is re-issued when it gets close to its next update. Nothing here is fit for production: every
subject carries "TEST ONLY" and the private keys are stored unencrypted (PKCS#12 aside).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_ROOT_KEY_BITS = 3072
_LEAF_KEY_BITS = 2048
_CRL_VALIDITY = timedelta(days=30)
_CRL_REFRESH_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class TestPki:
    """Paths of a local test PKI (see :func:`ensure_test_pki`)."""

    __test__ = False  # not a pytest test class

    directory: Path
    root_cert: Path  # PEM
    agency_cert: Path  # PEM
    p12: Path  # agency key + cert + root, encrypted with ``passphrase``
    passphrase: bytes
    agency_key: Path  # PEM, unencrypted (for SoftHSM import in tests)
    tsa_cert: Path  # PEM, EKU timeStamping
    tsa_key: Path  # PEM, unencrypted
    crl: Path  # DER, issued by the root
    crl_port: int  # the CRL distribution point is http://127.0.0.1:<crl_port>/crl
    revoked_p12: Path  # an agency certificate listed on the CRL (same passphrase)
    expired_p12: Path  # an agency certificate that expired yesterday (same passphrase)

    @property
    def crl_url(self) -> str:
        return f"http://127.0.0.1:{self.crl_port}/crl"


def ensure_test_pki(directory: Path, *, agency_name: str, agency_code: str = "") -> TestPki:
    """Create (once) or reuse a TEST-ONLY PKI in ``directory`` and return its paths."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = _load_or_create_meta(directory)
    root_key = _ensure_key(directory / "root.key.pem", _ROOT_KEY_BITS)
    root_cert = _ensure_cert(directory / "root.crt.pem", lambda: _make_root(root_key))
    crl_url = f"http://127.0.0.1:{meta['crl_port']}/crl"
    passphrase = _ensure_passphrase(directory / "agency.p12.pass")
    subject = _agency_subject(agency_name, agency_code)
    agency_key = _ensure_key(directory / "agency.key.pem", _LEAF_KEY_BITS)
    agency_cert = _ensure_cert(
        directory / "agency.crt.pem",
        lambda: _make_leaf(subject, agency_key, root_cert, root_key, crl_url=crl_url),
    )
    _ensure_p12(directory / "agency.p12", agency_key, agency_cert, root_cert, passphrase)
    revoked_cert = _ensure_variant(
        directory,
        "revoked",
        _agency_subject(agency_name + " REVOKED", agency_code),
        root_cert,
        root_key,
        crl_url,
        passphrase,
        expired=False,
    )
    _ensure_variant(
        directory,
        "expired",
        _agency_subject(agency_name + " EXPIRED", agency_code),
        root_cert,
        root_key,
        crl_url,
        passphrase,
        expired=True,
    )
    tsa_key = _ensure_key(directory / "tsa.key.pem", _LEAF_KEY_BITS)
    _ensure_cert(
        directory / "tsa.crt.pem", lambda: _make_tsa(tsa_key, root_cert, root_key, crl_url)
    )
    _ensure_crl(directory / "root.crl", root_cert, root_key, [revoked_cert])
    return TestPki(
        directory=directory,
        root_cert=directory / "root.crt.pem",
        agency_cert=directory / "agency.crt.pem",
        p12=directory / "agency.p12",
        passphrase=passphrase,
        agency_key=directory / "agency.key.pem",
        tsa_cert=directory / "tsa.crt.pem",
        tsa_key=directory / "tsa.key.pem",
        crl=directory / "root.crl",
        crl_port=int(meta["crl_port"]),
        revoked_p12=directory / "revoked.p12",
        expired_p12=directory / "expired.p12",
    )


def _load_or_create_meta(directory: Path) -> dict[str, int]:
    path = directory / "pki.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    meta = {"crl_port": _free_port()}
    path.write_text(json.dumps(meta))
    return meta


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _ensure_key(path: Path, bits: int) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(path, pem)
    return key


def _ensure_cert(path: Path, make: object) -> x509.Certificate:
    if path.exists():
        return x509.load_pem_x509_certificate(path.read_bytes())
    assert callable(make)
    cert: x509.Certificate = make()
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def _ensure_passphrase(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    passphrase = secrets.token_urlsafe(24).encode()
    _write_private(path, passphrase)
    return passphrase


def _ensure_p12(
    path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    root: x509.Certificate,
    passphrase: bytes,
) -> None:
    if path.exists():
        return
    data = pkcs12.serialize_key_and_certificates(
        name=b"sohoa-test-agency",
        key=key,
        cert=cert,
        cas=[root],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
    )
    _write_private(path, data)


def _ensure_variant(
    directory: Path,
    stem: str,
    subject: x509.Name,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    crl_url: str,
    passphrase: bytes,
    *,
    expired: bool,
) -> x509.Certificate:
    key = _ensure_key(directory / f"{stem}.key.pem", _LEAF_KEY_BITS)
    cert = _ensure_cert(
        directory / f"{stem}.crt.pem",
        lambda: _make_leaf(subject, key, root_cert, root_key, crl_url=crl_url, expired=expired),
    )
    _ensure_p12(directory / f"{stem}.p12", key, cert, root_cert, passphrase)
    return cert


def _agency_subject(agency_name: str, agency_code: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{agency_name} (TEST ONLY)"[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{agency_name} - TEST ONLY"[:64]),
    ]
    if agency_code:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency_code[:64]))
    return x509.Name(attrs)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _make_root(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sohoa TEST ONLY"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sohoa TEST ONLY Root CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - timedelta(days=3650))
        .not_valid_after(_now() + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )


def _key_usage(*, cert_sign: bool = False, signing: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_builder(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    crl_url: str,
) -> x509.CertificateBuilder:
    crl_dp = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(crl_url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.CRLDistributionPoints([crl_dp]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _make_leaf(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    *,
    crl_url: str,
    expired: bool = False,
) -> x509.Certificate:
    if expired:
        start, end = _now() - timedelta(days=400), _now() - timedelta(days=1)
    else:
        start, end = _now() - timedelta(days=1), _now() + timedelta(days=3 * 365)
    return (
        _leaf_builder(subject, key, root_cert, root_key, crl_url)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(_key_usage(signing=True), critical=True)
        .sign(root_key, hashes.SHA256())
    )


def _make_tsa(
    key: rsa.RSAPrivateKey,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    crl_url: str,
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sohoa TEST ONLY"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sohoa TEST ONLY Timestamp Authority"),
        ]
    )
    return (
        _leaf_builder(subject, key, root_cert, root_key, crl_url)
        .not_valid_before(_now() - timedelta(days=1))
        .not_valid_after(_now() + timedelta(days=5 * 365))
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )


def _ensure_crl(
    path: Path,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    revoked: list[x509.Certificate],
) -> None:
    if path.exists():
        current = x509.load_der_x509_crl(path.read_bytes())
        next_update = current.next_update_utc
        if next_update is not None and next_update - _now() > _CRL_REFRESH_MARGIN:
            return
    path.write_bytes(issue_crl(root_cert, root_key, revoked))


def issue_crl(
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    revoked: list[x509.Certificate],
    *,
    revoked_at: datetime | None = None,
) -> bytes:
    """A DER CRL from the test root listing ``revoked`` (revoked an hour ago by default)."""
    when = revoked_at or _now() - timedelta(hours=1)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(root_cert.subject)
        .last_update(_now() - timedelta(minutes=5))
        .next_update(_now() + _CRL_VALIDITY)
        .add_extension(x509.CRLNumber(int(_now().timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(when)
            .build()
        )
    return builder.sign(root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
