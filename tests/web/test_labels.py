"""What the pages show for stored values: Vietnamese labels, dd/mm/yyyy, Vietnam time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from pipeline.i18n import use_language
from sohoa.web import labels


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    """These check the Vietnamese wording (the suite's default is English)."""
    with use_language("vi"):
        yield


def test_dates_are_day_month_year_and_times_vietnamese() -> None:
    assert labels.vn_date(date(2024, 3, 5)) == "05/03/2024"
    assert labels.vn_date("2024-03-05") == "05/03/2024"
    assert labels.vn_date(datetime(2024, 3, 5, 20, 30, tzinfo=UTC)) == "06/03/2024 03:30"
    assert labels.vn_date(datetime(2024, 3, 5, 20, 30)) == "06/03/2024 03:30"  # stored as UTC
    assert labels.vn_date("permanent") == "Vĩnh viễn"
    assert labels.vn_date(None) == "" and labels.vn_date("not a date") == "not a date"


def test_fields_and_reasons_use_decree_30_names() -> None:
    assert labels.field_label("number_symbol") == "Số, ký hiệu"
    assert labels.field_label("issuing_agency") == "Cơ quan ban hành"
    assert labels.reason_label("issue_date: missing") == "Ngày ban hành: thiếu"
    assert labels.reason_label("signer_name: unsure (0.62)") == "Người ký: chưa chắc chắn (0.62)"
    assert labels.reason_label("something else") == "something else"


def test_values_read_as_a_clerk_types_them() -> None:
    assert labels.field_text("issue_date", "2024-03-05") == "05/03/2024"
    assert labels.field_text("recipients", ["Như Điều 3", "Lưu: VT"]) == "Như Điều 3; Lưu: VT"
    assert labels.field_text("page_count", 2) == "2" and labels.field_text("subject", None) == ""
    assert (labels.history_value("status", "rejected: thiếu trang 2")
            == "Không được duyệt: thiếu trang 2")
    assert labels.status_label("quarantined") == "Bị từ chối"
    assert labels.history_value("status", "approved") == "Đã duyệt"
    assert labels.history_value("issue_date", None) == "—"
    assert labels.status_label("needs_review") == "Cần kiểm tra"
    assert labels.status_label("duplicate") == "Trùng lặp"
