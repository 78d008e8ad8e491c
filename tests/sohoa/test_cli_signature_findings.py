"""`sohoa verify` on a scan signed elsewhere: the finding in plain words on stdout, nothing on
stderr (pyHanko's warnings and their exception chains go to the log file in the data folder)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from signing._sync import loop_safe
from signing.keys import load_pkcs12_signer
from signing.testpki import ensure_test_pki
from tests.support.env import clean_env

ROOT = Path(__file__).resolve().parents[2]


def _letter() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _signed_elsewhere(folder: Path, digest: str) -> Path:
    """A PDF signed by another agency's (test) key, with a root sohoa is not configured with."""
    pki = ensure_test_pki(folder / "other-agency-pki", agency_name="UBND Xã Thử Nghiệm")
    signer = load_pkcs12_signer(pki.p12, pki.passphrase)
    writer = IncrementalPdfFileWriter(io.BytesIO(_letter()))
    meta = signers.PdfSignatureMetadata(field_name="Agency", md_algorithm=digest,
                                        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    path = folder / f"signed-{digest}.pdf"
    # loop_safe: a browser test's Playwright session may leave an event loop in this thread
    path.write_bytes(loop_safe(signers.sign_pdf)(writer, meta, signer=signer).getvalue())
    return path


def _verify(pdf: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data_dir), SOHOA_LANG="en", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "sohoa.cli", "verify", str(pdf), "--offline"],
                          env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(("digest", "words"), [
    ("sha256", "signed by UBND Xã Thử Nghiệm - TEST ONLY, chain not trusted: the root "
               "certificate is not configured (SOHOA_TRUST_ROOTS)"),
    ("sha1", "signed by UBND Xã Thử Nghiệm - TEST ONLY, uses SHA-1, no longer accepted"),
])
def test_verify_prints_the_finding_and_no_warning(tmp_path: Path, digest: str,
                                                  words: str) -> None:
    result = _verify(_signed_elsewhere(tmp_path, digest), tmp_path / "data")
    assert result.returncode == 1, result.stdout + result.stderr  # not valid
    assert result.stderr == ""
    assert "Traceback" not in result.stdout
    assert words in " ".join(result.stdout.split())
    log = (tmp_path / "data" / "logs" / "sohoa.log").read_text("utf-8")
    assert "pyhanko" in log  # the library's warning is kept, in the log file
    assert "no running event loop" not in log
