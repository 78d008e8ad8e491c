"""A real `sohoa serve` for the browser tests: documents put in by `sohoa digitize` (two bundled
samples and one born-digital decision without an issue date, which needs review), users made by
`sohoa users create`, the real S3 server, SQLite, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage.index import DocumentIndex
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.api.conftest import serving
from tests.support.env import clean_env, screenshot_folder

ROOT = Path(__file__).resolve().parents[2]
DOCS = screenshot_folder()  # docs/ when SOHOA_SCREENSHOTS=docs
CHROMIUM = Path("/usr/bin/chromium")
AGENCY = "000.17.22.H56"
COMMUNE_AGENCY = "000.31.22.H56"
SAMPLES = ("samples/scans/07-gcn-doanh-nghiep-text.pdf",
           "samples/scans/08-trich-luc-khai-sinh-owner-pw.pdf")
CITIZEN_ID = "060320816352"  # the synthetic owner of sample 08
USERS = {"clerk": ("lan.clerk", "mat-khau-can-bo-1"),
         "auditor": ("minh.auditor", "mat-khau-kiem-toan-1"),
         "admin": ("ha.admin", "mat-khau-quan-tri-1")}
TO_APPROVE = "27-qd-thieu-ngay.pdf"  # needs review: no issue date
TO_REJECT = "28-qd-thieu-ngay.pdf"
SERIF = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")
SERIF_BOLD = Path("/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf")


@dataclass
class Site:
    base_url: str
    env: dict[str, str]
    data_dir: Path
    index: DocumentIndex
    store: MinioObjectStore
    report: dict[str, Any]  # the batch report `sohoa digitize` wrote

    def sohoa(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return _run(self.env, *args, stdin=stdin)

    def item(self, name: str) -> dict[str, Any]:
        return next(i for i in self.report["items"] if Path(i["path"]).name == name)


def _run(env: dict[str, str], *args: str,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=env, cwd=ROOT,
                            input=stdin, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def write_decision_without_date(path: Path, number: int, family: str) -> Path:
    """A born-digital decision (text layer, no OCR) whose issue date is missing: it needs review."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("serif", "", str(SERIF))
    pdf.add_font("serif", "B", str(SERIF_BOLD))
    pdf.set_font("serif", "B", 12)
    pdf.set_xy(10, 15)
    pdf.multi_cell(80, 6, "ỦY BAN NHÂN DÂN\nXÃ AN BÌNH", align="C")
    pdf.set_xy(95, 15)
    pdf.multi_cell(105, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
                   align="C")
    pdf.set_font("serif", "", 12)
    pdf.set_xy(10, 32)
    pdf.cell(80, 6, f"Số: {number}/QĐ-UBND", align="C")
    pdf.set_font("serif", "B", 14)
    pdf.set_xy(10, 50)
    pdf.cell(190, 8, "QUYẾT ĐỊNH", align="C")
    pdf.set_font("serif", "B", 12)
    pdf.set_xy(10, 58)
    pdf.multi_cell(190, 6, "Về việc công nhận gia đình văn hóa năm 2024", align="C")
    pdf.set_font("serif", "", 12)
    pdf.set_xy(20, 75)
    pdf.multi_cell(170, 7, "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ AN BÌNH\n\nCăn cứ Luật Tổ chức chính "
                   "quyền địa phương;\nXét đề nghị của công chức Văn hóa - Xã hội,\n\n"
                   f"QUYẾT ĐỊNH:\n\nĐiều 1. Công nhận gia đình {family}, số định danh "
                   "cá nhân 045187678636, đạt danh hiệu gia đình văn hóa năm 2024.\nĐiều 2. "
                   "Quyết định này có hiệu lực kể từ ngày ký.")
    pdf.set_font("serif", "B", 12)
    pdf.set_xy(110, 180)
    pdf.multi_cell(80, 7, "CHỦ TỊCH\n\n\n\nNguyễn Văn Thử", align="C")
    pdf.output(str(path))
    return path


