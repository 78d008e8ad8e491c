"""Triage by content: every kind of bad input gets its code and a message naming the file."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from pipeline.errors import CorruptFile, EmptyFile, EncryptedPdf, FileMissing, UnsupportedType
from pipeline.triage import file_sha256, sniff_kind, triage


def _png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    Image.new("L", size, 255).save(path, format="PNG")
    return path


def _pdf(path: Path, *, encryption: pikepdf.Encryption | None = None, pages: int = 1) -> Path:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
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
    frames = [Image.new("L", (50, 60), 255) for _ in range(3)]
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
