"""End to end through the real CLI: Prefect (ephemeral), Tesseract, pyHanko, SeaweedFS S3 and
the index on SQLite (embedded defaults) and on a throwaway PostgreSQL server.

The SQLite run speaks Vietnamese (SOHOA_LANG=vi, the default), the PostgreSQL run English: each
checks its quarantine reasons and summary in its language."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import psycopg
import pytest

from signing.validate import validate_pdf
from storage.index import DocumentIndex
from storage.objects import MinioObjectStore, sha256_hex
from storage.seaweed import S3Endpoint
from tests.support.env import clean_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SOHOA = [sys.executable, "-m", "sohoa.cli"]


def _manifest() -> dict[str, Any]:
    return json.loads((SAMPLES / "manifest.json").read_text("utf-8"))


def _good() -> list[dict[str, Any]]:
    return [e for e in _manifest()["files"] if e["expected"] == "OK"]


def _broken() -> list[dict[str, Any]]:
    return [e for e in _manifest()["files"] if e["expected"] != "OK"]


@dataclass
class Run:
    env: dict[str, str]
    data_dir: Path
    report: dict[str, Any]
    returncode: int
    stdout: str

    def sohoa(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([*SOHOA, *args], env=self.env, capture_output=True, text=True,
                                cwd=ROOT, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"sohoa {args} → {result.returncode}\n{result.stdout}\n"
                                 f"{result.stderr}")
        return result

    def digitize(self, report: Path) -> Run:
        result = self.sohoa("digitize", str(SAMPLES / "scans"), str(SAMPLES / "broken"),
                            "--report", str(report), "--no-progress",
                            "--agency-code", "000.17.22.H56", "--procedure", "1.010708",
                            check=False)
        assert report.exists(), result.stdout + result.stderr
        return Run(self.env, self.data_dir, json.loads(report.read_text("utf-8")),
                   result.returncode, result.stdout)


def _env(data_dir: Path, prefect_home: Path, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(SOHOA_DATA_DIR=str(data_dir), PREFECT_HOME=str(prefect_home), DO_NOT_TRACK="1",
               SOHOA_AGENCY_NAME="Sở Tư pháp tỉnh Thử Nghiệm", **extra)
    return env


@pytest.fixture(scope="module")
def sqlite_run(session_tmp: Path) -> Run:
    """Embedded defaults: the CLI starts its own SeaweedFS; the index is a SQLite file."""
    data = session_tmp / "e2e-sqlite"
    run = Run(_env(data, session_tmp / "prefect", SOHOA_LANG="vi", COLUMNS="1000"), data, {}, 0,
              "")
    return run.digitize(session_tmp / "e2e-sqlite-report.json")


@pytest.fixture(scope="module")
def fresh_postgres_db(postgres_url: str) -> Iterator[str]:
    name = "e2e_" + uuid.uuid4().hex[:8]
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def postgres_run(session_tmp: Path, fresh_postgres_db: str, s3_server: S3Endpoint) -> Run:
    """Configured services: an external S3 endpoint and PostgreSQL."""
    data = session_tmp / "e2e-pg"
    env = _env(data, session_tmp / "prefect", SOHOA_DATABASE_URL=fresh_postgres_db,
               SOHOA_S3_ENDPOINT=s3_server.endpoint, SOHOA_S3_ACCESS_KEY=s3_server.access_key,
               SOHOA_S3_SECRET_KEY=s3_server.secret_key, SOHOA_BUCKET_ORIGINALS="pg-originals",
               SOHOA_BUCKET_SIGNED="pg-signed", SOHOA_BUCKET_RECORDS="pg-records",
               SOHOA_LANG="en", COLUMNS="1000")
    return Run(env, data, {}, 0, "").digitize(session_tmp / "e2e-pg-report.json")


def _items_by_name(run: Run) -> dict[str, dict[str, Any]]:
    return {Path(item["path"]).name: item for item in run.report["items"]}


def _check_batch(run: Run) -> None:
    items = _items_by_name(run)
    assert run.returncode == 3, run.stdout  # broken samples are quarantined on purpose
    for entry in _broken():
        item = items[Path(entry["file"]).name]
        assert item["status"] == "quarantined", item
        assert item["reason_code"] == entry["expected"], item
        assert Path(entry["file"]).name in item["message"]
    for entry in _good():
        item = items[Path(entry["file"]).name]
        assert item["status"] in ("stored", "needs_review"), item
        assert item["record_id"]


def _check_storage(run: Run, index_url: str, store: MinioObjectStore, roots: list[Path]) -> None:
    index = DocumentIndex(index_url)
    try:
        rows = [r for r in index.find() if r.status != "quarantined"]
        assert len(rows) == len(_good())
        codes = [r.result_code for r in rows]
        assert len(set(codes)) == len(rows)  # unique running numbers per agency
        assert all(re.fullmatch(r"KQ\.0001722H56\.\d{6}", c or "") for c in codes), codes
        for row in rows:
            if row.owner_id and row.number_symbol:
                assert row.digitized_id and row.digitized_id.startswith(
                    f"{row.owner_id}.{row.result_code}.")
        for row in rows:
            original = store.get(row.original_bucket, row.original_key)
            assert sha256_hex(original) == row.original_sha256
            assert Path(row.original_name).read_bytes() == original  # byte-identical copy
            signed = store.get(row.signed_bucket, row.signed_key)
            assert sha256_hex(signed) == row.signed_sha256
            record = json.loads(store.get(row.record_bucket, row.record_key))
            assert record["original"]["sha256"] == row.original_sha256
            assert record["signed"]["sha256"] == row.signed_sha256
            assert len(record["pages"]) == row.page_count >= 1
            report = validate_pdf(signed, trust_roots=roots)
            assert report.ok, report.render("en")
            assert report.signatures[0].pades_level == "B-B"
    finally:
        index.close()



def test_sqlite_batch_stores_good_and_quarantines_broken(sqlite_run: Run) -> None:
    _check_batch(sqlite_run)
    quarantine = sqlite_run.data_dir / "quarantine"
    for entry in _broken():
        if (SAMPLES / entry["file"]).exists():
            assert list(quarantine.glob(f"*/{Path(entry['file']).name}")), entry


def _empty_sample(run: Run) -> dict[str, Any]:
    return _items_by_name(run)["empty.pdf"]


def test_the_clerk_reads_reasons_and_summary_in_vietnamese(sqlite_run: Run) -> None:
    """SOHOA_LANG=vi: quarantine reasons, review reasons, outcomes and the summary are
    Vietnamese; the report's codes and statuses stay as they are."""
    from pipeline.i18n import use_language
    from pipeline.labels import review_reason_text

    empty = _empty_sample(sqlite_run)
    assert empty["status"] == "quarantined" and empty["reason_code"] == "EMPTY_FILE"
    assert empty["message"] == f"{empty['path']}: tệp rỗng (0 byte); hãy quét lại văn bản."
    out = " ".join(sqlite_run.stdout.split())
    assert "EMPTY_FILE: tệp rỗng (0 byte); hãy quét lại văn bản." in out
    for words in ("Bị từ chối", "Cần xử lý", "Đã lưu", "trang · mã thoát 3"):
        assert words in out, words
    with use_language("vi"):
        for item in sqlite_run.report["items"]:
            for reason in item["review_reasons"]:
                assert review_reason_text(reason) in out, reason


