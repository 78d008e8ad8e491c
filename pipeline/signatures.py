"""Signatures found on an incoming scan, in one plain sentence each for the clerk.

`signing.validate` gives a verdict per signature with stable finding codes (kept in the record
under `original.existing_signatures`); this turns one such entry into words, naming the setting
that fixes the usual problem. Used by `show`, `verify` and the API alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.i18n import _
from signing.verdicts import ROOT_NOT_CONFIGURED, WEAK_ALGORITHM


def _verdict_words(verdict: str, reason: str) -> str:
    words = {
        "VALID": _("valid"),
        "INVALID_INTEGRITY": _("the document or the signature was altered after signing"),
        "REVOKED": _("the certificate was revoked"),
        "EXPIRED": _("the certificate was not valid at the signing time"),
        "MODIFIED": _("the document was changed after signing"),
        "UNTRUSTED": _("chain not trusted"),
    }
    if verdict in words:
        return words[verdict]
    return _("not verifiable ({reason})").format(reason=reason)


def signature_summary(signature: Mapping[str, Any]) -> str:
    """E.g. "signed by UBND tỉnh X, chain not trusted: the root certificate is not configured
    (SOHOA_TRUST_ROOTS)" or "signed by Y, uses SHA-1, no longer accepted"."""
    findings = signature.get("findings") or []
    problems: list[str] = []
    if WEAK_ALGORITHM in findings:
        problems.append(_("uses {algorithm}, no longer accepted").format(
            algorithm=signature.get("weak_algorithm") or "SHA-1"))
    if ROOT_NOT_CONFIGURED in findings:
        problems.append(_("chain not trusted: the root certificate is not configured "
                          "(SOHOA_TRUST_ROOTS)"))
    if not problems:
        problems.append(_verdict_words(str(signature.get("verdict")),
                                       str(signature.get("reason") or "")))
    signer = signature.get("signer")
    if not signer:
        return _("signature present, {problems}").format(problems="; ".join(problems))
    return _("signed by {signer}, {problems}").format(signer=signer,
                                                      problems="; ".join(problems))
