"""Sample generator: deterministic, valid identifiers, bundled set as documented."""

from __future__ import annotations

import io
import json
import random
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image
from stdnum.vn import mst

from samples import data
from samples.bundled import USER_PASSWORD
from samples.generate import (
    DOC_TYPES,
    VARIANTS,
    build_bundled,
    build_set,
    degrade,
    ground_truth,
    main,
    make_specs,
    render_pages,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CCCD_PROVINCES = {p[2] for p in data.NEW_PROVINCES + data.OLD_PROVINCES}
VIET_LETTERS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def manifest() -> dict[str, Any]:
    return json.loads((SAMPLES / "manifest.json").read_text("utf-8"))


def bundled_truths() -> list[dict[str, Any]]:
    return [json.loads((SAMPLES / e["truth"]).read_text("utf-8"))
            for e in manifest()["files"] if e["expected"] == "OK"]


def assert_valid_owner_id(owner_id: str, birth: str | None) -> None:
    if len(owner_id) == 9:  # old CMND
        assert owner_id.isdigit()
        return
    assert re.fullmatch(r"\d{12}", owner_id), owner_id
    assert owner_id[:3] in CCCD_PROVINCES
    if birth:
        born = date.fromisoformat(birth)
        assert int(owner_id[3]) // 2 == born.year // 100 - 19  # century digit
        assert owner_id[4:6] == f"{born.year % 100:02d}"


def test_specs_cycle_through_every_type() -> None:
    assert len(DOC_TYPES) >= 8
    specs = make_specs(len(DOC_TYPES) * 2, seed=3)
    assert [s.doc_type for s in specs[: len(DOC_TYPES)]] == list(DOC_TYPES)


def test_same_seed_same_truth_and_pixels() -> None:
    first, second = make_specs(12, seed=7), make_specs(12, seed=7)
    assert [ground_truth(s, file="x", variant="clean") for s in first] == \
        [ground_truth(s, file="x", variant="clean") for s in second]
    assert render_pages(first[0])[0].tobytes() == render_pages(second[0])[0].tobytes()
    other = make_specs(12, seed=8)
    assert [s.fields for s in other] != [s.fields for s in first]


def test_build_set_is_byte_reproducible(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        paths = build_set(tmp_path / name, count=2, variants=["clean", "skew+jpeg"], seed=5)
        assert len(paths) == 4
        runs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert runs[0] == runs[1]
    truth = json.loads(next(p for p in paths if "skew" in p.name).read_text("utf-8"))
    assert truth["variant"] == "skew+jpeg"
    assert all((tmp_path / "b" / f).exists() for f in truth["files"])


def _pixels(path: Path) -> list[np.ndarray]:
    if path.suffix == ".pdf":
        doc = pdfium.PdfDocument(path)
        return [np.asarray(page.render(scale=0.5).to_pil().convert("L"), dtype=np.float32)
                for page in doc]
    with Image.open(path) as im:
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("L"), dtype=np.float32))
        return frames


def test_bundled_set_regenerates(tmp_path: Path) -> None:
    """Truth and manifest are byte-identical; pages match pixel for pixel up to codec noise
    (other Pillow/FreeType/libjpeg builds may encode the same pixels differently)."""
    build_bundled(tmp_path)
    assert (tmp_path / "manifest.json").read_bytes() == (SAMPLES / "manifest.json").read_bytes()
    for entry in manifest()["files"]:
        new, old = tmp_path / entry["file"], SAMPLES / entry["file"]
        if entry["expected"] != "OK":
            continue
        assert (tmp_path / entry["truth"]).read_bytes() == (SAMPLES / entry["truth"]).read_bytes()
        if new.read_bytes() == old.read_bytes():
            continue
        for a, b in zip(_pixels(new), _pixels(old), strict=True):
            assert a.shape == b.shape and float(np.abs(a - b).mean()) < 2.0, entry["file"]


def test_identifiers_are_structurally_valid() -> None:
    truths = [ground_truth(s, file="x", variant="clean") for s in make_specs(60, seed=11)]
    truths += bundled_truths()
    ids = taxes = 0
    for t in truths:
        f = t["fields"]
        if f["owner_id"]:
            assert_valid_owner_id(f["owner_id"], f["owner_birth_date"])
            ids += 1
        if f["tax_code"]:
            assert mst.is_valid(f["tax_code"]), f["tax_code"]
            taxes += 1
        assert date.fromisoformat(f["issue_date"]) <= date(2026, 11, 1)
        if f["valid_until"] not in (None, "permanent"):
            assert date.fromisoformat(f["valid_until"]) > date.fromisoformat(f["issue_date"])
    assert ids >= 20 and taxes >= 10


def test_text_is_nfc_vietnamese_and_dates_follow_decree_30() -> None:
    for t in bundled_truths() + [ground_truth(s, file="x", variant="clean")
                                 for s in make_specs(20, seed=2)]:
        lines = [ln for p in t["pages"] for ln in p["lines"]]
        assert all(unicodedata.is_normalized("NFC", ln) for ln in lines)
        assert sum(any(c in VIET_LETTERS for c in ln.lower()) for ln in lines) > len(lines) / 2
        issued = date.fromisoformat(t["fields"]["issue_date"])
        month = f"{issued.month:02d}" if issued.month < 3 else str(issued.month)
        expected = f"ngày {issued.day:02d} tháng {month} năm {issued.year}"
        assert any(ln.endswith(expected) and ln.startswith(t["fields"]["issue_place"])
                   for ln in lines)
        assert t["fields"]["page_count"] == len(t["pages"])
        if t["fields"]["number_symbol"]:
            assert f"Số: {t['fields']['number_symbol']}" in lines


