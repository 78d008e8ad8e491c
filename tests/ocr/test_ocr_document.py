from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pikepdf
import pytest
from ocr_testpages import LINES, add_red_seal, cer, render_page, rotate, save_png
from PIL import Image

from ocr.document import ocr_file, page_count
from ocr.engine import EngineFailure, EngineOutput
from ocr.errors import OcrError
from ocr.tesseract import TesseractEngine
from ocr.types import FLAG_TIMEOUT, OcrOptions, PageOcr

TRUTH = "\n".join(LINES)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_page()


@pytest.fixture(scope="module")
def skewed_result(page: np.ndarray, tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("skewed")
    src = save_png(add_red_seal(rotate(page, 2.5), centre=(1500, 1200), radius=260), d / "in.png")
    result = ocr_file(src, kind="png", options=OcrOptions(), workdir=d / "work")
    (d / "out.pdf").write_bytes(result.pdf)
    return result, d / "out.pdf"


def test_skewed_sealed_page_read_exactly(skewed_result) -> None:
    result, _ = skewed_result
    (p,) = result.pages
    assert p.source == "ocr" and p.skew_angle == pytest.approx(-2.5, abs=0.2)
    assert "seal-removed" in p.flags
    assert cer(TRUTH, p.text) < 0.01
    assert result.needs_review == []
    assert result.engine["engine"] == "tesseract" and result.engine["tesseract"]


def test_text_is_nfc_without_stray_marks(skewed_result) -> None:
    result, _ = skewed_result
    text = result.pages[0].text
    assert text == unicodedata.normalize("NFC", text)
    assert all(unicodedata.normalize("NFC", w.text) == w.text for w in result.pages[0].words)
    for i, ch in enumerate(text):
        if unicodedata.combining(ch):
            assert i > 0 and not text[i - 1].isspace()


def test_output_text_layer_extractable(skewed_result) -> None:
    _, pdf_path = skewed_result
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) == 1
        assert cer(TRUTH, pdf.pages[0].extract_text()) < 0.01
    out = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True)
    assert cer(TRUTH, out.stdout) < 0.01


def test_output_page_is_colour_image_under_text(skewed_result) -> None:
    _, pdf_path = skewed_result
    with pikepdf.open(pdf_path) as pdf:
        images = list(pdf.pages[0].get_images().values())
        assert len(images) == 1
        assert images[0].ColorSpace == pikepdf.Name.DeviceRGB  # the seal stays visible
        assert float(pdf.pages[0].mediabox[2]) == pytest.approx(8.27 * 72, abs=1)


def test_word_boxes_on_deskewed_image(skewed_result) -> None:
    result, _ = skewed_result
    p = result.pages[0]
    first = [w for w in p.words if w.line == 0]  # all capitals: no descenders
    bottoms = [w.top + w.height for w in first]
    # 2.5° of skew over this line would spread the bottoms over ~60 px.
    assert len(first) >= 5 and max(bottoms) - min(bottoms) <= 15  # dot below "Ộ": ~10 px
    assert all(w.left >= 0 and w.left + w.width <= p.width for w in p.words)


def test_rotated_low_dpi_tiff_multi_page(page: np.ndarray, tmp_path: Path) -> None:
    small = cv2.resize(page, None, fx=200 / 300, fy=200 / 300, interpolation=cv2.INTER_AREA)
    frames = [Image.fromarray(small), Image.fromarray(cv2.rotate(small, cv2.ROTATE_90_CLOCKWISE))]
    src = tmp_path / "in.tiff"
    frames[0].save(src, save_all=True, append_images=frames[1:], dpi=(200, 200))
    assert page_count(src, kind="tiff") == 2
    seen: list[int] = []
    result = ocr_file(
        src,
        kind="tiff",
        options=OcrOptions(),
        workdir=tmp_path / "w",
        on_page=lambda p: seen.append(p.index),
    )
    assert sorted(seen) == [0, 1]
    assert [p.rotation for p in result.pages] == [0, 270]
    for p in result.pages:
        # Letters of a 200-dpi scan are tall enough: read on the scan's own pixels.
        assert "upscaled" not in p.flags and p.dpi == 200 and p.width == small.shape[1]
        assert cer(TRUTH, p.text) < 0.02
    with pikepdf.open(_write(tmp_path, result.pdf)) as pdf:
        assert len(pdf.pages) == 2


def _write(d: Path, data: bytes) -> Path:
    path = d / "result.pdf"
    path.write_bytes(data)
    return path


