"""Benchmark: PAdES signatures and validations per second per core.

Signs 1-page and 50-page A4 scans (a JPEG image per page) at B-B, B-T and B-LT with the test
PKI, the local TSA and the local CRL server on 127.0.0.1, and validates the results. Peers on the
same inputs in the same run: plain pyHanko (``pyhanko.sign.signers.sign_pdf`` with no sohoa
wrapper: no pre-sign check, no stamp, no manifest) for signing, poppler's ``pdfsig`` for
validation. Rates are documents per CPU-second (process + children), i.e. per core, so other
load on a shared machine does not distort them.

    .venv/bin/python bench/sign.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pikepdf  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from signing.context import make_timestamper, make_validation_context  # noqa: E402
from signing.keys import load_pkcs12_signer  # noqa: E402
from signing.pades import sign_pdf  # noqa: E402
from signing.stamp import CopyStamp  # noqa: E402
from signing.testpki import ensure_test_pki  # noqa: E402
from signing.testservers import serve_test_pki  # noqa: E402
from signing.validate import validate_pdf  # noqa: E402


def scan_pdf(pages: int) -> bytes:
    """A4 pages, each a 150-dpi grayscale JPEG of ~60 KB, like a cleaned-up scan."""
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for y in range(120, 1650, 36):
        draw.line([(120, y), (1120, y)], fill=40, width=3)
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=60)
    jpeg = buf.getvalue()
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        xobj = pikepdf.Stream(pdf, jpeg)
        xobj.Type, xobj.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        xobj.Width, xobj.Height, xobj.BitsPerComponent = 1240, 1754, 8
        xobj.ColorSpace, xobj.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.DCTDecode
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobj))
        page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _cpu_seconds() -> float:
    """CPU time of this process (all threads, incl. the in-process TSA/CRL server) plus
    finished child processes (pdfsig)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def rate(fn: Callable[[], object], rounds: int) -> float:
    """Documents per CPU-second, i.e. per core: robust to other load on a shared machine."""
    fn()  # warm-up: caches, font subsetting tables, TSA connection path
    start = _cpu_seconds()
    for _ in range(rounds):
        fn()
    return rounds / max(_cpu_seconds() - start, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sohoa-bench-sign-"))
    pki = ensure_test_pki(workdir / "pki", agency_name="UBND Phường Đông Hà")
    signer = load_pkcs12_signer(pki.p12, pki.passphrase)
    docs = {1: scan_pdf(1), 50: scan_pdf(50)}
    rows: list[tuple[str, str, str]] = []
    with serve_test_pki(pki) as servers:
        tsa = make_timestamper(servers.tsa_url)
        ctx = make_validation_context(trust_roots=[pki.root_cert], allow_fetching=True)
        stamp = CopyStamp(agency="UBND Phường Đông Hà")
        signed: dict[tuple[int, str], bytes] = {}
        for pages, pdf in docs.items():
            rounds = args.rounds if pages == 1 else max(3, args.rounds // 4)
            for level in ("B-B", "B-T", "B-LT"):

                def ours(pdf: bytes = pdf, level: str = level) -> bytes:
                    return sign_pdf(
                        pdf,
                        signer,
                        level=level,
                        timestamper=tsa,
                        validation_context=ctx,
                        stamp=stamp,
                        manifest={"level": level},
                    )

                def peer(pdf: bytes = pdf, level: str = level) -> bytes:
                    return _pyhanko_sign(pdf, signer, level, tsa, ctx)

                signed[(pages, level)] = ours()
                rows.append(
                    (
                        f"sign {pages:>2}-page {level}",
                        f"{rate(ours, rounds):6.1f}",
                        f"{rate(peer, rounds):6.1f}",
                    )
                )
        roots = [pki.root_cert]
        crls = [pki.crl.read_bytes()]
        for (pages, level), pdf in signed.items():
            if level == "B-B":
                continue
            rounds = args.rounds if pages == 1 else max(3, args.rounds // 4)
            ours_v = rate(lambda pdf=pdf: validate_pdf(pdf, trust_roots=roots, crls=crls), rounds)
            peer_v = _pdfsig_rate(pdf, pki.root_cert, workdir, rounds)
            rows.append((f"validate {pages:>2}-page {level}", f"{ours_v:6.1f}", peer_v))
    _print_table(rows)
    shutil.rmtree(workdir, ignore_errors=True)


def _pyhanko_sign(
    pdf: bytes, signer: object, level: str, tsa: HTTPTimeStamper, ctx: ValidationContext
) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="Sig",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=level == "B-LT",
        validation_context=ctx if level == "B-LT" else None,
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        meta,
        signer=signer,
        timestamper=None if level == "B-B" else tsa,
    )
    return out.getvalue()


def _pdfsig_rate(pdf: bytes, root: Path, workdir: Path, rounds: int) -> str:
    if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
        return "   n/a"
    nss = workdir / "nss"
    if not nss.exists():
        nss.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
            check=True,
        )
    path = workdir / "v.pdf"
    path.write_bytes(pdf)
    cmd = ["pdfsig", "-nssdir", f"sql:{nss}", str(path)]
    return f"{rate(lambda: subprocess.run(cmd, capture_output=True, check=False), rounds):6.1f}"


def _print_table(rows: list[tuple[str, str, str]]) -> None:
    print(f"{'operation (docs/s/core)':<26} {'sohoa':>8} {'peer':>8}")
    print("-" * 44)
    for name, ours, peer in rows:
        print(f"{name:<26} {ours:>8} {peer:>8}")
    print("peer = plain pyHanko (signing, no pre-check/stamp/manifest) | pdfsig (validation)")


if __name__ == "__main__":
    main()
