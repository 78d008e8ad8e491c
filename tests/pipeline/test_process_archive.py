"""Pure rules of the storage step: which parties are indexed, which lock an object gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline.extract import Extraction
from pipeline.process import find_rescan_target, lock_for, parties_of
from pipeline.search import fold
from pipeline.settings import Settings
from pipeline.vntext import fold as fold_letters
from storage.index import (
    Claim,
    Completion,
    DocumentFile,
    DocumentIndex,
    DocumentRow,
    record_sha256,
)


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


PAGE = ("ỦY BAN NHÂN DÂN PHƯỜNG HÒA BÌNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập Tự do Hạnh "
        "phúc Số 08/XN-UBND Hòa Bình ngày 15 tháng 11 năm 2024 GIẤY XÁC NHẬN Ủy ban nhân dân "
        "phường Hòa Bình xác nhận bà Đoàn Thị Phương sinh ngày 03/02/1987 số định danh cá nhân "
        "045187678636 thường trú tại tổ 5 khu phố 2 phường Hòa Bình có nhà ở hợp pháp tại địa "
        "chỉ trên Giấy xác nhận này có giá trị đến ngày 15/11/2025 CHỦ TỊCH Nguyễn Văn Hùng")


def _stored(index: DocumentIndex) -> str:
    claim = index.claim("a" * 64, doc_id="a" * 16, owner="t", lease=timedelta(minutes=1),
                        template=DocumentRow(id="", original_sha256="", original_name="x",
                                             status=""))
    assert isinstance(claim, Claim)
    row = index.get("a" * 16)
    assert row is not None
    row.status, row.owner_id, row.doc_type = "stored", "045187678636", "GIẤY XÁC NHẬN"
    row.number_symbol, row.issue_date = "08/XN-UBND", date(2024, 11, 15)
    record = {"pages": [{"text": PAGE}]}
    index.complete(claim, Completion(row, DocumentFile(document_id=row.id,
                                                       original_sha256="a" * 64,
                                                       original_name="x"),
                                     record, record_sha256(record)))
    return row.id


def test_near_identical_text_of_the_same_owner_and_type_is_a_rescan(tmp_path: Path) -> None:
    index = DocumentIndex(f"sqlite:///{tmp_path / 'index.sqlite3'}")
    try:
        doc_id = _stored(index)
        values = {"owner_id": "045187678636", "doc_type": "GIẤY XÁC NHẬN"}
        # the number could not be read this time and OCR slipped on two words
        rescan = PAGE.replace("Số 08/XN-UBND", "Sổ 0B/XN-UBND").replace("ngày", "ngảy", 1)
        found = find_rescan_target(index, values, exclude="b" * 16, page_texts=[rescan])
        assert found is not None and found.id == doc_id
        assert find_rescan_target(index, {**values, "number_symbol": "09/XN-UBND"},
                                  exclude="b" * 16, page_texts=[rescan]) is None
        assert find_rescan_target(index, {**values, "owner_id": "038095001234"},
                                  exclude="b" * 16, page_texts=[rescan]) is None
        other_person = PAGE.replace("Đoàn Thị Phương sinh ngày 03/02/1987",
                                    "Lê Văn Bình sinh ngày 01/01/1990").replace(
            "tổ 5 khu phố 2", "tổ 9 khu phố 7")
        assert find_rescan_target(index, values, exclude="b" * 16,
                                  page_texts=[other_person]) is None
        exact = {**values, "number_symbol": "08/XN-UBND", "issue_date": "2024-11-15",
                 "issuing_agency": None}
        assert find_rescan_target(index, exact, exclude="b" * 16, page_texts=[rescan]) \
            is not None
    finally:
        index.close()
