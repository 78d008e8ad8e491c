"""The dossier register's rules, and registration on a real (SQLite) index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.dossiers import DossierEntry, InvalidDossiers, register_dossiers, validate_entry
from storage.index import DocumentIndex, sqlite_url

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _entry(**changes: object) -> DossierEntry:
    values: dict[str, object] = dict(
        dossier_code="000.17.22.H56-210531-0001", procedure_code="1.010708",
        agency_code="000.17.22.H56", level="district", received_at=datetime(2021, 5, 31, 8, 0),
        result_kind="paper", status="received")
    values.update(changes)
    return DossierEntry(**values)  # type: ignore[arg-type]


def _fields(entry: DossierEntry) -> set[str]:
    return {e.field for e in validate_entry(entry, 0, now=NOW)}


def test_a_district_dossier_before_july_2025_is_valid_after_it_is_not() -> None:
    assert _fields(_entry()) == set()
    assert _fields(_entry(received_at=datetime(2025, 7, 1, 9, 0))) == {"level"}
    assert _fields(_entry(level="commune", received_at=datetime(2025, 7, 1, 9, 0))) == set()


def test_cross_field_and_clock_rules() -> None:
    assert _fields(_entry(status="resolved")) == {"resolved_at"}
    assert _fields(_entry(status="resolved", resolved_at=datetime(2021, 5, 30))) == {
        "resolved_at"}
    assert _fields(_entry(level="commune", received_at=datetime(2027, 1, 1))) == {
        "received_at"}
    assert _fields(_entry(dossier_code="x", level="village", result_kind="fax",
                          procedure_code="1 010708")) == {
        "dossier_code", "level", "result_kind", "procedure_code"}


def test_register_is_all_or_nothing_and_idempotent(tmp_path: Path) -> None:
    index = DocumentIndex(sqlite_url(tmp_path / "index.sqlite3"))
    try:
        first, second = _entry(), _entry(dossier_code="000.17.22.H56-210531-0002")
        with pytest.raises(InvalidDossiers) as invalid:
            register_dossiers(index, [first, _entry(dossier_code="000.17.22.H56-210531-0009",
                                                    level="village")], now=NOW)
        assert [(e.index, e.field) for e in invalid.value.errors] == [(1, "level")]
        with pytest.raises(InvalidDossiers):
            register_dossiers(index, [first, first], now=NOW)  # listed twice
        assert register_dossiers(index, [first, second], now=NOW).created == [
            first.dossier_code, second.dossier_code]  # nothing was written before
        again = register_dossiers(index, [first, _entry(
            dossier_code=second.dossier_code, status="resolved",
            resolved_at=datetime(2021, 6, 2, 10, 0))], now=NOW)
        assert (again.unchanged, again.updated) == ([first.dossier_code], [second.dossier_code])
    finally:
        index.close()
