"""Translations: the catalogs are complete, the language is chosen as documented, and what a
clerk reads (quarantine reasons, review reasons of the bundled samples) is Vietnamese by
default and English on request."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import InputRejected
from pipeline.extract import ExtractOptions, PageInput, extract_metadata
from pipeline.i18n import _, display_date, negotiate, normalize, use_language
from pipeline.i18n_check import catalog_problems, is_vietnamese, placeholders, used_msgids
from pipeline.labels import field_label, reason_text, review_reason_text, status_label
from pipeline.triage import triage

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
EMPTY_MESSAGE = "{path}: the file is empty (0 bytes); scan the document again."


def test_every_message_in_the_code_and_templates_is_translated() -> None:
    """Fails when a msgid used in Python or a template is missing from a catalog, untranslated
    in vi (or in en when it is not English), fuzzy, or loses a {placeholder}: run
    scripts/i18n.sh and translate what it lists."""
    used = used_msgids()
    assert EMPTY_MESSAGE in used  # Python code …
    assert "Why it needs review" in used  # … web templates …
    assert "Reporting period" in used  # … and the KPI report are all extracted
    assert ("{n} document", "{n} documents") in used
    problems = catalog_problems(used)
    assert not problems, "\n".join(str(p) for p in problems)


def _write_po(locale_dir: Path, lang: str, body: str) -> None:
    folder = locale_dir / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    header = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
              '"Plural-Forms: nplurals=1; plural=0;\\n"\n\n')
    (folder / "sohoa.po").write_text(header + body, encoding="utf-8")


def test_the_check_catches_missing_translations_and_dropped_placeholders(tmp_path: Path) -> None:
    _write_po(tmp_path, "vi", 'msgid "{path} not found"\nmsgstr "không tìm thấy tệp"\n\n'
                              'msgid "Stored"\nmsgstr ""\n\n'
                              'msgid "Số trang"\nmsgstr "Số trang"\n')
    _write_po(tmp_path, "en", 'msgid "{path} not found"\nmsgstr ""\n\n'
                              'msgid "Stored"\nmsgstr ""\n\n'
                              'msgid "Số trang"\nmsgstr ""\n')
    used = ["{path} not found", "Stored", "Số trang", "Never extracted"]
    found = {(p.lang, p.msgid): p.problem for p in catalog_problems(used, locale_dir=tmp_path)}
    assert "placeholders" in found["vi", "{path} not found"]
    assert found["vi", "Stored"] == "not translated"
    assert found["en", "Số trang"] == "not translated"  # a Vietnamese msgid needs English
    assert ("en", "Stored") not in found  # an English msgid is its own English
    assert "not in the catalog" in found["vi", "Never extracted"]
    assert placeholders("{limit:,.0f} of {n!r} {{literal}}") == {"limit", "n"}
    assert is_vietnamese("Bảng số liệu") and not is_vietnamese(
        "Digitizing indicators (Decision 766/QĐ-TTg)")


@pytest.mark.parametrize(("header", "lang"), [
    (None, "vi"), ("", "vi"), ("de", "vi"), ("vi-VN,vi;q=0.9", "vi"), ("en", "en"),
    ("en-US,en;q=0.9", "en"), ("fr, en;q=0.5", "en"), ("en;q=0.2, vi;q=0.8", "vi"),
    ("vi, en", "vi"), ("en;q=0", "vi"),
])
def test_accept_language_picks_the_best_supported_language(header: str | None,
                                                           lang: str) -> None:
    assert negotiate(header) == lang


def test_sohoa_lang_values() -> None:
    assert [normalize(v) for v in ("vi", "en", "en_US.UTF-8", "EN-gb", "fr", None, "")] == [
        "vi", "en", "en", "en", "vi", "vi", "vi"]


def test_dates_for_people_and_machines() -> None:
    with use_language("vi"):
        assert display_date(date(2024, 3, 5)) == "05/03/2024"
        assert display_date("2024-03-05") == "05/03/2024"
    with use_language("en"):
        assert display_date("2024-03-05") == "2024-03-05"  # ISO, unambiguous


def test_administrative_wording() -> None:
    with use_language("vi"):
        assert [status_label(s) for s in ("needs_review", "stored", "duplicate", "quarantined")
                ] == ["Cần kiểm tra", "Đã lưu", "Trùng lặp", "Bị từ chối"]
        assert [field_label(f) for f in ("number_symbol", "issue_date", "issuing_agency",
                                         "signer_name", "subject")] == [
            "Số, ký hiệu", "Ngày ban hành", "Cơ quan ban hành", "Người ký", "Trích yếu"]
        assert review_reason_text("issue_date: invalid: 2031-01-02 is in the future") == (
            "Ngày ban hành: không hợp lệ: 02/01/2031 ở tương lai")
        assert review_reason_text("owner_id: confidence 0.62 < 0.80") == (
            "Số định danh (CCCD/MST): độ tin cậy 0.62 dưới ngưỡng kiểm tra 0.80")
    with use_language("en"):
        assert review_reason_text("issue_date: missing") == "Issue date: missing"
        assert status_label("quarantined") == "Quarantined"


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", "tệp rỗng (0 byte); hãy quét lại văn bản"),
    ("en", "the file is empty (0 bytes); scan the document again"),
])
def test_quarantine_reason_in_the_clerks_language(tmp_path: Path, lang: str,
                                                  expected: str) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with use_language(lang), pytest.raises(InputRejected) as info:
        triage(empty)
    assert info.value.code == "EMPTY_FILE"  # the code stays the same in every language
    assert info.value.message == f"{empty}: {expected}."


def _sample_reasons() -> tuple[set[str], set[str]]:
    """Review reasons and field reasons the extractor gives on the bundled samples' text, whole
    and with one line at a time left out (a line the OCR lost)."""
    manifest = json.loads((SAMPLES / "manifest.json").read_text("utf-8"))
    options = ExtractOptions(today=date(2026, 1, 1))
    review, fields = set(), set()
    for entry in manifest["files"]:
        if not entry.get("truth"):
            continue
        truth = json.loads((SAMPLES / entry["truth"]).read_text("utf-8"))
        lines = [line for page in truth["pages"] for line in page["lines"]]
        for dropped in range(-1, min(len(lines), 14)):
            text = "\n".join(line for i, line in enumerate(lines) if i != dropped)
            for flags in ((), ("denoised",)):
                ex = extract_metadata([PageInput(text, flags=flags)], options=options)
                review.update(ex.review_reasons)
                fields.update(fv.reason for fv in ex.fields.values() if fv.reason)
    return review, fields


def test_bundled_samples_review_reasons_read_in_vietnamese() -> None:
    review, fields = _sample_reasons()
    assert len(review) >= 3 and any(r.endswith(": missing") for r in review), review
    with use_language("vi"):
        for reason in sorted(review):
            name, _sep, why = reason.partition(": ")
            shown = review_reason_text(reason)
            assert shown.startswith(field_label(name) + ": ") and is_vietnamese(
                field_label(name)), reason
            assert reason_text(why) != why and is_vietnamese(reason_text(why)), reason
        for why in sorted(fields):
            assert reason_text(why) != why, f"field reason not translated: {why!r}"


def _literal_field_reasons() -> set[str]:
    """Every reason an extractor writes as a literal: `Found(value, confidence, "reason")`."""
    reasons: set[str] = set()
    for path in (ROOT / "pipeline" / "extract").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Found"
                    and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant)
                    and isinstance(node.args[2].value, str)):
                reasons.add(node.args[2].value)
    return reasons


def test_every_literal_field_reason_of_the_extractors_is_translated() -> None:
    """A reason a new extractor rule writes must reach the clerk in Vietnamese, not only the
    ones the bundled samples happen to trigger: add its pattern to pipeline/labels.py."""
    reasons = _literal_field_reasons()
    assert len(reasons) >= 15, reasons  # the walk finds the extractors' reasons
    with use_language("vi"):
        untranslated = sorted(r for r in reasons if reason_text(r) == r)
    assert not untranslated, untranslated


def test_po_files_are_read_at_run_time() -> None:
    with use_language("vi"):
        assert _("Needs review") == "Cần kiểm tra"
    with use_language("en"):
        assert _("Needs review") == "Needs review"


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", ["Bản quét (PDF, PNG, JPEG, TIFF) hoặc thư mục.", "Tùy chọn:", "[bắt buộc]",
            "Tham số:"]),
    ("en", ["Scans (PDF, PNG, JPEG, TIFF) or folders.", "Options:", "[required]"]),
])
def test_help_is_in_the_language_of_sohoa_lang(lang: str, expected: list[str],
                                               tmp_path: Path) -> None:
    env = {**os.environ, "SOHOA_LANG": lang, "SOHOA_DATA_DIR": str(tmp_path), "COLUMNS": "300"}
    result = subprocess.run([sys.executable, "-m", "sohoa.cli", "digitize", "--help"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # help is wrapped at 80 columns
    for words in expected:
        assert words in text, words