def _born_digital_pdf(page: np.ndarray, d: Path) -> Path:
    """A page whose text is drawn visibly (Tesseract's layer switched to render mode 0)."""
    png = save_png(page, d / "bd.png")
    subprocess.run(
        [
            "tesseract",
            str(png),
            str(d / "bd"),
            "-l",
            "vie+Vietnamese",
            "-c",
            "textonly_pdf=1",
            "pdf",
        ],
        check=True,
        capture_output=True,
    )
    with pikepdf.open(d / "bd.pdf") as pdf:
        pg = pdf.pages[0]
        data = (
            b"".join(c.read_bytes() for c in pg.obj.Contents.as_list())
            if isinstance(pg.obj.Contents, pikepdf.Array)
            else pg.obj.Contents.read_bytes()
        )
        pg.obj.Contents = pdf.make_stream(data.replace(b"3 Tr", b"0 Tr"))
        pdf.save(d / "born.pdf")
    return d / "born.pdf"


def test_mixed_pdf_keeps_born_digital_page(page: np.ndarray, tmp_path: Path) -> None:
    born = _born_digital_pdf(page, tmp_path)
    scan = tmp_path / "scan.pdf"
    Image.fromarray(rotate(page, 1.0)).save(scan, resolution=300)
    mixed = tmp_path / "mixed.pdf"
    with pikepdf.new() as pdf, pikepdf.open(born) as b, pikepdf.open(scan) as s:
        pdf.pages.extend([b.pages[0], s.pages[0]])
        pdf.save(mixed)
    result = ocr_file(mixed, kind="pdf", options=OcrOptions(), workdir=tmp_path / "w")
    assert [p.source for p in result.pages] == ["text-layer", "ocr"]
    kept, ocred = result.pages
    assert kept.confidence == 100.0 and cer(TRUTH, kept.text) < 0.01 and kept.words
    assert cer(TRUTH, ocred.text) < 0.01
    out = _write(tmp_path, result.pdf)
    with pikepdf.open(out) as pdf, pikepdf.open(born) as b:
        assert pdf.pages[0].obj.Contents.read_bytes() == b.pages[0].obj.Contents.read_bytes()
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert cer(TRUTH + "\n" + TRUTH, text) < 0.01


def _strip_marks(match: re.Match[bytes]) -> bytes:
    text = bytes.fromhex(match.group(1).decode()).decode("utf-16-be")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    bare = bare.replace("đ", "d").replace("Đ", "D")
    return b"<" + bare.encode("utf-16-be").hex().encode() + b">"


def _invisible_layer_pdf(page: np.ndarray, d: Path, *, diacritics: bool) -> Path:
    """A scanned page with an invisible text layer, with or without Vietnamese diacritics."""
    born = _born_digital_pdf(page, d)
    scan = d / "scan1.pdf"
    Image.fromarray(page).save(scan, resolution=300)
    out = d / f"invisible-{diacritics}.pdf"
    with pikepdf.open(born) as layer, pikepdf.open(scan) as pdf:
        data = layer.pages[0].obj.Contents.read_bytes().replace(b"0 Tr", b"3 Tr")
        if not diacritics:
            data = re.sub(rb"<([0-9A-Fa-f]+)>", _strip_marks, data)
        layer.pages[0].obj.Contents = layer.make_stream(data)
        pdf.pages[0].add_overlay(layer.pages[0])
        pdf.save(out)
    return out


@pytest.mark.parametrize(("diacritics", "source"), [(False, "ocr"), (True, "text-layer")])
def test_scanner_text_layer_kept_only_with_diacritics(
    page: np.ndarray, tmp_path: Path, diacritics: bool, source: str
) -> None:
    src = _invisible_layer_pdf(page, tmp_path, diacritics=diacritics)
    with pdfplumber.open(src) as pdf:
        assert ("Quảng Trị" in pdf.pages[0].extract_text()) is diacritics
    result = ocr_file(src, kind="pdf", options=OcrOptions(), workdir=tmp_path / "w")
    assert result.pages[0].source == source
    assert cer(TRUTH, result.pages[0].text) < 0.01


def test_timeout_gives_flagged_empty_page(page: np.ndarray, tmp_path: Path) -> None:
    src = save_png(page, tmp_path / "in.png")
    options = OcrOptions(page_timeout_s=0.01)
    result = ocr_file(src, kind="png", options=options, workdir=tmp_path / "w")
    (p,) = result.pages
    assert p.source == "failed" and FLAG_TIMEOUT in p.flags and p.text == "" and not p.words
    assert result.needs_review == ["page 1: OCR timed out, the page has no text"]
    with pikepdf.open(_write(tmp_path, result.pdf)) as pdf:
        assert len(pdf.pages) == 1 and len(pdf.pages[0].get_images()) == 1


