"""Pure rules of the storage step: which parties are indexed, which lock an object gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.extract import Extraction
from pipeline.process import lock_for, parties_of
from pipeline.search import fold
from pipeline.settings import Settings
from pipeline.vntext import fold as fold_letters


@dataclass(frozen=True)
class _Party:  # the shape branch `extract` adds: Party(role, name, id, id_kind, confidence)
    role: str
    name: str | None
    id: str | None
    id_kind: str | None
    confidence: float


@dataclass(frozen=True)
class _WithParties:
    parties: tuple[_Party, ...]


def test_owner_is_always_a_party_and_extracted_parties_are_kept() -> None:
    values = {"owner_id": "045187678636", "owner_name": "Đoàn Thị Phương"}
    plain = parties_of(Extraction(fields={}, review_reasons=()), values)
    assert [(p.role, p.id_value, p.id_kind, p.name) for p in plain] == [
        ("owner", "045187678636", "cccd", "Đoàn Thị Phương")]
    enterprise = parties_of(Extraction(fields={}, review_reasons=()), {"tax_code": "0100047516"})
    assert [(p.role, p.id_value, p.id_kind) for p in enterprise] == [
        ("owner", "0100047516", "mst")]
    extracted = _WithParties((_Party("owner", "Đoàn Thị Phương", "045187678636", "cccd", 0.9),
                              _Party("spouse", "Lê Văn Bình", "038095001234", "cccd", 0.7),
                              _Party("", "nobody", None, None, 0.1)))
    both = parties_of(extracted, values)  # type: ignore[arg-type]
    assert [(p.role, p.id_value) for p in both] == [("owner", "045187678636"),
                                                    ("spouse", "038095001234")]


def test_lock_follows_the_document_type_and_permanent_results_are_held() -> None:
    settings = Settings(retention_days_default=10,
                        retention_days_by_type={"GIẤY PHÉP XÂY DỰNG": 100})
    now = datetime.now(UTC)
    held = lock_for(settings, {"valid_until": "permanent"})
    assert held is not None and held.legal_hold and held.until is None
    typed = lock_for(settings, {"doc_type": "Giấy phép xây dựng"})
    assert typed is not None and typed.until is not None
    assert timedelta(days=99) < typed.until - now < timedelta(days=101)
    other = lock_for(settings, {"doc_type": "THÔNG BÁO"})
    assert other is not None and other.until is not None and other.mode == "GOVERNANCE"
    assert timedelta(days=9) < other.until - now < timedelta(days=11)
    assert lock_for(Settings(object_lock=False), {}) is None


def test_fast_fold_equals_the_letter_by_letter_fold() -> None:
    text = "Ủy ban nhân dân TỈNH QUẢNG TRỊ, Đoàn Thị Phương — số 15/QĐ-UBND ngày 05/3/2024"
    assert fold(text) == fold_letters(text)
    assert len(fold(text)) == len(text)
