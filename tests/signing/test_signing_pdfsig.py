"""An independent validator, poppler's pdfsig with the test root in an NSS database, agrees
with sohoa on the cases it supports. pdfsig does not flag a content-changing incremental update
(it only says "not total document signed"); sohoa must, and does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from signing_tamper_tools import append_content_update, flip_byte, raw_sign

from signing.keys import load_pkcs12_signer
from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils / libnss3-tools missing",
)


def _nss_db(directory: Path, root: Path | None) -> str:
    directory.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True)
    if root is not None:
        subprocess.run(
            [
                "certutil",
                "-A",
                "-d",
                f"sql:{directory}",
                "-n",
                "sohoa-test-root",
                "-t",
                "CT,C,C",
                "-i",
                str(root),
            ],
            check=True,
        )
    return f"sql:{directory}"


def _pdfsig(pdf: bytes, nss: str, tmp: Path) -> dict[str, str]:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfsig", "-nssdir", nss, str(path)], capture_output=True, text=True, timeout=60
    ).stdout
    first = out.split("Signature #2")[0]
    fields = dict(re.findall(r"- ([^:\n]+): ([^\n]+)", first))
    fields["total"] = "yes" if "Total document signed" in first else "no"
    return fields


@pytest.fixture(scope="module")
def trusted_nss(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> str:
    return _nss_db(tmp_path_factory.mktemp("nss") / "db", pki.root_cert)


@pytest.fixture(scope="module")
def empty_nss(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _nss_db(tmp_path_factory.mktemp("nss-empty") / "db", None)


@pytest.fixture(scope="module")
def signed(one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper) -> bytes:
    return sign_pdf(one_page_pdf, signer, level="B-T", timestamper=timestamper)


def _sohoa(pdf: bytes, pki: TestPki) -> str:
    report = validate_pdf(pdf, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    return report.signatures[0].verdict


def test_valid_agrees(signed: bytes, pki: TestPki, trusted_nss: str, tmp_path: Path) -> None:
    ps = _pdfsig(signed, trusted_nss, tmp_path)
    assert ps["Signature Validation"] == "Signature is Valid."
    assert ps["Certificate Validation"] == "Certificate is Trusted."
    assert _sohoa(signed, pki) == "VALID"


def test_flipped_byte_agrees(signed: bytes, pki: TestPki, trusted_nss: str, tmp_path: Path) -> None:
    tampered = flip_byte(signed)
    assert _pdfsig(tampered, trusted_nss, tmp_path)["Signature Validation"] == "Digest Mismatch."
    assert _sohoa(tampered, pki) == "INVALID_INTEGRITY"


def test_untrusted_agrees(
    signed: bytes, empty_nss: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from signing.testpki import ensure_test_pki

    ps = _pdfsig(signed, empty_nss, tmp_path)
    assert ps["Signature Validation"] == "Signature is Valid."
    assert "isn't Trusted" in ps["Certificate Validation"]
    stranger = ensure_test_pki(tmp_path_factory.mktemp("stranger-root"), agency_name="X")
    report = validate_pdf(signed, trust_roots=[stranger.root_cert])
    assert report.signatures[0].verdict == "UNTRUSTED"


def test_expired_agrees(
    one_page_pdf: bytes, pki: TestPki, trusted_nss: str, tmp_path: Path
) -> None:
    expired = raw_sign(one_page_pdf, load_pkcs12_signer(pki.expired_p12, pki.passphrase))
    assert "Expired" in _pdfsig(expired, trusted_nss, tmp_path)["Certificate Validation"]
    assert _sohoa(expired, pki) == "EXPIRED"


def test_content_update_pdfsig_misses_sohoa_catches(
    signed: bytes, pki: TestPki, trusted_nss: str, tmp_path: Path
) -> None:
    tampered = append_content_update(signed)
    ps = _pdfsig(tampered, trusted_nss, tmp_path)
    assert ps["Signature Validation"] == "Signature is Valid."  # pdfsig: still "valid"...
    assert ps["total"] == "no"  # ...only notes the signature no longer covers the whole file
    assert _sohoa(tampered, pki) == "MODIFIED"


def test_revoked_pdfsig_misses_sohoa_catches(
    one_page_pdf: bytes, pki: TestPki, trusted_nss: str, tmp_path: Path
) -> None:
    """pdfsig (NSS) checks OCSP, not CRL distribution points: a CRL-revoked signer passes it."""
    revoked = raw_sign(one_page_pdf, load_pkcs12_signer(pki.revoked_p12, pki.passphrase))
    ps = _pdfsig(revoked, trusted_nss, tmp_path)
    assert ps["Signature Validation"] == "Signature is Valid."
    assert _sohoa(revoked, pki) == "REVOKED"
