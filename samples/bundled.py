"""The small committed sample set: good scans in several formats, their truth, broken files."""

from __future__ import annotations

import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image

from samples import data
from samples.degrade import degrade
from samples.doctypes import make_spec
from samples.groundtruth import ground_truth, write_truth
from samples.render import render_pages
from samples.specs import DocSpec
from samples.writers import (
    encrypt_pdf,
    image_pdf_bytes,
    save_image,
    text_pdf_bytes,
    write_pages,
)

SEED = 2026
OWNER_PASSWORD = "sohoa-owner"  # owner-only: opens with an empty user password
USER_PASSWORD = "sohoa-user"  # broken/password.pdf needs this to open
KIND = {".png": "png", ".jpg": "jpeg", ".tiff": "tiff", ".pdf": "pdf"}


def citizen(seed: int, *, province: int, born: date, male: bool) -> data.Person:
    """A synthetic citizen with a structurally valid CCCD, shared by several documents."""
    rng = random.Random(seed)
    prov = data.Province(*data.NEW_PROVINCES[province])
    return data.Person(
        name=data.person_name(rng, male), male=male, birth=born,
        cccd=data.cccd_number(rng, province_code=prov.cccd_code, male=male, birth=born),
        cmnd=None, address=data.address(rng, prov, new_era=True))


@dataclass(frozen=True)
class Good:
    file: str  # path under samples/, e.g. "scans/01-quyet-dinh.png"
    spec: DocSpec
    variant: str
    exercises: str
    write: Callable[[DocSpec, list[Image.Image], Path], None]


def _single(pages: list[Image.Image], path: Path) -> Image.Image:
    if len(pages) != 1:
        raise ValueError(f"{path.name}: a single-image format needs a one-page document")
    return pages[0]


