"""The held-out generator: independent of samples/, deterministic, truth matching the pages."""

from __future__ import annotations

import ast
import os
import random
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from stdnum.vn import mst

from bench.heldout.damage import DAMAGES, ROTATION_KEY
from bench.heldout.docs import KINDS
from bench.heldout.generate import Written, build, main, make_document
from bench.heldout.load import load_set
from bench.heldout.people import province_codes
from bench.heldout.typeset import typeset
from pipeline.extract import FIELDS

HELDOUT = Path(__file__).resolve().parents[2] / "bench" / "heldout"
ALLOWED = {"numpy", "cv2", "PIL", "vietnam_provinces", "stdnum", "bench"}


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> list[Written]:
    """One clean document of every kind."""
    return build(tmp_path_factory.mktemp("heldout-clean"), docs=len(KINDS), seed=77,
                 variants=["clean"])


def test_no_module_imports_samples_or_project_code() -> None:
    for path in HELDOUT.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED or top in sys.stdlib_module_names or top == "", \
                    f"{path.name} imports {name}"
                assert not name.startswith("samples"), f"{path.name} imports {name}"
                if top == "bench":
                    assert name.startswith("bench.heldout"), f"{path.name} imports {name}"


def test_same_seed_same_bytes_other_seed_other_documents(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        assert main(["--out", str(tmp_path / name), "--docs", "1", "--seed", "5", "--pdf"]) == 0
        runs.append({str(p.relative_to(tmp_path / name)): p.read_bytes()
                     for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert runs[0] == runs[1]
    assert any(k.endswith("document.pdf") for k in runs[0])
    assert len([k for k in runs[0] if k.endswith("truth.json")]) == 2  # clean + one damaged
    docs = load_set(tmp_path / "a")
    assert [d.variant for d in docs] == ["clean", "photocopy"]
    assert docs[0].pdf is not None and docs[0].pages[0].image.exists()
    assert docs[0].fields["doc_type"] == "QUYẾT ĐỊNH" and docs[0].pages[0].lines
    other = make_document(6, 0).fields
    assert other != make_document(5, 0).fields


def test_truth_fields_are_the_extraction_fields_plus_parties(every_kind: list[Written]) -> None:
    assert {w.truth["doc_type"] for w in every_kind} >= {
        "QUYẾT ĐỊNH", "CÔNG VĂN", "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "TRÍCH LỤC KHAI SINH",
        "GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "THÔNG BÁO", "BÁO CÁO"}
    for w in every_kind:
        assert list(w.truth["fields"]) == [*FIELDS, "parties"]


def _text(w: Written) -> str:
    return "\n".join(line for page in w.truth["pages"] for line in page["lines"])


def test_truth_fields_are_what_the_pages_print(every_kind: list[Written]) -> None:
    for w in every_kind:
        f, text = w.truth["fields"], _text(w)
        lines = text.splitlines()
        name = w.truth["doc_id"]
        for i, page in enumerate(w.truth["pages"], 1):  # the .txt files hold the same lines
            assert (w.folder / f"page-{i}.txt").read_text("utf-8").splitlines() == page["lines"]
        if f["number_symbol"]:
            assert f"Số: {f['number_symbol']}" in lines, name
        issued = date.fromisoformat(f["issue_date"])
        month = f"{issued.month:02d}" if issued.month <= 2 else str(issued.month)
        assert f"{f['issue_place']}, ngày {issued.day:02d} tháng {month} năm {issued.year}" \
            in lines, name
        assert " ".join(f["issuing_agency"].split()) in " ".join(lines[:8]), name
        assert f["signer_name"] in w.truth["pages"][-1]["lines"], name
        assert f["signer_title"] in lines or f"Q. {f['signer_title']}" in lines, name
        if f["subject"]:  # the subject may wrap: its words in order, nothing else between
            assert f["subject"] in " ".join(lines), name
        for item in f["recipients"]:  # an item may wrap
            assert f"- {item}" in " ".join(lines), name
        for key in ("owner_id", "tax_code"):
            if f[key]:
                assert f[key] in text, (name, key)
        flat = " ".join(lines).upper()  # names may wrap
        for key in ("owner_name", "owner_address"):
            if f[key]:
                assert f[key].upper() in flat, (name, key)
        born = [f["owner_birth_date"]] + [p["birth_date"] for p in f["parties"]]
        for iso in filter(None, born):  # printed as dd/mm/yyyy
            assert "/".join(reversed(iso.split("-"))) in text, (name, iso)
        for party in f["parties"]:
            assert party["id"] in text and party["name"].upper() in flat, name
        assert sum(p["owner"] for p in f["parties"]) == (1 if f["owner_name"] else 0), name
        assert f["page_count"] == len(w.truth["pages"])


def test_identifiers_are_valid_and_synthetic(every_kind: list[Written]) -> None:
    codes = province_codes()
    ids = 0
    for w in every_kind:
        for party in w.truth["fields"]["parties"]:
            if party["role"] == "enterprise":
                assert mst.is_valid(party["id"])
                continue
            pid = party["id"]
            assert re.fullmatch(r"\d{12}", pid) and int(pid[:3]) in codes
            ids += 1
            if party["birth_date"]:
                born = date.fromisoformat(party["birth_date"])
                assert int(pid[3]) // 2 == born.year // 100 - 19
                assert pid[4:6] == f"{born.year % 100:02d}"
    assert ids >= 5


def test_a_clean_page_reads_back_with_tesseract(every_kind: list[Written]) -> None:
    """The drawn number and signer are what Tesseract sees (a human-like reading standard)."""
    w = next(w for w in every_kind if w.truth["fields"]["number_symbol"]
             and not w.truth["pages"][0]["seal"] and len(w.truth["pages"]) == 1)
    out = subprocess.run(["tesseract", str(w.folder / "page-1.png"), "-", "-l", "vie"],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
    f = w.truth["fields"]
    squeezed = out.replace(" ", "")
    assert f["number_symbol"] in squeezed
    assert f["signer_name"].replace(" ", "") in squeezed


def _background_spread(image: Image.Image) -> float:
    arr = np.asarray(image.convert("L"))
    small = cv2.resize(arr, (arr.shape[1] // 8, arr.shape[0] // 8), interpolation=cv2.INTER_AREA)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8)).astype(np.float32)
    inner = bg[bg.shape[0] // 10: -bg.shape[0] // 10, bg.shape[1] // 10: -bg.shape[1] // 10]
    return float(np.percentile(inner, 98) - np.percentile(inner, 2))


def test_damages_do_what_they_claim() -> None:
    doc = make_document(3, 2)
    page = typeset(doc, random.Random(0))[0].image
    g = np.random.default_rng(1)
    assert _background_spread(page) < 3
    uneven, dpi = DAMAGES["uneven"](page, g)
    assert dpi == 300 and uneven.mode == "RGB" and _background_spread(uneven) > 40
    photo, dpi = DAMAGES["photo70"](page, g)
    assert dpi == 72 and page.width * 66 / 300 < photo.width < page.width * 74 / 300 * 1.2
    low, dpi = DAMAGES["dpi200"](page, g)
    assert dpi == 200 and low.size == (page.width * 2 // 3, page.height * 2 // 3)
    copy, _ = DAMAGES["photocopy"](page, g)
    middle = np.asarray(copy)[page.height // 3: page.height // 2, page.width // 4: -page.width // 4]
    assert float(np.median(middle)) < 235  # grey ground, not white paper
    turned, _ = DAMAGES["rot90sparse"](page, g)
    assert turned.size == (page.height, page.width) and turned.info[ROTATION_KEY] in (90, 270)


def test_rot90sparse_turns_only_the_text_sparse_signer_page(tmp_path: Path) -> None:
    written = build(tmp_path, docs=1, seed=9, variants=["rot90sparse"])
    for w in written:
        pages = w.truth["pages"]
        assert len(pages) >= 2 and pages[-1]["signer_page"]
        assert pages[-1]["rotation"] in (90, 270)
        assert all(p["rotation"] == 0 for p in pages[:-1])
        last = Image.open(w.folder / pages[-1]["image"])
        assert last.width > last.height  # A4 on its side
        assert (np.asarray(last.convert("L")) < 128).mean() < 0.02  # text-sparse
        assert len(pages[-1]["lines"]) <= 12
        assert w.truth["fields"]["signer_name"] in pages[-1]["lines"]
