"""The report files: self-contained offline HTML in Vietnamese, CSV and JSON with the same
numbers; plus the pure parts of linking and importing (inference, manifest, row parsing)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pipeline.dossier_import import RawRow, check_rows, parse_time
from pipeline.i18n import use_language
from pipeline.kpi import DossierFacts, parse_period
from pipeline.kpi_data import LoadedFacts
from pipeline.kpi_report import ReportRequest, render, report_from_facts
from pipeline.links import CandidateDossier, CandidateResult, infer_links, parse_manifest


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    """These check the Vietnamese wording (the suite's default is English)."""
    with use_language("vi"):
        yield

VN = timezone(timedelta(hours=7))


def _facts() -> LoadedFacts:
    def d(code: str, month: int, link: str | None, kind: str = "paper",
          agency: str = "000.17.22.H56") -> DossierFacts:
        received = datetime(2024, month, 3, 9, tzinfo=VN)
        return DossierFacts(code, "1.010708", agency, "province", received,
                            received + timedelta(days=4), kind, link, True, code.endswith("r"))

    facts = [d("a1r", 7, "explicit"), d("a2", 8, None), d("a3", 9, "inferred"),
             d("b1", 8, None, agency="000.17.22.H56.01"), d("a4r", 4, "explicit"),
             d("e1", 9, None, kind="electronic")]
    return LoadedFacts(facts, {"0123456789abcdef": ["a2", "b1"]}, "sqlite:////x/index.sqlite3")


def _report(fmt: str) -> str:
    request = ReportRequest(parse_period("2024-Q3"), by=("agency",))
    report = report_from_facts(_facts(), request, generated_at=datetime(2024, 10, 1, tzinfo=UTC))
    return render(report, fmt)


def test_html_is_self_contained_vietnamese_with_inline_svg_charts() -> None:
    html = _report("html")
    assert html.count("<svg") == 6  # rates over time and per-agency bars, for 4.1 4.2 4.3
    assert "<script" not in html and "<link" not in html and "<img" not in html
    urls = set(re.findall(r"https?://[^\"' )]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, never fetched
    for words in ("Tỷ lệ số hóa kết quả giải quyết TTHC", "Không đạt", "Quý 3/2024",
                  "Dữ liệu đầu vào", "Trong tử số, liên kết suy luận", "0123456789abcdef"):
        assert words in html
    assert "50,0 %" in html  # 4.1: a1r and a3 of a1r a2 a3 b1
    assert "66,7 % (2/3)" in html  # agency 000.17.22.H56's bar: a1r and a3 of a1r a2 a3


def test_csv_and_json_carry_the_same_numbers_and_name_their_inputs() -> None:
    text = _report("csv")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# inputs_sha256: ") for line in comments)
    assert any(line.startswith("# source: ") for line in comments)
    rows = list(csv.DictReader(io.StringIO("\n".join(
        line for line in text.splitlines() if not line.startswith("#")))))
    total = {r["indicator"]: r for r in rows if not r["agency"]}
    assert (total["4.1"]["numerator"], total["4.1"]["numerator_inferred"],
            total["4.1"]["denominator"], total["4.1"]["rate"]) == ("2", "1", "4", "0.5000")
    data = json.loads(_report("json"))
    first = data["groups"][0]["indicators"][0]
    assert (first["numerator"], first["denominator"], first["rate"]) == (2, 4, "0.5000")
    assert data["inputs"]["period"] == "2024-Q3" and len(data["series"]) == 8


def test_inference_links_one_fitting_dossier_and_leaves_ambiguous_results_alone() -> None:
    dossiers = [CandidateDossier("X1", "0381", "1.1", date(2024, 7, 1), date(2024, 7, 10)),
                CandidateDossier("X2", "0381", "1.1", date(2024, 7, 8), date(2024, 7, 20)),
                CandidateDossier("Y1", "0999", "1.1", date(2024, 7, 1), date(2024, 7, 10))]
    results = [CandidateResult("r-early", "0381", "1.1", date(2024, 7, 3)),   # X1 only
               CandidateResult("r-both", "0381", "1.1", date(2024, 7, 9)),    # X1 and X2
               CandidateResult("r-late", "0381", "1.1", date(2024, 7, 23)),   # X2 + 3 days
               CandidateResult("r-other", "0381", "2.2", date(2024, 7, 3)),   # procedure
               CandidateResult("r-none", "0999", "1.1", date(2024, 7, 14))]   # Y1 + 4 days
    inference = infer_links(dossiers, results)
    assert inference.links == {"X1": ["r-early"], "X2": ["r-late"]}
    assert inference.ambiguous == {"r-both": ["X1", "X2"]}


def test_manifest_and_export_rows_are_parsed_with_row_and_column() -> None:
    rows, problems = parse_manifest("\ufefffile,dossier_code\na.pdf,HS-1\n,HS-2\nb.pdf,?\n",
                                    base_dir=Path("/in"))
    assert [(r.line, str(r.file), r.dossier_code) for r in rows] == [(2, "/in/a.pdf", "HS-1")]
    assert [(p.line, p.column) for p in problems] == [(3, "file"), (4, "dossier_code")]
    assert parse_manifest("path,code\n", base_dir=Path("."))[1][0].line == 1

    raw = {"dossier_code": "HS-1", "procedure_code": "1.1", "agency_code": "A",
           "level": "Cấp xã", "received_at": "01/07/2024 08:30", "result_kind": "Điện tử",
           "status": "received", "components_digitized": "maybe"}
    rows_in = [RawRow(2, raw), RawRow(3, {**raw, "components_digitized": ""})]
    good, row_problems = check_rows(rows_in, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert [(p.row, p.column) for p in row_problems] == [(2, "components_digitized")]
    assert good[0].entry.level == "commune" and good[0].entry.result_kind == "electronic"
    assert good[0].entry.received_at == datetime(2024, 7, 1, 8, 30)
    assert parse_time("2024-07-01T08:30:00+07:00").utcoffset() == timedelta(hours=7)


def test_a_period_without_dossiers_renders_without_verdicts() -> None:
    empty = LoadedFacts([], {}, "sqlite:////x/index.sqlite3")
    report = report_from_facts(empty, ReportRequest(parse_period("2019-02")),
                               generated_at=datetime(2024, 10, 1, tzinfo=UTC))
    html = render(report, "html")
    assert "Không có hồ sơ nào được tiếp nhận trong kỳ." in html and "Chưa đánh giá" in html
    assert "Không đạt" not in html.split("<h2>")[0]  # no verdict on the cards
    data = json.loads(render(report, "json"))
    assert data["groups"][0]["indicators"][0]["rate"] is None