def register_dossiers(env: dict[str, str], data_dir: Path, report: dict[str, Any]) -> None:
    """A one-stop-shop export for 2024-Q3 over two agencies and levels, the two stored samples
    linked to their dossiers and one of them reused in a later dossier."""
    stored = {Path(i["path"]).name: i["record_id"] for i in report["items"]
              if i["status"] == "stored"}
    rows = [("HS-01", AGENCY, "province", "2024-07-02", "2024-07-09", "paper"),
            ("HS-02", AGENCY, "province", "2024-07-15", "2024-07-22", "paper"),
            ("HS-03", AGENCY, "province", "2024-08-01", "2024-08-06", "paper"),
            ("HS-04", COMMUNE_AGENCY, "commune", "2024-08-10", "2024-08-12", "paper"),
            ("HS-05", COMMUNE_AGENCY, "commune", "2024-09-03", "2024-09-04", "electronic"),
            ("HS-06", COMMUNE_AGENCY, "commune", "2024-09-20", "", "paper")]
    export = data_dir / "dossiers.csv"
    export.write_text("dossier_code,procedure_code,agency_code,level,received_at,resolved_at,"
                      "result_kind,status\n" + "".join(
                          f"{code},1.010708,{agency},{level},{received},{resolved},{kind},"
                          f"{'resolved' if resolved else 'processing'}\n"
                          for code, agency, level, received, resolved, kind in rows),
                      encoding="utf-8")
    _run(env, "dossiers", "import", str(export))
    _run(env, "link", "--dossier-code", "HS-01", stored[Path(SAMPLES[1]).name])
    _run(env, "link", "--dossier-code", "HS-02", stored[Path(SAMPLES[0]).name])
    _run(env, "reuse", "record", "--dossier", "HS-06", "--document",
         stored[Path(SAMPLES[1]).name], "--procedure", "1.010708")


def _env(data_dir: Path, s3: S3Endpoint, tag: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data_dir), SOHOA_S3_ENDPOINT=s3.endpoint,
               SOHOA_S3_ACCESS_KEY=s3.access_key, SOHOA_S3_SECRET_KEY=s3.secret_key,
               SOHOA_BUCKET_ORIGINALS=f"{tag}-originals", SOHOA_BUCKET_SIGNED=f"{tag}-signed",
               SOHOA_BUCKET_RECORDS=f"{tag}-records",
               SOHOA_AGENCY_NAME="Sở Tư pháp tỉnh Thử Nghiệm", SOHOA_REVOCATION_FETCHING="false",
               OMP_THREAD_LIMIT="1", DO_NOT_TRACK="1")
    return env


@pytest.fixture(scope="session")
def site(s3_server: S3Endpoint, session_tmp: Path) -> Iterator[Site]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run scripts/install.sh (apt-get install "
                    "chromium)")
    tag = f"web-{uuid.uuid4().hex[:6]}"
    data_dir = session_tmp / tag
    env = _env(data_dir, s3_server, tag)
    scans = data_dir / "incoming"
    scans.mkdir(parents=True)
    for sample in SAMPLES:
        shutil.copy(ROOT / sample, scans)
    write_decision_without_date(scans / "27-qd-thieu-ngay.pdf", 27, "ông Trần Văn Bình")
    write_decision_without_date(scans / "28-qd-thieu-ngay.pdf", 28, "bà Lê Thị Hoa")
    _run(env, "digitize", str(scans), "--agency-code", AGENCY, "--procedure", "1.010708",
         "--report", str(data_dir / "batch.json"), "--no-progress")
    report = json.loads((data_dir / "batch.json").read_text("utf-8"))
    register_dossiers(env, data_dir, report)
    for role, (name, password) in USERS.items():
        _run(env, "users", "create", name, "--role", role, "--password-stdin",
             stdin=password + "\n")
    index = DocumentIndex(f"sqlite:///{data_dir / 'index.sqlite3'}", migrate_schema=False)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    try:
        with serving(None, env, data_dir / "serve.log") as base_url:  # type: ignore[arg-type]
            yield Site(base_url, env, data_dir, index, store, report)
    finally:
        index.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(browser: Any, site: Site, role: str, *, width: int = 1280,
           height: int = 900) -> Any:
    """A fresh browser context (own cookies) logged in as the user of that role."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  base_url=site.base_url)
    page = context.new_page()
    page.goto("/ui/")
    name, password = USERS[role]
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page
