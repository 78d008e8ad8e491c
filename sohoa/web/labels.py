"""What the pages call things, in Vietnamese: Decree 30/2020 field names, statuses, reasons,
dates as dd/mm/yyyy and times in Vietnam's time zone.

Field names, statuses and reason codes stay English in the index and JSON; only their labels
are shown. Each label is a Vietnamese msgid through `pipeline.i18n._`, so an English catalog can
translate the pages later.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from pipeline.i18n import _

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

# The fields a clerk sees in review, in the order of a Decree 30 document.
FIELD_ORDER = (
    "doc_type", "number_symbol", "issue_date", "issue_place", "issuing_agency", "parent_agency",
    "subject", "signer_name", "signer_title", "authority_prefix", "recipients", "owner_name",
    "owner_id", "owner_birth_date", "owner_address", "tax_code", "valid_until", "type_abbr",
    "page_count",
)
DATE_FIELDS = ("issue_date", "owner_birth_date", "valid_until")


def field_label(name: str) -> str:
    labels = {
        "doc_type": _("Loại văn bản"), "type_abbr": _("Viết tắt loại văn bản"),
        "number_symbol": _("Số, ký hiệu"), "issue_place": _("Địa danh"),
        "issue_date": _("Ngày ban hành"), "issuing_agency": _("Cơ quan ban hành"),
        "parent_agency": _("Cơ quan chủ quản"), "subject": _("Trích yếu"),
        "signer_name": _("Người ký"), "signer_title": _("Chức vụ người ký"),
        "authority_prefix": _("Thẩm quyền ký"), "recipients": _("Nơi nhận"),
        "owner_name": _("Chủ sở hữu"), "owner_id": _("Số định danh (CCCD/MST)"),
        "owner_birth_date": _("Ngày sinh"), "owner_address": _("Địa chỉ"),
        "tax_code": _("Mã số thuế"), "valid_until": _("Hiệu lực đến"),
        "page_count": _("Số trang"), "status": _("Trạng thái"),
    }
    return labels.get(name, name)


def status_label(status: str | None) -> str:
    labels = {"needs_review": _("Cần kiểm tra"), "stored": _("Đã lưu"),
              "approved": _("Đã duyệt"), "duplicate": _("Trùng lặp"),
              "rejected": _("Bị từ chối"), "quarantined": _("Cách ly"), "failed": _("Lỗi")}
    return labels.get(status or "", status or "")


def role_label(role: str) -> str:
    return {"auditor": _("Kiểm toán viên"), "clerk": _("Cán bộ số hóa"),
            "admin": _("Quản trị")}.get(role, role)


def reason_label(reason: str) -> str:
    """`issue_date: missing` → `Ngày ban hành: thiếu`; unknown wording is kept as it is."""
    name, sep, why = reason.partition(":")
    if not sep:
        return reason
    phrases = {"missing": _("thiếu"), "not found": _("không tìm thấy"),
               "unsure": _("chưa chắc chắn"), "invalid": _("không hợp lệ"),
               "corrected by reviewer": _("đã được sửa")}
    why = why.strip()
    shown = phrases.get(why)
    if shown is None:
        for english, vietnamese in phrases.items():
            if why.startswith(english):
                shown = vietnamese + why[len(english):]
                break
    return f"{field_label(name.strip())}: {shown or why}"


def vn_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy; a datetime is shown in Vietnam's time with hours and minutes."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if value == "permanent":
            return _("Vĩnh viễn")
        try:
            parsed: date = (datetime.fromisoformat(value) if "T" in value
                            else date.fromisoformat(value))
        except ValueError:
            return value
        value = parsed
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def field_text(name: str, value: object) -> str:
    """A field value as a clerk reads and types it (dates dd/mm/yyyy, lists one per line)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if name in DATE_FIELDS and isinstance(value, str):
        return vn_date(value)
    return str(value)


def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)} %"


def hash_label(name: str) -> str:
    """The objects `verify_stored` checks against the hashes in the index."""
    return {"original": _("Bản gốc (bản quét)"), "signed copy": _("Bản sao điện tử đã ký"),
            "record → signed copy": _("Hồ sơ lưu trữ → bản đã ký"),
            "record": _("Hồ sơ lưu trữ")}.get(name, name)


def history_value(name: str, value: str | None) -> str:
    """A value from the review history: `rejected: reason` → `Bị từ chối: reason`."""
    if value is None or value == "":
        return "—"
    if name == "status":
        status, sep, why = value.partition(":")
        return status_label(status) + (f":{why}" if sep else "")
    return field_text(name, value)