def test_the_english_run_says_it_in_english(postgres_run: Run) -> None:
    empty = _empty_sample(postgres_run)
    assert empty["reason_code"] == "EMPTY_FILE"
    assert empty["message"] == (f"{empty['path']}: the file is empty (0 bytes); scan the "
                                "document again.")
    out = " ".join(postgres_run.stdout.split())
    assert "EMPTY_FILE: the file is empty (0 bytes); scan the document again." in out
    for words in ("Quarantined", "Needs attention", "pages digitized · exit code 3"):
        assert words in out, words


def test_sqlite_objects_hashes_signatures(sqlite_run: Run) -> None:
    from storage.seaweed import EmbeddedS3

    with EmbeddedS3(sqlite_run.data_dir / "s3") as endpoint:
        store = MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,
                                 secret_key=endpoint.secret_key)
        _check_storage(sqlite_run, f"sqlite:///{sqlite_run.data_dir / 'index.sqlite3'}", store,
                       [sqlite_run.data_dir / "test-pki" / "root.crt.pem"])


def test_signed_copy_text_layer_extracts(sqlite_run: Run, tmp_path: Path) -> None:
    for entry in _good()[:3]:
        item = _items_by_name(sqlite_run)[Path(entry["file"]).name]
        out = tmp_path / f"{item['record_id']}.pdf"
        sqlite_run.sohoa("get", item["record_id"], "-o", str(out))
        truth = json.loads((SAMPLES / entry["truth"]).read_text("utf-8"))
        with pdfplumber.open(out) as pdf:
            plumber_text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        poppler_text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                      text=True, check=True).stdout
        title = truth["fields"]["doc_type"]
        for text in (plumber_text, poppler_text):
            words = set(text.split())
            truth_words = [w for p in truth["pages"] for line in p["lines"] for w in line.split()]
            found = sum(1 for w in truth_words if w in words) / len(truth_words)
            assert found > 0.8, (entry["file"], found)
            assert title.split()[0] in text


