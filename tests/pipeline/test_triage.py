"""Triage by content: every kind of bad input gets its code and a message naming the file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw

from pipeline.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    FileMissing,
    InputRejected,
    UnsupportedType,
)
from pipeline.triage import file_sha256, is_blank, sniff_kind, triage


def _png(path: Path, size: tuple[int, int] = (40, 30), *, ink: bool = True) -> Path:
    """A white page; with `ink`, a dark bar across its middle (a line of text, for triage)."""
    image = Image.new("L", size, 255)
    if ink:
        ImageDraw.Draw(image).rectangle(
            (size[0] // 5, size[1] // 2, size[0] * 4 // 5, size[1] // 2 + max(1, size[1] // 20)),
            fill=0)
    image.save(path, format="PNG")
    return path


def _pdf(path: Path, *, encryption: pikepdf.Encryption | None = None, pages: int = 1,
         ink: bool = True) -> Path:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        if ink:
            pdf.pages[-1].Contents = pdf.make_stream(b"0 g 100 400 400 14 re f")
    pdf.save(path, encryption=encryption or False)
    return path


def test_sniff_kind_uses_content_not_extension() -> None:
    assert sniff_kind(b"\x89PNG\r\n\x1a\n....") == "png"
    assert sniff_kind(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff_kind(b"II*\x00") == "tiff" and sniff_kind(b"MM\x00*") == "tiff"
    assert sniff_kind(b"garbage\n%PDF-1.4") == "pdf"
    assert sniff_kind(b"PK\x03\x04") is None


def test_image_with_wrong_extension_is_accepted_by_content(tmp_path: Path) -> None:
    png = _png(tmp_path / "scan.pdf")  # a PNG named .pdf
    triaged = triage(png)
    assert triaged.kind == "png" and triaged.pages == 1
    assert triaged.sha256 == file_sha256(png)


def test_multipage_tiff_counts_frames(tmp_path: Path) -> None:
    frames = [Image.open(_png(tmp_path / f"p{i}.png", (50, 60))) for i in range(3)]
    path = tmp_path / "pages.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert triage(path).pages == 3


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile) as info:
        triage(path)
    assert info.value.code == "EMPTY_FILE" and str(path) in info.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileMissing):
        triage(tmp_path / "nope.pdf")


def test_unsupported_content(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(b"PK\x03\x04 this is a docx")
    with pytest.raises(UnsupportedType) as info:
        triage(path)
    assert "letter.pdf" in info.value.message and "PDF, PNG, JPEG or TIFF" in info.value.message


def test_truncated_pdf_and_corrupt_png(tmp_path: Path) -> None:
    whole = _pdf(tmp_path / "whole.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(CorruptFile):
        triage(cut)
    png = _png(tmp_path / "ok.png", (400, 400)).read_bytes()
    bad = tmp_path / "bad.png"
    bad.write_bytes(png[:60] + b"\x00garbage" * 20)
    with pytest.raises(CorruptFile) as info:
        triage(bad)
    assert "bad.png" in info.value.message


def test_user_password_pdf_is_rejected_owner_only_is_accepted(tmp_path: Path) -> None:
    locked = _pdf(tmp_path / "locked.pdf",
                  encryption=pikepdf.Encryption(owner="own", user="secret"))
    with pytest.raises(EncryptedPdf) as info:
        triage(locked)
    assert "qpdf --decrypt" in info.value.message
    owner_only = _pdf(tmp_path / "owner.pdf", encryption=pikepdf.Encryption(owner="own", user=""),
                      pages=2)
    triaged = triage(owner_only)
    assert triaged.kind == "pdf" and triaged.pages == 2 and triaged.owner_password_only


def test_triage_never_modifies_the_file(tmp_path: Path) -> None:
    path = _png(tmp_path / "scan.png")
    before = path.read_bytes()
    triage(path)
    assert path.read_bytes() == before
    assert io.BytesIO(before).getvalue() == path.read_bytes()


def test_blank_scans_are_quarantined_with_advice(tmp_path: Path) -> None:
    for path in (_png(tmp_path / "blank.png", (600, 800), ink=False),
                 _pdf(tmp_path / "blank.pdf", pages=5, ink=False)):
        with pytest.raises(InputRejected) as info:
            triage(path)
        assert info.value.code == "BLANK_PAGES"
        assert path.name in info.value.message and "scan it again" in info.value.message
    assert "all 5 pages are blank" in str(info.value)


def test_specks_are_blank_a_line_of_text_is_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    paper = np.clip(rng.normal(235, 8, (3508, 2480)), 0, 255).astype(np.uint8)
    for y, x in rng.integers(0, 2470, size=(300, 2)):
        paper[y:y + 3, x:x + 3] = 20  # dust
    paper[:, :60] = 30  # the scanner lid's dark edge
    assert is_blank(Image.fromarray(paper))
    line = paper.copy()
    strokes = rng.random((30, 1200)) < 0.3
    line[1700:1730, 300:1500] = np.where(strokes, 20, line[1700:1730, 300:1500])
    assert not is_blank(Image.fromarray(line))


def test_one_blank_page_among_others_is_kept(tmp_path: Path) -> None:
    pdf = pikepdf.open(_pdf(tmp_path / "two.pdf", pages=1))
    pdf.add_blank_page(page_size=(595, 842))  # the empty back side of a sheet
    pdf.save(tmp_path / "with-back.pdf")
    assert triage(tmp_path / "with-back.pdf").pages == 2


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG claiming a huge size: PIL checks the size before decoding anything."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    return path


def test_oversized_image_gets_advice(tmp_path: Path) -> None:
    path = _png_header_only(tmp_path / "huge.png", 30000, 30000)
    with pytest.raises(InputRejected) as info:
        triage(path)
    assert info.value.code == "IMAGE_TOO_LARGE"
    message = info.value.message
    assert "huge.png" in message and "900 megapixels" in message
    assert "300 dpi" in message and "179 megapixels" in message