def test_tesseract_processes_never_outnumber_the_cores(
    page: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four pages in flight, and a page's independent readings at once: the engine's slots
    # keep its processes to one per core (more only oversubscribe), and use every core.
    import threading
    import time

    import pytesseract

    from ocr.tesseract import usable_cores

    running, most = [0], [0]
    lock = threading.Lock()
    run = pytesseract.pytesseract.run_tesseract

    def counted(*args: object, **kwargs: object) -> object:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)  # long enough for the others to try to start
            return run(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(pytesseract.pytesseract, "run_tesseract", counted)
    src = tmp_path / "four.tiff"
    img = Image.fromarray(page)
    img.save(src, save_all=True, append_images=[img] * 3, dpi=(300, 300))
    result = ocr_file(src, kind="tiff", options=OcrOptions(jobs=4), workdir=tmp_path / "w")
    assert all(cer(TRUTH, p.text) < 0.02 for p in result.pages)
    assert most[0] == min(4, usable_cores()), most


class CrashOnSecondPage(TesseractEngine):
    def recognise(
        self, image_png: Path, out_base: Path, *, dpi: int, timeout_s: float
    ) -> EngineOutput:
        if out_base.name.startswith("page-000001"):
            raise EngineFailure("segfault")
        return super().recognise(image_png, out_base, dpi=dpi, timeout_s=timeout_s)


def test_engine_crash_fails_one_page_only(page: np.ndarray, tmp_path: Path) -> None:
    src = tmp_path / "two.tiff"
    img = Image.fromarray(page)
    img.save(src, save_all=True, append_images=[img], dpi=(300, 300))
    pages: list[PageOcr] = []
    result = ocr_file(
        src,
        kind="tiff",
        options=OcrOptions(detect_orientation=False),
        workdir=tmp_path / "w",
        on_page=pages.append,
        engine=CrashOnSecondPage(),
    )
    assert [p.source for p in result.pages] == ["ocr", "failed"]
    assert len(pages) == 2
    assert result.needs_review == ["page 2: OCR failed, the page has no text"]


def test_low_confidence_page_needs_review(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    noise = np.where(rng.random((1200, 1800)) < 0.5, 0, 255).astype(np.uint8)
    noise = cv2.resize(noise, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    src = save_png(noise[:2400, :3000], tmp_path / "noise.png")
    result = ocr_file(src, kind="png", options=OcrOptions(), workdir=tmp_path / "w")
    p = result.pages[0]
    assert p.source == "ocr"
    assert result.needs_review or "empty" in p.flags


@pytest.mark.parametrize(
    ("kind", "content", "code"),
    [
        ("png", b"\x89PNG\r\n\x1a\nbroken", "CORRUPT_IMAGE"),
        ("pdf", b"%PDF-1.7\nbroken", "CORRUPT_PDF"),
        ("docx", b"PK", "UNSUPPORTED_KIND"),
    ],
)
def test_unreadable_file_raises_ocr_error(
    tmp_path: Path, kind: str, content: bytes, code: str
) -> None:
    src = tmp_path / f"bad.{kind}"
    src.write_bytes(content)
    with pytest.raises(OcrError) as info:
        ocr_file(src, kind=kind, options=OcrOptions(), workdir=tmp_path / "w")
    assert info.value.code == code and info.value.message


def test_low_resolution_scan_pdf_rendered_at_its_own_dpi(page: np.ndarray, tmp_path: Path) -> None:
    small = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    src = tmp_path / "scan150.pdf"
    Image.fromarray(small).save(src, resolution=150)
    result = ocr_file(src, kind="pdf", options=OcrOptions(), workdir=tmp_path / "w")
    (p,) = result.pages
    assert p.dpi == 150 and abs(p.width - small.shape[1]) <= 1 and "upscaled" not in p.flags
    assert cer(TRUTH, p.text) < 0.02


def test_password_protected_pdf(page: np.ndarray, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    Image.fromarray(page).save(scan, resolution=300)
    with pikepdf.open(scan) as pdf:
        pdf.save(tmp_path / "owner.pdf", encryption=pikepdf.Encryption(owner="o", user="", R=6))
        pdf.save(tmp_path / "user.pdf", encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    # Owner password only (common on government PDFs): opens with the empty user password.
    result = ocr_file(
        tmp_path / "owner.pdf", kind="pdf", options=OcrOptions(), workdir=tmp_path / "a"
    )
    assert cer(TRUTH, result.pages[0].text) < 0.01
    with pytest.raises(OcrError) as info:
        ocr_file(tmp_path / "user.pdf", kind="pdf", options=OcrOptions(), workdir=tmp_path / "b")
    assert info.value.code == "ENCRYPTED_PDF" and "qpdf --decrypt" in info.value.message


def test_jpeg_exif_orientation_honoured(page: np.ndarray, tmp_path: Path) -> None:
    # A phone photo stored sideways with EXIF "rotate 90 CW to display" (orientation 6).
    stored = Image.fromarray(cv2.rotate(page, cv2.ROTATE_90_COUNTERCLOCKWISE))
    exif = stored.getexif()
    exif[0x0112] = 6
    src = tmp_path / "photo.jpg"
    stored.save(src, quality=92, exif=exif, dpi=(300, 300))
    options = OcrOptions(detect_orientation=False)  # EXIF alone must upright it
    result = ocr_file(src, kind="jpeg", options=options, workdir=tmp_path / "w")
    assert cer(TRUTH, result.pages[0].text) < 0.02