def test_manifest_lists_every_file_and_one_owner_has_two_documents() -> None:
    entries = manifest()["files"]
    listed = {e["file"] for e in entries}
    on_disk = {str(p.relative_to(SAMPLES)) for d in ("scans", "broken")
               for p in (SAMPLES / d).iterdir()}
    assert listed == on_disk
    for e in entries:
        assert e["exercises"]
        if e["expected"] == "OK":
            assert json.loads((SAMPLES / e["truth"]).read_text("utf-8"))["file"] == e["file"]
        else:
            assert e["expected"] in {"EMPTY_FILE", "CORRUPT_FILE", "ENCRYPTED_PDF",
                                     "UNSUPPORTED_TYPE"}
    owners = [t["fields"]["owner_id"] for t in bundled_truths() if t["fields"]["owner_id"]]
    assert max(owners.count(o) for o in owners) == 2
    assert sum(1 for p in SAMPLES.rglob("*") if p.is_file() and p.suffix != ".py") < 60
    assert sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file()) < 6_500_000


def test_broken_files_are_broken_as_stated() -> None:
    broken = SAMPLES / "broken"
    assert (broken / "empty.pdf").stat().st_size == 0
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(broken / "truncated.pdf")
    with pikepdf.open(broken / "truncated.pdf") as pdf:  # qpdf recovers, but says so
        assert any("damaged" in w for w in pdf.get_warnings())
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(broken / "password.pdf")
    with pikepdf.open(broken / "password.pdf", password=USER_PASSWORD) as pdf:
        assert len(pdf.pages) == 2
    head = (broken / "not-a-scan.pdf").read_bytes()[:4]
    assert head == b"PK\x03\x04"
    with pytest.raises(OSError), Image.open(broken / "corrupt.png") as im:
        im.load()


def test_owner_encrypted_and_born_digital_pdfs_open_with_the_text_drawn() -> None:
    scans = SAMPLES / "scans"
    with pikepdf.open(scans / "08-trich-luc-khai-sinh-owner-pw.pdf") as pdf:
        assert pdf.is_encrypted and len(pdf.pages) == 1
    for name in ("07-gcn-doanh-nghiep-text", "08-trich-luc-khai-sinh-owner-pw"):
        truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text("utf-8"))
        doc = pdfium.PdfDocument(scans / f"{name}.pdf")
        for page, expected in zip(doc, truth["pages"], strict=True):
            text = page.get_textpage().get_text_range()
            got = [ln.strip() for ln in text.splitlines() if ln.strip()]
            assert got == expected["lines"]


def test_multi_page_containers_hold_every_page() -> None:
    with Image.open(SAMPLES / "scans/05-ke-hoach-2-trang.tiff") as im:
        assert getattr(im, "n_frames", 1) == 2
        assert round(im.info["dpi"][0]) == 300
    with pikepdf.open(SAMPLES / "scans/06-cong-van-2-trang.pdf") as pdf:
        assert len(pdf.pages) == 2
        assert "/Font" not in repr(pdf.pages[0].Resources)  # image only, no text layer


def test_every_variant_degrades_a_page() -> None:
    spec = make_specs(1, seed=4)[0]
    page = render_pages(spec, dpi=150)[-1]
    for variant in VARIANTS:
        out = degrade(page, variant, random.Random(1))
        assert out.mode == ("RGB" if variant == "seal" else "L"), variant
        if variant in ("rot90", "rot270"):
            assert out.size == (page.height, page.width)
        elif variant not in ("dpi150", "dpi200", "phone70", "curl"):
            assert out.size == page.size
    seal = np.asarray(degrade(page, "seal", random.Random(1)), dtype=np.int16)
    red = (seal[..., 0] > 150) & (seal[..., 0] - seal[..., 1] > 60)
    assert red.sum() > 2000  # a ~38 mm red stamp at 150 dpi
    full = render_pages(spec)[0]
    low = degrade(full, "dpi200", random.Random(1))
    assert low.size == (round(full.width * 2 / 3), round(full.height * 2 / 3))
    assert low.info["dpi"] == (200, 200)
    buf = io.BytesIO()
    low.save(buf, "PNG", dpi=low.info["dpi"])
    assert round(Image.open(io.BytesIO(buf.getvalue())).info["dpi"][0]) == 200
    with pytest.raises(ValueError):
        degrade(page, "coffee-stain", random.Random(1))


def test_cli_writes_a_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set", "--out", str(tmp_path), "--count", "1", "--variants", "dpi150,rot180",
                 "--seed", "3", "--fmt", "tiff"]) == 0
    assert "2 documents" in capsys.readouterr().out
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".json", ".tiff", ".tiff"]
    with pytest.raises(SystemExit):
        main(["set", "--out", str(tmp_path), "--fmt", "bmp"])