def test_lookup_show_get_verify(sqlite_run: Run, tmp_path: Path) -> None:
    owners: dict[str, int] = {}
    for entry in _good():
        truth = json.loads((SAMPLES / entry["truth"]).read_text("utf-8"))
        owner = truth["fields"].get("owner_id")
        if owner:
            owners[owner] = owners.get(owner, 0) + 1
    owner = max(owners, key=lambda k: owners[k])
    assert owners[owner] >= 2  # the samples share one synthetic citizen across documents
    reusable = json.loads(sqlite_run.sohoa("lookup", "--owner-id", owner, "--json").stdout)
    assert all(doc["status"] in ("stored", "approved") for doc in reusable)
    found = json.loads(sqlite_run.sohoa("lookup", "--owner-id", owner, "--include-pending",
                                        "--json").stdout)
    assert len(found) == owners[owner]
    assert all(doc["owner_id"] == owner and doc["signed_key"] for doc in found)
    assert {d["id"] for d in reusable} <= {d["id"] for d in found}
    doc_id = found[0]["id"]
    shown = json.loads(sqlite_run.sohoa("show", doc_id, "--json").stdout)
    assert shown["record"]["pages"][0]["text"].strip()
    verified = sqlite_run.sohoa("verify", doc_id)  # the verdict in SOHOA_LANG (vi)
    assert "HỢP LỆ" in verified.stdout and "KHÔNG HỢP LỆ" not in verified.stdout
    copy = tmp_path / "copy.pdf"
    sqlite_run.sohoa("get", doc_id, "-o", str(copy))
    data = bytearray(copy.read_bytes())
    data[len(data) // 3] ^= 0x01  # one flipped bit inside the signed range
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = sqlite_run.sohoa("verify", str(tampered), check=False)
    assert result.returncode == 1 and "KHÔNG HỢP LỆ" in result.stdout


def test_rerun_stores_nothing_new(sqlite_run: Run, session_tmp: Path) -> None:
    index_url = f"sqlite:///{sqlite_run.data_dir / 'index.sqlite3'}"
    index = DocumentIndex(index_url)
    before = len(index.find())
    index.close()
    again = sqlite_run.digitize(session_tmp / "e2e-sqlite-rerun.json")
    counts = again.report["counts"]
    assert counts["stored"] == 0 and counts["needs_review"] == 0
    assert counts["duplicate"] == len(_good())
    assert counts["quarantined"] == len(_broken())
    index = DocumentIndex(index_url)
    assert len(index.find()) == before
    index.close()


def test_results_are_linked_to_their_dossier(sqlite_run: Run, tmp_path: Path) -> None:
    """`digitize --dossier-code` links each stored (or already stored) result to its dossier,
    and `--manifest` links a backlog batch's files to theirs (Decision 766, issue 11)."""
    from pipeline.links import links_of

    first, second = (SAMPLES / e["file"] for e in _good()[:2])
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"file,dossier_code\n{second},000.17.22.H56-241001-0002\n",
                        encoding="utf-8")
    bad = sqlite_run.sohoa("digitize", str(first), "--dossier-code", "not a code",
                           "--no-progress", check=False)
    assert bad.returncode == 2 and "--dossier-code" in bad.stderr
    run = sqlite_run.sohoa("digitize", str(first), "--dossier-code",
                           "000.17.22.H56-241001-0001", "--manifest", str(manifest),
                           "--no-progress")
    assert "1 kết quả đã được liên kết" in " ".join(run.stdout.split())
    index = DocumentIndex(f"sqlite:///{sqlite_run.data_dir / 'index.sqlite3'}")
    try:
        ids = {sha: index.by_sha256(sha) for sha in (sha256_hex(first.read_bytes()),
                                                      sha256_hex(second.read_bytes()))}
        by_dossier = {code: [link.document_id for link in links_of(index, dossier_code=code)]
                      for code in ("000.17.22.H56-241001-0001", "000.17.22.H56-241001-0002")}
    finally:
        index.close()
    first_row, second_row = ids.values()
    assert first_row is not None and second_row is not None
    assert by_dossier == {"000.17.22.H56-241001-0001": [first_row.id],
                          "000.17.22.H56-241001-0002": [second_row.id]}


