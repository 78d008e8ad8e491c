"""The visible SAO Y stamp (Decree 30/2020 Annex I) and the embedded provenance manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper

from signing.pades import MANIFEST_NAME, read_manifest, sign_pdf
from signing.stamp import CopyStamp
from signing.testpki import TestPki
from signing.validate import validate_pdf

VN = timezone(timedelta(hours=7))
AGENCY = "Sở Tư pháp tỉnh Quảng Trị"
WHEN = datetime(2026, 3, 5, 14, 30, 15, tzinfo=VN)


def _actual_texts(stream: pikepdf.Object) -> list[str]:
    texts = []
    for operands, operator in pikepdf.parse_content_stream(stream):
        if str(operator) == "BDC" and len(operands) == 2:
            props = operands[1]
            if isinstance(props, pikepdf.Dictionary) and "/ActualText" in props:
                texts.append(str(props.ActualText))
    return texts


def _appearance_texts(xobj: pikepdf.Object) -> list[str]:
    texts = _actual_texts(xobj)
    resources = xobj.get("/Resources", {})
    for inner in resources.get("/XObject", {}).values():
        texts.extend(_appearance_texts(inner))
    return texts


def _font_size_ops(xobj: pikepdf.Object) -> set[float]:
    sizes = set()
    for operands, operator in pikepdf.parse_content_stream(xobj):
        if str(operator) == "Tf":
            sizes.add(float(operands[1]))
        if str(operator) == "cm":
            a, _, _, d = (float(v) for v in operands[:4])
            assert (a, d) == (1.0, 1.0), "the stamp must not be scaled (10 pt exactly)"
    for inner in xobj.get("/Resources", {}).get("/XObject", {}).values():
        sizes |= _font_size_ops(inner)
    return sizes


@pytest.fixture(scope="module")
def stamped(one_page_pdf: bytes, signer: Signer, timestamper: HTTPTimeStamper) -> bytes:
    manifest = {
        "scan_sha256": "a" * 64,
        "ocr": {"engine": "tesseract 5.3.0", "languages": "vie+Vietnamese"},
        "pages": [{"index": 0, "confidence": 91.5}],
        "clerk": "Nguyễn Thị Ánh",
        "agency_code": "000.17.22.H56",
    }
    return sign_pdf(
        one_page_pdf,
        signer,
        level="B-T",
        timestamper=timestamper,
        stamp=CopyStamp(agency=AGENCY, time=WHEN),
        manifest=manifest,
        reason="Sao y bản chính",
        location="Quảng Trị",
    )


def test_stamp_text_position_and_size(stamped: bytes) -> None:
    pdf = pikepdf.open(BytesIO(stamped))
    page = pdf.pages[0]
    width, height = float(page.MediaBox[2]), float(page.MediaBox[3])
    (annot,) = [a for a in page.Annots if a.get("/FT") == "/Sig"]
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    assert x0 > width / 2 and y0 > height * 0.85, "top right of page 1"
    assert x1 <= width - 20 and y1 <= height - 20
    texts = [unicodedata.normalize("NFC", t) for t in _appearance_texts(annot.AP.N)]
    assert texts == ["SAO Y", AGENCY, "2026-03-05T14:30:15+07:00"]
    assert _font_size_ops(annot.AP.N) == {10.0}
    fonts = [str(f.get("/BaseFont")) for f in annot.AP.N.Resources.get("/Font", {}).values()]
    nested = annot.AP.N.Resources.get("/XObject", {})
    for inner in nested.values():
        fonts += [str(f.get("/BaseFont")) for f in inner.Resources.get("/Font", {}).values()]
    assert any("Serif" in f for f in fonts), fonts


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
def test_stamp_renders_inside_its_box(stamped: bytes, tmp_path: Path) -> None:
    src = tmp_path / "s.pdf"
    src.write_bytes(stamped)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    scale = 100 / 72
    pdf = pikepdf.open(BytesIO(stamped))
    (annot,) = [a for a in pdf.pages[0].Annots if a.get("/FT") == "/Sig"]
    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
    page_h = float(pdf.pages[0].MediaBox[3])
    box = (
        int(x0 * scale),
        int((page_h - y1) * scale),
        int(x1 * scale) + 1,
        int((page_h - y0) * scale) + 1,
    )
    dark = image.point(lambda v: 255 if v < 128 else 0)
    inside = dark.crop(box).getbbox()
    assert inside is not None, "stamp text is visible"
    ink_width_pt = (inside[2] - inside[0]) / scale
    # Times-metric 10 pt: the agency line is ~130 pt wide; a 2048-upm layout bug doubles it
    assert 90 < ink_width_pt < 180, ink_width_pt
    top_band = dark.crop((0, 0, image.width, box[3] + 2))
    top_band.paste(0, box)
    assert top_band.getbbox() is None, "nothing drawn outside the stamp box in the top band"


def test_manifest_embedded_and_covered(stamped: bytes, pki: TestPki) -> None:
    pdf = pikepdf.open(BytesIO(stamped))
    attachment = pdf.attachments[MANIFEST_NAME]
    manifest = json.loads(attachment.get_file().read_bytes())
    assert read_manifest(stamped) == manifest
    assert manifest["clerk"] == "Nguyễn Thị Ánh"
    assert manifest["pages"][0]["confidence"] == 91.5
    report = validate_pdf(stamped, trust_roots=[pki.root_cert], crls=[pki.crl.read_bytes()])
    sig = report.signatures[0]
    assert sig.verdict == "VALID" and sig.coverage == "entire-file"
    # one incremental update holds manifest, stamp and signature: the signature covers them
    assert stamped.count(b"%%EOF") == 2


def test_read_manifest_absent_or_garbage(one_page_pdf: bytes) -> None:
    assert read_manifest(one_page_pdf) is None
    assert read_manifest(b"not a pdf") is None


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_stamp_upright_top_right_on_rotated_pages(
    rotation: int, signer: Signer, tmp_path: Path
) -> None:
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    doc.pages[0].Rotate = rotation
    buf = BytesIO()
    doc.save(buf)
    signed = sign_pdf(buf.getvalue(), signer, stamp=CopyStamp(agency=AGENCY, time=WHEN))
    src = tmp_path / "r.pdf"
    src.write_bytes(signed)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(src), str(tmp_path / "r")], check=True)
    image = Image.open(next(tmp_path.glob("r*.png"))).convert("L")
    ink = image.point(lambda v: 255 if v < 160 else 0).getbbox()
    assert ink is not None
    left, top, right, bottom = ink
    assert left > image.width / 2 and bottom < image.height / 4, (rotation, ink)  # top right
    assert right - left > 2 * (bottom - top), (rotation, ink)  # horizontal lines: upright
