"""A scan that arrives signed by another agency, through the real CLI: the terminal shows the
summary only (pyHanko's warnings go to the log file), and `show` says in plain words what is
wrong with the signature, from the record."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

from signing.keys import load_pkcs12_signer
from signing.testpki import ensure_test_pki
from tests.support.env import clean_env

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]


def _letter() -> bytes:
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[-1]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    lines = ["UY BAN NHAN DAN XA THU NGHIEM", "So: 12/QD-UBND", "QUYET DINH",
             "Ve viec cap giay xac nhan"]
    text = " ".join(f"BT /F1 14 Tf 72 {760 - 30 * i} Td ({line}) Tj ET"
                    for i, line in enumerate(lines))
    page.Contents = pdf.make_stream(text.encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _signed_by_another_agency(folder: Path) -> Path:
    pki = ensure_test_pki(folder / "other-pki", agency_name="UBND Xã Thử Nghiệm")
    signer = load_pkcs12_signer(pki.p12, pki.passphrase)
    meta = signers.PdfSignatureMetadata(field_name="Agency", md_algorithm="sha1",
                                        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    path = folder / "in" / "quyet-dinh-ky-so.pdf"
    path.parent.mkdir(parents=True)
    writer = IncrementalPdfFileWriter(io.BytesIO(_letter()))
    path.write_bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())
    return path


def test_signed_input_is_quiet_and_explained(tmp_path: Path) -> None:
    scan = _signed_by_another_agency(tmp_path)
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(tmp_path / "data"), DO_NOT_TRACK="1", OMP_THREAD_LIMIT="1",
               COLUMNS="200")
    report = tmp_path / "report.json"

    def sohoa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=600)

    run = sohoa("digitize", str(scan), "--no-progress", "--report", str(report))
    assert run.returncode == 0, run.stdout + run.stderr
    noise = [line for line in run.stderr.splitlines()
             if line.strip() and "TEST certificate" not in line and "legal value" not in line]
    assert noise == [], run.stderr  # nothing but the test-key notice
    assert "Traceback" not in run.stdout
    [item] = json.loads(report.read_text("utf-8"))["items"]
    shown = sohoa("show", item["record_id"])
    assert shown.returncode == 0, shown.stderr
    assert ("signed by UBND Xã Thử Nghiệm - TEST ONLY, uses SHA-1, no longer accepted; chain "
            "not trusted: the root certificate is not configured (SOHOA_TRUST_ROOTS)"
            ) in " ".join(shown.stdout.split())
    record = json.loads(sohoa("show", item["record_id"], "--json").stdout)["record"]
    [existing] = record["original"]["existing_signatures"]
    assert existing["findings"] == ["WEAK_ALGORITHM", "ROOT_NOT_CONFIGURED"]
    log = (tmp_path / "data" / "logs" / "sohoa.log").read_text("utf-8")
    assert "pyhanko" in log and "no running event loop" not in log
