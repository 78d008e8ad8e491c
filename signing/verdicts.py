"""What validation says about each signature of a PDF: the data model behind the JSON report
and the Vietnamese / English text (``signing.report``)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

from signing.codes import FINDINGS, ROOT_NOT_CONFIGURED, VERDICTS, WEAK_ALGORITHM
from signing.report import render_report

__all__ = [
    "FINDINGS",
    "ROOT_NOT_CONFIGURED",
    "VERDICTS",
    "WEAK_ALGORITHM",
    "SignatureVerdict",
    "ValidationReport",
]


@dataclass
class SignatureVerdict:
    """The outcome for one signature (or document timestamp) in a PDF."""

    field: str
    verdict: str  # one of VERDICTS
    reason: str  # English explanation; see report.render for Vietnamese
    kind: str = "signature"  # "signature" | "document-timestamp"
    signer: str = ""  # subject common name
    signer_subject: str = ""
    issuer: str = ""
    signing_time: str | None = None  # ISO-8601; trusted time if time_source == "timestamp"
    time_source: str = "none"  # "timestamp" | "claimed" | "none"
    claimed_time: str | None = None  # signingTime attribute, not trusted
    intact: bool = False
    trusted: bool = False
    valid_at_signing_time: bool = False
    revocation: str = "unknown"  # "good" | "revoked" | "unknown"
    revocation_warning: str | None = None
    revocation_date: str | None = None
    timestamp: str | None = None  # signature timestamp time (ISO-8601)
    timestamp_valid: bool | None = None
    timestamp_authority: str | None = None
    modification: str = "none"  # "none" | "form-filling" | "annotations" | "other"
    coverage: str = "unknown"  # "entire-file" | "entire-revision" | "partial" | "unknown"
    pades_level: str | None = None  # "B-B" | "B-T" | "B-LT" | "B-LTA" | None (not PAdES)
    subfilter: str = ""
    warnings: list[str] = dataclasses.field(default_factory=list)
    findings: list[str] = dataclasses.field(default_factory=list)  # codes from FINDINGS
    missing_root: str | None = None  # the issuer no configured trust root matches
    weak_algorithm: str | None = None  # "SHA-1", "MD5": refused by the validation policy

    @property
    def ok(self) -> bool:
        return self.verdict == "VALID"


@dataclass
class ValidationReport:
    """All signatures of a document with their verdicts."""

    signatures: list[SignatureVerdict]
    document_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is at least one signature and every signature is VALID."""
        regular = [s for s in self.signatures if s.kind == "signature"]
        return bool(regular) and all(s.ok for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "document_error": self.document_error,
            "signatures": [asdict(s) for s in self.signatures],
        }

    def render(self, lang: str = "vi") -> str:
        return render_report(self, lang=lang)