def as_png(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    save_image(_single(pages, path), path, optimize=True)


def as_jpeg(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    save_image(_single(pages, path), path, quality=85)


def as_tiff(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    write_pages(pages, path.parent, path.stem, "tiff")


def as_image_pdf(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    path.write_bytes(image_pdf_bytes(pages, quality=75))


def as_text_pdf(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    path.write_bytes(text_pdf_bytes(spec))


def as_owner_encrypted_pdf(spec: DocSpec, pages: list[Image.Image], path: Path) -> None:
    path.write_bytes(encrypt_pdf(text_pdf_bytes(spec), owner=OWNER_PASSWORD, user=""))


def good_samples() -> list[Good]:
    a = citizen(SEED, province=22, born=date(1987, 9, 4), male=False)  # owns two documents
    b = citizen(SEED + 1, province=11, born=date(1979, 1, 23), male=True)
    def spec(doc_type: str, **kw: Any) -> DocSpec:  # the original templates, kept byte-stable
        return make_spec(doc_type, extended=False, **kw)

    return [
        Good("scans/01-quyet-dinh.png",
             spec("QUYẾT ĐỊNH", seed=SEED, name="01", owner=a, long=False), "clean",
             "clean 300 dpi PNG; owner A (CCCD) also owns 02", as_png),
        Good("scans/02-giay-xac-nhan.jpg",
             spec("GIẤY XÁC NHẬN", seed=SEED, name="02", owner=a), "dpi200",
             "200 dpi JPEG; same owner id as 01 (look-up by owner returns two)", as_jpeg),
        Good("scans/03-thong-bao-skew.png",
             spec("THÔNG BÁO", seed=SEED, name="03", long=False), "skew",
             "page skewed 1-3 degrees: deskew before OCR; bank account + phone distractors",
             as_png),
        Good("scans/04-giay-phep-xay-dung-seal.jpg",
             spec("GIẤY PHÉP XÂY DỰNG", seed=SEED, name="04", owner=b), "seal",
             "colour JPEG with a red seal stamped over the signer block; valid-until date",
             as_jpeg),
        Good("scans/05-ke-hoach-2-trang.tiff",
             spec("KẾ HOẠCH", seed=SEED, name="05", long=True), "clean",
             "multi-page TIFF (2 pages, page number on page 2)", as_tiff),
        Good("scans/06-cong-van-2-trang.pdf",
             spec("CÔNG VĂN", seed=SEED, name="06", long=True), "clean",
             "image-only PDF, 2 pages; official letter (no type title, 'V/v' subject)",
             as_image_pdf),
        Good("scans/07-gcn-doanh-nghiep-text.pdf",
             spec("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", seed=SEED, name="07"), "born-digital",
             "born-digital PDF with a real text layer (keep it, do not OCR); valid MST; the "
             "representative's CCCD is a distractor (the owner is the company)", as_text_pdf),
        Good("scans/08-trich-luc-khai-sinh-owner-pw.pdf",
             spec("TRÍCH LỤC KHAI SINH", seed=SEED, name="08"), "born-digital",
             "PDF encrypted with an owner password only (empty user password): must be "
             "processed", as_owner_encrypted_pdf),
        Good("scans/09-ho-kinh-doanh-rot90.png",
             spec("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", seed=SEED, name="09"),
             "dpi200+rot90", "page scanned sideways (content rotated 90° clockwise), 200 dpi",
             as_png),
        Good("scans/10-bien-ban-speckle.png",
             spec("BIÊN BẢN", seed=SEED, name="10", long=False), "speckle",
             "salt-and-pepper dust; two signers (THƯ KÝ left, CHỦ TRÌ right), no 'Nơi nhận'",
             as_png),
    ]


def write_good(root: Path, good: Good) -> dict[str, Any]:
    path = root / good.file
    if good.variant == "born-digital":
        pages: list[Image.Image] = []
    else:
        rng = random.Random(f"{SEED}:{good.file}")
        pages = [degrade(p, good.variant, rng) for p in render_pages(good.spec)]
    good.write(good.spec, pages, path)
    truth = ground_truth(good.spec, file=good.file, variant=good.variant)
    truth["files"] = [good.file]
    truth_path = f"truth/{path.stem}.json"
    write_truth(root / truth_path, truth)
    return {"file": good.file, "kind": KIND[path.suffix], "truth": truth_path,
            "doc_type": good.spec.doc_type, "variant": good.variant,
            "pages": truth["fields"]["page_count"], "exercises": good.exercises,
            "expected": "OK"}


def write_broken(root: Path, source_pdf: bytes) -> list[dict[str, Any]]:
    broken = root / "broken"
    (broken / "empty.pdf").write_bytes(b"")
    (broken / "truncated.pdf").write_bytes(truncate(source_pdf))
    (broken / "password.pdf").write_bytes(
        encrypt_pdf(source_pdf, owner=OWNER_PASSWORD, user=USER_PASSWORD))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        info = zipfile.ZipInfo("ghi-chu.txt", date_time=(2026, 1, 1, 0, 0, 0))
        zf.writestr(info, "Đây không phải là bản quét, chỉ là tệp nén đổi tên thành .pdf.\n")
    (broken / "not-a-scan.pdf").write_bytes(zbuf.getvalue())
    png = b"\x89PNG\r\n\x1a\n" + bytes(random.Random(SEED).randrange(256) for _ in range(4096))
    (broken / "corrupt.png").write_bytes(png)
    return [
        {"file": "broken/empty.pdf", "kind": "pdf", "expected": "EMPTY_FILE",
         "exercises": "zero-byte upload"},
        {"file": "broken/truncated.pdf", "kind": "pdf", "expected": "CORRUPT_FILE",
         "exercises": "PDF cut at 40 %: no xref or trailer; pdfium refuses it, qpdf/pikepdf "
                      "only 'recovers' it with 'file is damaged' warnings and pages lost"},
        {"file": "broken/password.pdf", "kind": "pdf", "expected": "ENCRYPTED_PDF",
         "exercises": "user password required (pikepdf.PasswordError)"},
        {"file": "broken/not-a-scan.pdf", "kind": "zip", "expected": "UNSUPPORTED_TYPE",
         "exercises": "a ZIP archive renamed to .pdf (magic bytes PK\\x03\\x04)"},
        {"file": "broken/corrupt.png", "kind": "png", "expected": "CORRUPT_FILE",
         "exercises": "valid PNG signature followed by garbage"},
    ]


def truncate(pdf: bytes) -> bytes:
    """Keep the first 40 %: the cross-reference table, trailer and later objects are lost."""
    return pdf[: len(pdf) * 2 // 5]


def write_bundled(root: Path) -> None:
    for sub in ("scans", "truth", "broken"):
        shutil.rmtree(root / sub, ignore_errors=True)
        (root / sub).mkdir(parents=True)
    goods = good_samples()
    entries = [write_good(root, g) for g in goods]
    source = (root / "scans/06-cong-van-2-trang.pdf").read_bytes()
    entries += write_broken(root, source)
    manifest = {"seed": SEED, "generator": "python -m samples.generate bundled",
                "owner_password": OWNER_PASSWORD, "user_password": USER_PASSWORD,
                "files": entries}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
