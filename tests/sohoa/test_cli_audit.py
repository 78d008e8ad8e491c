"""The auditors' commands through the real `sohoa` CLI: a dossier export to an HTML/CSV/JSON
report on SQLite; evidence sampling against the real S3 server with documents signed by the real
pipeline; the monthly Prefect flow writing the same report to a reports bucket."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from pipeline.extract import ExtractOptions
from pipeline.kpi import compute_report, parse_period
from pipeline.process import BatchContext, digitize_file
from pipeline.review import ReviewDecision, review_document
from pipeline.services import open_services
from pipeline.settings import Settings
from storage.index import DocumentIndex, DocumentRow
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.sohoa.kpi_demo import generate
from tests.support.env import clean_env, screenshot_folder

ROOT = Path(__file__).resolve().parents[2]
DOCS = screenshot_folder()  # docs/ when SOHOA_SCREENSHOTS=docs
A, B = "000.17.22.H56", "000.17.22.H56.01"
EXPORT = (
    "dossier_code;procedure_code;agency_code;level;received_at;resolved_at;result_kind;status;"
    "owner_id;components_digitized\n"
    f"HS-101;1.010708;{A};tỉnh;02/07/2024 08:00;10/07/2024 16:00;giấy;resolved;038095001234;có\n"
    f"HS-102;1.010708;{A};province;2024-07-05;2024-07-20;paper;resolved;001203004567;true\n"
    f"HS-103;2.000123;{B};commune;2024-08-01;2024-08-03;electronic;resolved;038095001234;true\n"
    f"HS-104;1.010708;{B};commune;2024-09-03;;paper;processing;079300000001;\n"
    f"HS-105;1.010708;{B};commune;2024-09-31;;paper;received;;\n"
    f"HS-106;1.010708;{B};district;2025-08-01;;paper;received;;\n"
)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data_dir), DO_NOT_TRACK="1", SOHOA_REVOCATION_FETCHING="false",
               **extra)
    return env


def _sohoa(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "sohoa.cli", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == code, result.stdout + result.stderr
    return result


def _stored_document(index: DocumentIndex, content: bytes, owner: str, issued: date) -> str:
    sha = hashlib.sha256(content).hexdigest()
    return index.add(DocumentRow(
        id=sha[:16], original_sha256=sha, original_name="x.pdf", status="stored",
        owner_id=owner, procedure_code="1.010708", issue_date=issued, agency_code=A,
        signed_bucket="s", signed_key=f"{sha}.pdf", signed_sha256=sha)).id


def _csv_rows(text: str) -> list[dict[str, str]]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def _screenshot(html: Path, png: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        return  # the numbers are checked above; the picture is for the README
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={png}", "--window-size=1200,1700",
                    html.as_uri()], check=True, capture_output=True, timeout=120)
    assert png.stat().st_size > 20_000


def test_from_a_dossier_export_to_the_report(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    first = _sohoa(env, "dossiers", "import", str(export), "--errors", str(errors), code=3)
    assert "4 new" in first.stdout and "2 rejected" in first.stdout
    rejected = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [(r["row"], r["column"]) for r in rejected] == [("6", "received_at"), ("7", "level")]
    again = json.loads(_sohoa(env, "dossiers", "import", str(export), "--json", code=3).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == ([], [], 4)

    index = DocumentIndex(f"sqlite:///{tmp_path / 'data' / 'index.sqlite3'}")
    try:
        explicit = _stored_document(index, b"one", "038095001234", date(2024, 7, 10))
        _stored_document(index, b"two", "001203004567", date(2024, 7, 19))  # inferred: HS-102
        reused = _stored_document(index, b"birth", "038095001234", date(2020, 1, 1))
    finally:
        index.close()
    assert "linked" in _sohoa(env, "link", "--dossier-code", "HS-101", explicit).stdout
    assert "already linked" in _sohoa(env, "link", "--dossier-code", "HS-101",
                                      explicit[:8]).stdout
    (tmp_path / "scan.pdf").write_bytes(b"one")  # the file whose SHA-256 is `explicit`'s
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,dossier_code\nscan.pdf,HS-101\ngone.pdf,HS-104\n",
                        encoding="utf-8")
    applied = _sohoa(env, "link", "--manifest", str(manifest), code=3)
    assert "0 linked, 1 already linked, 1 not applied" in applied.stdout
    assert f"{manifest}:3 [file]" in applied.stderr
    for dossier in ("HS-101", "HS-103"):
        _sohoa(env, "reuse", "record", "--dossier", dossier, "--document", reused,
               "--procedure", "1.010708")

    out = tmp_path / "q3.csv"
    _sohoa(env, "report", "--period", "2024-Q3", "--by", "agency", "--format", "csv", "-o",
           str(out))
    rows = _csv_rows(out.read_text(encoding="utf-8"))
    total = {r["indicator"]: r for r in rows if not r["agency"]}
    # 4.1: HS-101 (explicit), HS-102 (inferred) of the resolved paper HS-101, HS-102; HS-104
    # pending. 4.2: HS-101, HS-102, HS-103 of 4. 4.3: HS-101 and HS-103 reuse one document.
    assert [(total[i]["numerator"], total[i]["denominator"]) for i in ("4.1", "4.2", "4.3")] \
        == [("2", "2"), ("3", "4"), ("2", "4")]
    assert total["4.1"]["numerator_inferred"] == "1" and total["4.1"]["pending"] == "1"
    assert total["4.1"]["points"] == "6.00" and total["4.1"]["verdict"] == "Đạt"
    assert total["4.3"]["rate"] == "0.5000" and total["4.3"]["verdict"] == "Đạt"
    assert sorted({r["agency"] for r in rows} - {""}) == [A, B]

    targets = tmp_path / "targets.json"
    targets.write_text('{"4.3": {"*": {"2024": 60}}}', encoding="utf-8")
    stricter = _csv_rows(_sohoa(env, "report", "--period", "2024-Q3", "--format", "csv",
                                "--targets", str(targets)).stdout)
    assert [(r["target"], r["verdict"]) for r in stricter if r["indicator"] == "4.3"] == [
        ("0.6000", "Không đạt")]
    frozen = _csv_rows(_sohoa(env, "report", "--period", "2024-Q3", "--format", "csv",
                              "--as-of", "2024-07-15").stdout)
    assert [(r["numerator"], r["denominator"]) for r in frozen if r["indicator"] == "4.1"] == [
        ("0", "1")]  # HS-101 resolved on 10 July; its result was digitized in 2026
    data = json.loads(_sohoa(env, "report", "--period", "2024-Q3", "--format", "json").stdout)
    assert data["groups"][0]["indicators"][1]["numerator"] == 3
    html = tmp_path / "q3.html"
    _sohoa(env, "report", "--period", "2024-Q3", "--by", "agency,level", "-o", str(html))
    assert ">Met<" in html.read_text(encoding="utf-8")  # Đạt, shown in English
    monthly = tmp_path / "m.html"  # the report speaks SOHOA_LANG: Vietnamese, or English
    _sohoa({**env, "SOHOA_LANG": "vi"}, "report", "--period", "2024-07", "-o", str(monthly))
    assert "Tháng 07/2024" in monthly.read_text(encoding="utf-8")
    _sohoa(env, "report", "--period", "2024-07", "-o", str(monthly))
    assert "Month 07/2024" in monthly.read_text(encoding="utf-8")
    bad = _sohoa(env, "report", "--period", "2024-Q5", code=1)
    assert "KPI_INPUT" in bad.stderr


def test_two_years_of_dossiers_match_the_pure_computation_and_are_pictured(
        tmp_path: Path) -> None:
    """The numbers read back from the index (import, links, inference, reuse) equal those
    computed straight from the generator's facts; the HTML is photographed for the README."""
    demo = generate()
    env = _env(tmp_path / "data")
    export = tmp_path / "export.csv"
    export.write_text(demo.export_csv, encoding="utf-8")
    _sohoa(env, "dossiers", "import", str(export))
    index = DocumentIndex(f"sqlite:///{tmp_path / 'data' / 'index.sqlite3'}")
    try:
        demo.load(index)
    finally:
        index.close()
    for period in ("2024-Q3", "2024-08", "2023"):
        text = _sohoa(env, "report", "--period", period, "--by", "agency", "--format",
                      "csv").stdout
        got = {(r["agency"], r["indicator"]): (r["numerator"], r["numerator_inferred"],
                                               r["denominator"], r["points"], r["verdict"])
               for r in _csv_rows(text)}
        want = {}
        for group in compute_report(demo.expected, parse_period(period), by=["agency"]):
            for v in group.values:
                d = v.to_dict()
                want[(group.key.agency or "", v.indicator)] = (
                    str(v.numerator), str(v.inferred), str(v.denominator), d["points"] or "",
                    v.verdict)
        assert got == want, period
    quarter, month = tmp_path / "quarter.html", tmp_path / "month.html"
    _sohoa(env, "report", "--period", "2024-Q3", "--by", "agency", "-o", str(quarter))
    _sohoa(env, "report", "--period", "2024-08", "--by", "level", "-o", str(month))
    _screenshot(quarter, DOCS / "report-quarter.png")
    _screenshot(month, DOCS / "report-month.png")


