"""PKCS#11 signing for real with SoftHSM2: sign + validate, wrong PIN, wrong labels."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper

from signing.errors import SigningError
from signing.keys import close_pkcs11_signer, load_pkcs11_signer
from signing.pades import sign_pdf
from signing.testpki import TestPki
from signing.validate import validate_pdf

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, KEY, PIN, SO_PIN = "sohoa-test", "agency-key", "123456", "12345678"

pytestmark = pytest.mark.skipif(
    not SOFTHSM_MODULE.exists() or shutil.which("softhsm2-util") is None,
    reason="softhsm2 not installed",
)


def _import_certificate(cert_pem: Path) -> None:
    import pkcs11
    from asn1crypto import pem, x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    _, _, der = pem.unarmor(cert_pem.read_bytes())
    cert = x509.Certificate.load(der)
    lib = pkcs11.lib(str(SOFTHSM_MODULE))
    token = lib.get_token(token_label=TOKEN)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY,
                Attribute.ID: b"\x01",
                Attribute.VALUE: der,
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.ISSUER: cert.issuer.dump(),
                Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
            }
        )


@pytest.fixture(scope="module")
def softhsm_token(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SoftHSM2 token holding the agency key + certificate, in a private config."""
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    # SOFTHSM2_CONF is read by the SoftHSM library only (tests), never by sohoa code.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        env = dict(os.environ)
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                TOKEN,
                "--pin",
                PIN,
                "--so-pin",
                SO_PIN,
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [
                "softhsm2-util",
                "--import",
                str(pki.agency_key),
                "--token",
                TOKEN,
                "--label",
                KEY,
                "--id",
                "01",
                "--pin",
                PIN,
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        _import_certificate(pki.agency_cert)
        yield SOFTHSM_MODULE


@pytest.fixture(scope="module")
def token_signer(softhsm_token: Path, pki: TestPki) -> Iterator[Signer]:
    signer = load_pkcs11_signer(
        module=softhsm_token,
        token_label=TOKEN,
        key_label=KEY,
        pin=PIN,
        ca_chain=[pki.root_cert],
    )
    yield signer
    close_pkcs11_signer(signer)


def test_token_signs_b_t(
    token_signer: Signer, one_page_pdf: bytes, timestamper: HTTPTimeStamper, pki: TestPki
) -> None:
    signed = sign_pdf(one_page_pdf, token_signer, level="B-T", timestamper=timestamper)
    report = validate_pdf(signed, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    sig = report.signatures[0]
    assert sig.verdict == "VALID", sig.reason
    assert sig.pades_level == "B-T"
    assert sig.signer.startswith("UBND Phường Đông Hà")


def test_wrong_pin_is_bad_pin(softhsm_token: Path) -> None:
    with pytest.raises(SigningError) as err:
        load_pkcs11_signer(module=softhsm_token, token_label=TOKEN, key_label=KEY, pin="000000")
    assert err.value.code == "BAD_PIN"
    assert "PIN" in err.value.message


def test_unknown_token_and_key(softhsm_token: Path) -> None:
    with pytest.raises(SigningError) as err:
        load_pkcs11_signer(module=softhsm_token, token_label="nope", key_label=KEY, pin=PIN)
    assert err.value.code == "KEY_NOT_FOUND"
    with pytest.raises(SigningError) as err:
        load_pkcs11_signer(module=softhsm_token, token_label=TOKEN, key_label="nope", pin=PIN)
    assert err.value.code == "KEY_NOT_FOUND"


def test_missing_module() -> None:
    with pytest.raises(SigningError) as err:
        load_pkcs11_signer(
            module=Path("/nonexistent/p11.so"), token_label=TOKEN, key_label=KEY, pin=PIN
        )
    assert err.value.code == "KEY_NOT_FOUND"


def test_token_signs_from_threads(token_signer: Signer, one_page_pdf: bytes, pki: TestPki) -> None:
    """The pipeline signs from a thread pool: token use must be serialized, not corrupted."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        signed = list(pool.map(lambda _: sign_pdf(one_page_pdf, token_signer), range(8)))
    for doc in signed:
        sig = validate_pdf(doc, trust_roots=[pki.root_cert]).signatures[0]
        assert sig.intact and sig.verdict == "VALID"


@pytest.mark.integration
def test_pipeline_signs_with_the_configured_token(
    softhsm_token: Path, pki: TestPki, s3_server: object, tmp_path: Path
) -> None:
    """The digitize pipeline, configured for a PKCS#11 token, signs the copy with it."""
    import json

    from pipeline.process import BatchContext, digitize_file
    from pipeline.services import open_services
    from pipeline.settings import Settings

    samples = Path(__file__).resolve().parents[2] / "samples"
    entry = next(e for e in json.loads((samples / "manifest.json").read_text("utf-8"))["files"]
                 if "born-digital" in e["exercises"])
    s3 = s3_server
    settings = Settings(
        data_dir=tmp_path, s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,  # type: ignore[attr-defined]
        s3_secret_key=s3.secret_key, bucket_originals="hsm-originals",  # type: ignore[attr-defined]
        bucket_signed="hsm-signed", bucket_records="hsm-records",
        signing_pkcs11_module=softhsm_token, signing_pkcs11_token_label=TOKEN,
        signing_pkcs11_key_label=KEY, signing_pkcs11_pin=PIN, trust_roots=(pki.root_cert,),
    )
    with open_services(settings) as services:
        assert services.signing.test_pki_dir is None
        outcome = digitize_file(samples / entry["file"], services=services,
                                batch=BatchContext("hsm", None, None))
        assert outcome.record_id, outcome
        row = services.index.get(outcome.record_id)
        assert row is not None and row.signed_bucket and row.signed_key
        signed = services.store.get(row.signed_bucket, row.signed_key)
    sig = validate_pdf(signed, trust_roots=[pki.root_cert]).signatures[0]
    assert sig.verdict == "VALID", sig.reason
    assert sig.signer.startswith("UBND Phường Đông Hà")  # the token's certificate
