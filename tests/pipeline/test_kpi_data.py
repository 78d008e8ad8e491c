"""From a one-stop-shop export to the Decision 766 numbers, on SQLite and a real PostgreSQL:
the import (bad rows reported by row and column, good rows kept, re-import idempotent), result
links (explicit, manifest, inferred), reuse events, and the report's numbers and bytes."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from pipeline.dossier_import import import_dossiers
from pipeline.kpi import DOSSIER_DIGITIZATION, RESULT_DIGITIZATION, REUSE, parse_period
from pipeline.kpi_data import load_facts
from pipeline.kpi_report import ReportRequest, build_report, render
from pipeline.links import apply_manifest, link_result, links_of
from pipeline.reuse import ReuseRequest, record_reuse
from storage.index import DocumentIndex, DocumentRow

VN = timezone(timedelta(hours=7))
A, B = "000.17.22.H56", "000.17.22.H56.01"
NOW = datetime(2026, 11, 30, tzinfo=UTC)

HEADER = ("dossier_code,procedure_code,agency_code,level,received_at,resolved_at,result_kind,"
          "status,owner_id,components_digitized\n")
EXPORT = HEADER + f"""\
HS-001,1.010708,{A},province,2024-07-02 08:00,2024-07-10 16:00,paper,resolved,038095001234,true
HS-002,1.010708,{A},province,2024-07-05T09:00+07:00,2024-07-20 10:00,paper,resolved,001203004567,1
HS-003,2.000123,{A},province,2024-08-01,2024-08-03,electronic,resolved,038095001234,có
HS-004,1.010708,{B},commune,03/08/2024 09:00,02/10/2024 15:00,paper,resolved,079300000001,false
,1.010708,{A},province,2024-07-09,,paper,received,,
HS-005,1.010708,,province,2024-07-09,,paper,received,,
HS-006,1.010708,{A},tinh,2024-07-09,,paper,received,,
HS-010,1.010708,{A},province,hôm qua,,paper,received,,
HS-001,1.010708,{A},province,2024-07-02 08:00,,paper,received,,
HS-007,1.010708,{B},commune,2024-09-30 23:30,,paper,processing,,
HS-008,1.010708,{A},province,2024-06-30 22:00,2024-07-01 09:00,paper,resolved,038095001234,
HS-009,1.010708,{B},xã,2024-09-10,2024-09-12,giấy,resolved,001203004567,true
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentIndex]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    else:
        server: str = request.getfixturevalue("postgres_url")
        name = f"kpi_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = server.rsplit("/", 1)[0] + f"/{name}"
    idx = DocumentIndex(url)
    try:
        yield idx
    finally:
        idx.close()


def _document(index: DocumentIndex, content: bytes, *, owner: str, issued: date,
              status: str = "stored", procedure: str = "1.010708") -> str:
    sha = hashlib.sha256(content).hexdigest()
    row = index.add(DocumentRow(
        id=sha[:16], original_sha256=sha, original_name=f"{sha[:6]}.pdf", status=status,
        owner_id=owner, procedure_code=procedure, issue_date=issued, agency_code=A,
        signed_bucket="signed", signed_key=f"{sha}.pdf", signed_sha256=sha))
    return row.id