# --- evidence sampling and the monthly flow: real S3, real signatures -----------------------

def _s3_settings(data_dir: Path, s3: S3Endpoint) -> Settings:
    return Settings(data_dir=data_dir, s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,
                    s3_secret_key=SecretStr(s3.secret_key), bucket_originals="kpi-originals",
                    bucket_signed="kpi-signed", bucket_records="kpi-records",
                    revocation_fetching=False)


def _s3_env(settings: Settings, s3: S3Endpoint) -> dict[str, str]:
    return _env(settings.data_dir, SOHOA_S3_ENDPOINT=s3.endpoint,
                SOHOA_S3_ACCESS_KEY=s3.access_key, SOHOA_S3_SECRET_KEY=s3.secret_key,
                SOHOA_BUCKET_ORIGINALS="kpi-originals", SOHOA_BUCKET_SIGNED="kpi-signed",
                SOHOA_BUCKET_RECORDS="kpi-records")


def _digitize_samples(settings: Settings) -> list[str]:
    """Two born-digital samples (no OCR), signed by the real pipeline and approved."""
    ids = []
    with open_services(settings) as services:
        for sample in ("07-gcn-doanh-nghiep-text.pdf", "08-trich-luc-khai-sinh-owner-pw.pdf"):
            outcome = digitize_file(ROOT / "samples" / "scans" / sample, services=services,
                                    batch=BatchContext("kpi-tests", A, "1.010708"))
            assert outcome.record_id, outcome
            row = review_document(services.index, services.store, outcome.record_id,
                                  ReviewDecision({}, "kpi-tests"),
                                  options=ExtractOptions(today=datetime.now(UTC).date()))
            ids.append(row.id)
    return ids