def test_postgresql_batch(postgres_run: Run, fresh_postgres_db: str,
                          s3_server: S3Endpoint) -> None:
    _check_batch(postgres_run)
    store = MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                             secret_key=s3_server.secret_key)
    _check_storage(postgres_run, fresh_postgres_db, store,
                   [postgres_run.data_dir / "test-pki" / "root.crt.pem"])


def test_review_corrects_and_approves_without_touching_the_signed_pdf(sqlite_run: Run) -> None:
    listing = json.loads(sqlite_run.sohoa("review", "--json").stdout)
    pending = [i["record_id"] for i in sqlite_run.report["items"]
               if i["status"] == "needs_review"]
    assert sorted(r["id"] for r in listing) == sorted(pending)
    doc_id = (pending or [i["record_id"] for i in sqlite_run.report["items"]
                          if i["status"] == "stored"])[0]
    before = json.loads(sqlite_run.sohoa("show", doc_id, "--json").stdout)
    bad = sqlite_run.sohoa("review", doc_id, "--set", "issue_date=2999-01-01", check=False)
    assert bad.returncode == 1 and "Ngày ban hành: 01/01/2999 ở tương lai" in bad.stderr  # vi
    assert json.loads(sqlite_run.sohoa("show", doc_id, "--json").stdout)["index"]["status"] \
        == before["index"]["status"]
    result = json.loads(sqlite_run.sohoa(
        "review", doc_id, "--set", "issue_date=2024-03-05", "--set", "number_symbol=15/QĐ-UBND",
        "--by", "reviewer-1", "--json").stdout)
    row, record = result["index"], result["record"]
    assert row["status"] == "approved" and row["reviewed_by"] == "reviewer-1"
    assert row["issue_date"] == "2024-03-05" and row["number_symbol"] == "15/QĐ-UBND"
    assert row["signed_sha256"] == before["index"]["signed_sha256"]
    assert {h["field"] for h in record["history"]} >= {"issue_date", "number_symbol", "status"}
    assert record["metadata"]["fields"]["issue_date"]["confidence"] == 1.0


def test_unreachable_s3_is_a_configuration_error(session_tmp: Path) -> None:
    env = _env(session_tmp / "e2e-bad-s3", session_tmp / "prefect",
               SOHOA_S3_ENDPOINT="127.0.0.1:9", SOHOA_S3_ACCESS_KEY="a", SOHOA_S3_SECRET_KEY="b",
               SOHOA_LANG="en", SOHOA_RETRY_BUDGET_S="3")  # no minute of retries
    result = subprocess.run([*SOHOA, "digitize", str(SAMPLES / "scans"), "--no-progress"],
                            env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "127.0.0.1:9" in result.stderr and "configuration error" in result.stderr
    # one line naming the server, the cause and the setting to check; no urllib3 text
    assert "connection refused" in result.stderr and "SOHOA_S3_ENDPOINT" in result.stderr
    assert "HTTPConnectionPool" not in result.stderr and "Traceback" not in result.stderr