@pytest.fixture
def scenario(index: DocumentIndex, tmp_path: Path) -> dict[str, str]:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    (tmp_path / "scan1.pdf").write_bytes(b"scan one")
    (tmp_path / "never-digitized.pdf").write_bytes(b"not in the index")
    docs = {
        "doc1": _document(index, b"scan one", owner="038095001234", issued=date(2024, 7, 10)),
        # no link: the only dossier of its owner and procedure around 21 July is HS-002
        "doc2": _document(index, b"two", owner="001203004567", issued=date(2024, 7, 21)),
        "doc3": _document(index, b"three", owner="079300000001", issued=date(2024, 10, 2)),
        # still waiting for review: not a digitized result yet, so HS-009 has none
        "doc4": _document(index, b"four", owner="001203004567", issued=date(2024, 9, 12),
                          status="needs_review"),
        "doc9": _document(index, b"birth", owner="038095001234", issued=date(2020, 1, 2),
                          procedure="9.999999"),
    }
    outcome = import_dossiers(index, export, now=NOW)
    assert outcome.rows == 12 and len(outcome.created) == 7
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,dossier_code\nscan1.pdf,HS-001\nmissing.pdf,HS-002\n"
                        "never-digitized.pdf,HS-003\nscan1.pdf,not a code\n", encoding="utf-8")
    applied = apply_manifest(index, manifest, linked_by="clerk")
    assert [(r.line, d) for r, d in applied.linked] == [(2, docs["doc1"])]
    assert [(p.line, p.column) for p in applied.problems] == [
        (5, "dossier_code"), (3, "file"), (4, "file")]
    link_result(index, dossier_code="HS-004", document_id=docs["doc3"], linked_by="clerk")
    for dossier in ("HS-001", "HS-003"):  # one birth certificate reused in two dossiers
        record_reuse(index, ReuseRequest(dossier, docs["doc9"], "tests", "1.010708"),
                     client_id="cli")
    return docs


def test_import_reports_bad_rows_by_row_and_column_and_keeps_the_good(
        index: DocumentIndex, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    outcome = import_dossiers(index, export, now=NOW)
    assert sorted(outcome.created) == ["HS-001", "HS-002", "HS-003", "HS-004", "HS-007",
                                       "HS-008", "HS-009"]
    assert [(p.row, p.column) for p in outcome.problems] == [
        (6, "dossier_code"), (7, "agency_code"), (8, "level"), (9, "received_at"),
        (10, "dossier_code")]
    assert "row 2" in outcome.problems[-1].message  # the duplicate names the first row
    assert outcome.rejected_rows == 5
    again = import_dossiers(index, export, now=NOW)
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 7)
    # the same dossiers as JSON, one resolved since: only that one changes
    entries = [{"dossier_code": "HS-007", "procedure_code": "1.010708", "agency_code": B,
                "level": "commune", "received_at": "2024-09-30T23:30:00+07:00",
                "resolved_at": "2024-10-04T08:00:00+07:00", "result_kind": "paper",
                "status": "resolved", "owner_id": None}]
    as_json = tmp_path / "export.json"
    as_json.write_text(json.dumps({"dossiers": entries}), encoding="utf-8")
    assert import_dossiers(index, as_json, now=NOW).updated == ["HS-007"]


def test_facts_and_indicators_equal_the_hand_computed_numbers(
        index: DocumentIndex, scenario: dict[str, str]) -> None:
    q3 = parse_period("2024-Q3")
    loaded = load_facts(index, start=q3.start, end=q3.end)
    by_code = {f.dossier_code: f for f in loaded.facts}
    assert sorted(str(code) for code in by_code) == [
        "HS-001", "HS-002", "HS-003", "HS-004", "HS-007", "HS-009"]
    assert by_code["HS-001"].result_link == "explicit"
    assert by_code["HS-002"].result_link == "inferred"
    assert by_code["HS-004"].result_link == "explicit"
    assert by_code["HS-009"].result_link is None  # its result is still in review
    assert by_code["HS-001"].reused and by_code["HS-003"].reused
    assert not by_code["HS-004"].components_digitized

    report = build_report(index, ReportRequest(q3, by=("agency",)),
                          generated_at=datetime(2024, 10, 5, tzinfo=UTC))
    total = report.total
    r41, r42, r43 = (total.value(i) for i in (RESULT_DIGITIZATION, DOSSIER_DIGITIZATION, REUSE))
    assert (r41.numerator, r41.inferred, r41.denominator, r41.pending) == (3, 1, 4, 1)
    assert r41.to_dict()["points"] == "5.63"  # 75 % × 6 ÷ 80 % = 5.625
    assert r41.to_dict()["target"] == "0.8250"  # (90 + 90 + 75 + 75) / 4
    assert r41.verdict == "Không đạt"
    assert (r42.numerator, r42.denominator) == (3, 6)
    assert (r43.numerator, r43.denominator, r43.verdict) == (2, 6, "Đạt")
    assert [g.key.agency for g in report.groups[1:]] == [A, B]
    assert report.series[-2].dossiers == 1  # HS-008, received 30 June: Q2


