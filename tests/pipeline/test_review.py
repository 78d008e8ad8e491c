"""The review step reads the stored extraction back whole: a clerk's correction must not drop
the parties the pipeline found (they are what `lookup --owner-id` finds a document by)."""

from __future__ import annotations

from datetime import date

from pipeline.extract import ExtractOptions, PageInput, apply_corrections, extract_metadata
from pipeline.review import extraction_from_record

DECISION = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG TRỊ
Số: 15/QĐ-UBND
Quảng Trị, ngày 05 tháng 3 năm 2024
QUYẾT ĐỊNH
Về việc nâng bậc lương thường xuyên
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ
Điều 1. Nâng bậc lương thường xuyên đối với ông Trần Văn Bình, sinh ngày 02/03/1985,
số định danh cá nhân 045085001234, nơi cư trú: xã Gio Linh, tỉnh Quảng Trị.
Nơi nhận:
- Như Điều 1;
- Lưu: VT.
CHỦ TỊCH
Lê Văn Hùng
"""
OPTIONS = ExtractOptions(today=date(2026, 11, 30))


def test_a_reviewed_record_keeps_its_parties() -> None:
    ex = extract_metadata([PageInput(DECISION)], options=OPTIONS)
    assert ex.parties, "the decision names the person it is about"
    record = {"metadata": ex.to_dict()}
    back = extraction_from_record(record)
    assert back.parties == tuple(
        type(p)(p.role, p.name, p.id, p.id_kind, round(p.confidence, 3)) for p in ex.parties)
    after = apply_corrections(back, {"subject": "Về việc nâng bậc lương thường xuyên"},
                              options=OPTIONS)
    assert [p.to_dict() for p in after.parties] == record["metadata"]["parties"]
    assert any(p.id == "045085001234" for p in after.parties)
