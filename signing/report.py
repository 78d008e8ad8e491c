"""Human-readable validation report in Vietnamese (default) or English.

It reads the verdicts through the protocols below, so it does not import the data model
(``signing.verdicts`` imports this module to offer ``ValidationReport.render``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from signing.codes import ROOT_NOT_CONFIGURED, WEAK_ALGORITHM


class SignatureVerdict(Protocol):
    """What the report reads of one verdict (``signing.verdicts.SignatureVerdict``)."""

    @property
    def field(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def signer(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def signing_time(self) -> str | None: ...
    @property
    def time_source(self) -> str: ...
    @property
    def intact(self) -> bool: ...
    @property
    def trusted(self) -> bool: ...
    @property
    def valid_at_signing_time(self) -> bool: ...
    @property
    def revocation(self) -> str: ...
    @property
    def timestamp(self) -> str | None: ...
    @property
    def timestamp_valid(self) -> bool | None: ...
    @property
    def timestamp_authority(self) -> str | None: ...
    @property
    def modification(self) -> str: ...
    @property
    def pades_level(self) -> str | None: ...
    @property
    def warnings(self) -> Sequence[str]: ...
    @property
    def findings(self) -> Sequence[str]: ...
    @property
    def missing_root(self) -> str | None: ...
    @property
    def weak_algorithm(self) -> str | None: ...


class ValidationReport(Protocol):
    """What the report reads of a whole document (``signing.verdicts.ValidationReport``)."""

    @property
    def signatures(self) -> Sequence[SignatureVerdict]: ...
    @property
    def document_error(self) -> str | None: ...
    @property
    def ok(self) -> bool: ...

_VERDICT_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "VALID": "HỢP LỆ",
        "INVALID_INTEGRITY": "KHÔNG TOÀN VẸN (tài liệu hoặc chữ ký đã bị thay đổi)",
        "UNTRUSTED": "KHÔNG TIN CẬY (chứng thư không thuộc chuỗi tin cậy)",
        "REVOKED": "CHỨNG THƯ ĐÃ BỊ THU HỒI",
        "EXPIRED": "CHỨNG THƯ HẾT HIỆU LỰC tại thời điểm ký",
        "MODIFIED": "TÀI LIỆU BỊ SỬA ĐỔI sau khi ký",
        "NOT_VERIFIABLE": "CÓ CHỮ KÝ, KHÔNG KIỂM TRA ĐƯỢC",
    },
    "en": {
        "VALID": "VALID",
        "INVALID_INTEGRITY": "INTEGRITY BROKEN (document or signature altered)",
        "UNTRUSTED": "UNTRUSTED (certificate does not chain to a trust root)",
        "REVOKED": "CERTIFICATE REVOKED",
        "EXPIRED": "CERTIFICATE NOT VALID at the signing time",
        "MODIFIED": "DOCUMENT MODIFIED after signing",
        "NOT_VERIFIABLE": "SIGNATURE PRESENT, NOT VERIFIABLE",
    },
}

_LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "KẾT QUẢ KIỂM TRA CHỮ KÝ SỐ",
        "none": "Tài liệu không có chữ ký số.",
        "overall_ok": "Kết luận: tất cả chữ ký hợp lệ.",
        "overall_bad": "Kết luận: tài liệu KHÔNG đạt yêu cầu kiểm tra.",
        "signature": "Chữ ký",
        "doc_ts": "Dấu thời gian tài liệu",
        "field": "Trường",
        "signer": "Người ký",
        "issuer": "Tổ chức cấp chứng thư",
        "time": "Thời gian ký",
        "time_ts": "theo dấu thời gian",
        "time_claimed": "do người ký tự khai, chưa được xác thực",
        "integrity": "Toàn vẹn",
        "trust": "Chuỗi tin cậy",
        "validity": "Hiệu lực chứng thư tại thời điểm ký",
        "revocation": "Tình trạng thu hồi",
        "timestamp": "Dấu thời gian",
        "modification": "Thay đổi sau khi ký",
        "level": "Mức PAdES đạt được",
        "verdict": "Kết quả",
        "reason": "Lý do",
        "warning": "Cảnh báo",
        "yes": "có",
        "no": "không",
        "good": "chưa bị thu hồi",
        "revoked": "ĐÃ BỊ THU HỒI",
        "unknown": "không xác định",
        "valid": "hợp lệ",
        "invalid": "không hợp lệ",
        "absent": "không có",
        "mod_none": "không có",
        "mod_form-filling": "điền biểu mẫu / thêm chữ ký",
        "mod_annotations": "thêm chú thích",
        "mod_other": "THAY ĐỔI NỘI DUNG",
        "not_pades": "không phải PAdES",
    },
    "en": {
        "title": "DIGITAL SIGNATURE VALIDATION REPORT",
        "none": "The document has no digital signature.",
        "overall_ok": "Conclusion: all signatures are valid.",
        "overall_bad": "Conclusion: the document did NOT pass validation.",
        "signature": "Signature",
        "doc_ts": "Document timestamp",
        "field": "Field",
        "signer": "Signer",
        "issuer": "Issuer",
        "time": "Signing time",
        "time_ts": "from the timestamp",
        "time_claimed": "claimed by the signer, not verified",
        "integrity": "Integrity",
        "trust": "Chain of trust",
        "validity": "Certificate valid at signing time",
        "revocation": "Revocation status",
        "timestamp": "Timestamp",
        "modification": "Changes after signing",
        "level": "PAdES level reached",
        "verdict": "Verdict",
        "reason": "Reason",
        "warning": "Warning",
        "yes": "yes",
        "no": "no",
        "good": "not revoked",
        "revoked": "REVOKED",
        "unknown": "unknown",
        "valid": "valid",
        "invalid": "invalid",
        "absent": "none",
        "mod_none": "none",
        "mod_form-filling": "form filling / added signatures",
        "mod_annotations": "annotations added",
        "mod_other": "CONTENT CHANGED",
        "not_pades": "not PAdES",
    },
}

_REASON_VI: dict[str, str] = {
    "VALID": "chữ ký toàn vẹn, chứng thư thuộc chuỗi tin cậy và còn hiệu lực tại thời điểm ký",
    "INVALID_INTEGRITY": "dữ liệu được ký hoặc giá trị chữ ký không khớp: tài liệu đã bị sửa "
    "sau khi ký hoặc chữ ký/chứng thư bị giả mạo",
    "UNTRUSTED": "chứng thư của người ký không thuộc chuỗi tin cậy đã cấu hình",
    "REVOKED": "chứng thư của người ký đã bị thu hồi trước thời điểm ký",
    "EXPIRED": "chứng thư của người ký không còn hiệu lực tại thời điểm ký",
    "MODIFIED": "tài liệu bị thay đổi sau khi ký theo cách chữ ký không cho phép",
    "NOT_VERIFIABLE": "có chữ ký nhưng không kiểm tra được",
}


def render_report(report: ValidationReport, *, lang: str = "vi") -> str:
    """A plain-text report, one block per signature, then the overall conclusion."""
    lang = lang if lang in _LABELS else "vi"
    t = _LABELS[lang]
    lines = [t["title"], "=" * len(t["title"])]
    if report.document_error and not report.signatures:
        lines.append(report.document_error)
    if not report.signatures:
        lines.append(t["none"])
    for index, sig in enumerate(report.signatures, start=1):
        lines.extend(_render_signature(index, sig, lang))
        lines.append("")
    lines.append(t["overall_ok"] if report.ok else t["overall_bad"])
    return "\n".join(lines)


def _render_signature(index: int, s: SignatureVerdict, lang: str) -> list[str]:
    t = _LABELS[lang]
    kind = t["doc_ts"] if s.kind == "document-timestamp" else t["signature"]
    out = [f"{kind} {index} — {t['verdict']}: {_VERDICT_TEXT[lang][s.verdict]}"]
    if s.field:
        out.append(f"  {t['field']}: {s.field}")
    if s.verdict == "NOT_VERIFIABLE" and not s.signer:
        out.append(f"  {t['reason']}: {s.reason}")
        return out
    out.append(f"  {t['signer']}: {s.signer}")
    out.append(f"  {t['issuer']}: {s.issuer}")
    out.append(f"  {t['time']}: {_time_text(s, t)}")
    out.append(f"  {t['integrity']}: {t['yes'] if s.intact else t['no']}")
    out.append(f"  {t['trust']}: {t['yes'] if s.trusted else t['no']}")
    if s.kind == "signature":
        out.append(f"  {t['validity']}: {t['yes'] if s.valid_at_signing_time else t['no']}")
        out.append(f"  {t['revocation']}: {t[s.revocation]}")
        out.append(f"  {t['timestamp']}: {_timestamp_text(s, t)}")
        out.append(f"  {t['modification']}: {t['mod_' + s.modification]}")
        out.append(f"  {t['level']}: {s.pades_level or t['not_pades']}")
    finding = _finding_vi(s) if lang == "vi" else None
    reason = _REASON_VI.get(s.verdict, s.reason) if lang == "vi" else s.reason
    if lang == "vi" and s.kind == "document-timestamp" and s.verdict == "VALID":
        reason = "dấu thời gian tài liệu toàn vẹn, do tổ chức cấp dấu thời gian tin cậy ký"
    out.append(f"  {t['reason']}: {finding or reason}")
    if lang == "vi" and s.verdict == "NOT_VERIFIABLE" and finding is None:
        out.append(f"    ({s.reason})")
    for warning in s.warnings:
        out.append(f"  {t['warning']}: {warning}")
    return out


def _finding_vi(s: SignatureVerdict) -> str | None:
    """The plain-words reason for a weak algorithm or a missing root, in Vietnamese."""
    if WEAK_ALGORITHM in s.findings:
        return (f"có chữ ký nhưng không kiểm tra được: dùng thuật toán {s.weak_algorithm}, "
                "không còn được chấp nhận")
    if ROOT_NOT_CONFIGURED in s.findings and s.verdict == "UNTRUSTED":
        return ("chuỗi chứng thư không tin cậy: chứng thư gốc chưa được cấu hình "
                f"(không có chứng thư gốc tin cậy cho “{s.missing_root}”)")
    return None


def _time_text(s: SignatureVerdict, t: dict[str, str]) -> str:
    if s.signing_time is None:
        return t["unknown"]
    source = t["time_ts"] if s.time_source == "timestamp" else t["time_claimed"]
    return f"{s.signing_time} ({source})"


def _timestamp_text(s: SignatureVerdict, t: dict[str, str]) -> str:
    if s.timestamp is None:
        return t["absent"]
    state = t["valid"] if s.timestamp_valid else t["invalid"]
    tsa = f", {s.timestamp_authority}" if s.timestamp_authority else ""
    return f"{s.timestamp} ({state}{tsa})"