@pytest.mark.integration
def test_audit_sample_is_reproducible_and_reports_a_tampered_copy(
        tmp_path: Path, s3_server: S3Endpoint) -> None:
    settings = _s3_settings(tmp_path / "data", s3_server)
    ids = _digitize_samples(settings)
    env = _s3_env(settings, s3_server)
    first = json.loads(_sohoa(env, "audit-sample", "--n", "5", "--seed", "766", "--json",
                              "--offline").stdout)
    assert first["population"] == 2 and first["failures"] == 0
    assert sorted(d["id"] for d in first["documents"]) == sorted(ids)

    index = DocumentIndex(settings.index_url, migrate_schema=False)
    try:
        row = index.get(ids[0])
        assert row is not None and row.signed_bucket and row.signed_key
    finally:
        index.close()
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key, secure=False)
    tampered = store.get(row.signed_bucket, row.signed_key) + b"\n% altered after signing\n"
    store.put(row.signed_bucket, row.signed_key, tampered, content_type="application/pdf")

    second = json.loads(_sohoa(env, "audit-sample", "--n", "5", "--seed", "766", "--json",
                               "--offline", code=1).stdout)
    assert [d["id"] for d in second["documents"]] == [d["id"] for d in first["documents"]]
    failed = [d for d in second["documents"] if not d["ok"]]
    assert [d["id"] for d in failed] == [ids[0]]
    assert any(p.startswith("SHA-256 signed copy") for p in failed[0]["problems"])
    table = _sohoa(env, "audit-sample", "--n", "5", "--seed", "766", "--offline", code=1)
    assert "Sample of 2 from 2" in table.stdout and "FAILED" in table.stdout

    # With a period: only results behind that period's 4.1 numerator.
    export = tmp_path / "export.csv"
    export.write_text("dossier_code,procedure_code,agency_code,level,received_at,resolved_at,"
                      f"result_kind,status\nHS-201,1.010708,{A},province,2024-07-02,2024-07-09,"
                      "paper,resolved\n", encoding="utf-8")
    _sohoa(env, "dossiers", "import", str(export))
    _sohoa(env, "link", "--dossier-code", "HS-201", ids[1])
    scoped = json.loads(_sohoa(env, "audit-sample", "--n", "5", "--seed", "1", "--period",
                               "2024-Q3", "--json", "--offline").stdout)
    assert scoped["population"] == 1 and [d["id"] for d in scoped["documents"]] == [ids[1]]

    # The monthly flow (real Prefect, ephemeral) writes the same CSV to the reports bucket.
    flow = subprocess.run(
        [sys.executable, "-c", "import json; from flows.report import report_flow; "
         "print(json.dumps(report_flow(period='2024-Q3', bucket='kpi-reports')))"],
        env={**env, "PREFECT_HOME": str(tmp_path / "prefect"),
             "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
             "PREFECT_LOGGING_LEVEL": "WARNING"},
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert flow.returncode == 0, flow.stdout + flow.stderr
    result = json.loads(flow.stdout.strip().splitlines()[-1])
    assert result["keys"]["csv"] == "kpi-766/2024-Q3/report.csv"
    published = store.get("kpi-reports", result["keys"]["csv"]).decode()
    local = _sohoa(env, "report", "--period", "2024-Q3", "--by", "agency", "--format",
                   "csv").stdout
    differing = [(a, b) for a, b in zip(published.splitlines(), local.splitlines(),
                                         strict=True) if a != b]
    assert len(differing) == 1 and differing[0][0].startswith("# generated_at")
    assert "<svg" in store.get("kpi-reports", result["keys"]["html"]).decode()