def test_report_bytes_are_reproducible_apart_from_the_generated_line(
        index: DocumentIndex, scenario: dict[str, str]) -> None:
    request = ReportRequest(parse_period("2024-Q3"), by=("agency", "level"))
    first = build_report(index, request, generated_at=datetime(2024, 10, 5, tzinfo=UTC))
    second = build_report(index, request, generated_at=datetime(2024, 10, 6, tzinfo=UTC))
    assert first.inputs_sha256 == second.inputs_sha256
    for fmt in ("html", "csv", "json"):
        a, b = render(first, fmt).splitlines(), render(second, fmt).splitlines()
        differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        assert len(differing) == 1, (fmt, differing)
    # a new link changes the inputs' hash
    link_result(index, dossier_code="HS-009", document_id=scenario["doc1"], linked_by="clerk")
    third = build_report(index, request, generated_at=datetime(2024, 10, 5, tzinfo=UTC))
    assert third.inputs_sha256 != first.inputs_sha256


def test_links_are_idempotent_and_checked(index: DocumentIndex,
                                          scenario: dict[str, str]) -> None:
    link, created = link_result(index, dossier_code="HS-004", document_id=scenario["doc3"],
                                linked_by="someone else")
    assert not created and link.linked_by == "clerk"
    assert [x.document_id for x in links_of(index, dossier_code="HS-004")] == [scenario["doc3"]]
    from pipeline.links import LinkError, link_for_batch

    link_for_batch(index, None, scenario["doc2"], linked_by="clerk")  # no code: no link
    link_for_batch(index, "HS-009", scenario["doc2"], linked_by="clerk")
    assert [(x.dossier_code, x.method) for x in links_of(index, document_id=scenario["doc2"])] \
        == [("HS-009", "explicit")]
    from pipeline.queries import DocumentNotFound

    with pytest.raises(LinkError):
        link_result(index, dossier_code="bad code!", document_id=scenario["doc3"],
                    linked_by="clerk")
    with pytest.raises(DocumentNotFound):
        link_result(index, dossier_code="HS-004", document_id="ffffffffffffffff",
                    linked_by="clerk")


def test_as_of_leaves_out_what_happened_after_it(index: DocumentIndex,
                                                 scenario: dict[str, str]) -> None:
    # On 30 September 2024 no result had been digitized yet (the index rows are from today).
    q3 = parse_period("2024-Q3")
    as_of = datetime(2024, 9, 30, 18, tzinfo=VN)
    report = build_report(index, ReportRequest(q3, as_of=as_of),
                          generated_at=datetime(2024, 10, 5, tzinfo=UTC))
    r41 = report.total.value(RESULT_DIGITIZATION)
    assert (r41.numerator, r41.denominator) == (0, 3)  # HS-004 pending; HS-007 after 18:00
    assert report.total.dossiers == 5


def test_audit_population_is_the_evidence_behind_the_period(index: DocumentIndex,
                                                            scenario: dict[str, str]) -> None:
    from pipeline.audit import digitized_results, draw_sample

    q3 = digitized_results(index, parse_period("2024-Q3"))
    # HS-001 (manifest), HS-002 (inferred), HS-004 (explicit); doc4 is still in review
    assert q3 == sorted([scenario["doc1"], scenario["doc2"], scenario["doc3"]])
    assert digitized_results(index, parse_period("2023")) == []
    everything = digitized_results(index)
    assert scenario["doc9"] in everything and scenario["doc4"] not in everything
    sample = draw_sample(everything, 3, "766")
    assert sample == draw_sample(list(reversed(everything)), 3, "766")  # order-free
    assert len(set(sample)) == 3 and draw_sample(everything, 99, "x") != []
