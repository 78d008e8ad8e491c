"""What the pages call things: Decree 30/2020 field names, statuses and reasons (shared with
the CLI in `pipeline.labels`), dates as dd/mm/yyyy and times in Vietnam's time zone.

Field names, statuses and reason codes stay English in the index and JSON; only their labels
are shown, in the request's language (English msgids, Vietnamese catalog).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from pipeline.i18n import _
from pipeline.labels import field_label as field_label
from pipeline.labels import parties_history_text, review_reason_text
from pipeline.labels import reason_text as reason_text
from pipeline.labels import status_label as status_label
from pipeline.labels import verdict_label as verdict_label

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

# The fields a clerk sees in review, in the order of a Decree 30 document.
FIELD_ORDER = (
    "doc_type", "number_symbol", "issue_date", "issue_place", "issuing_agency", "parent_agency",
    "subject", "signer_name", "signer_title", "authority_prefix", "recipients", "owner_name",
    "owner_id", "owner_birth_date", "owner_address", "tax_code", "valid_until", "type_abbr",
    "page_count",
)
DATE_FIELDS = ("issue_date", "owner_birth_date", "valid_until")


def role_label(role: str) -> str:
    return {"auditor": _("Auditor"), "clerk": _("Digitizing clerk"),
            "admin": _("Administrator")}.get(role, role)


def reason_label(reason: str) -> str:
    """`issue_date: missing` → `Ngày ban hành: thiếu`; unknown wording is kept as it is."""
    return review_reason_text(reason)


def vn_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy; a datetime is shown in Vietnam's time with hours and minutes."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if value == "permanent":
            return _("Permanent")
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
    return {"original": _("Original (the scan)"), "signed copy": _("Signed electronic copy"),
            "record → signed copy": _("Archive record → signed copy"),
            "record": _("Archive record")}.get(name, name)


def history_value(name: str, value: str | None) -> str:
    """A value from the review history: `rejected: reason` → `Bị từ chối: reason`."""
    if value is None or value == "":
        return "—"
    if name == "status":
        status, sep, why = value.partition(":")
        return status_label(status) + (f":{why}" if sep else "")
    if name == "parties":
        return parties_history_text(value)
    return field_text(name, value)
