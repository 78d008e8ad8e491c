"""Stable codes of signature validation: verdicts and findings. Never translated; the texts
(``signing.report``, the pipeline's sentences) are built from them."""

from __future__ import annotations

VERDICTS: tuple[str, ...] = (
    "VALID",
    "INVALID_INTEGRITY",
    "UNTRUSTED",
    "REVOKED",
    "EXPIRED",
    "MODIFIED",
    "NOT_VERIFIABLE",
)

# What an inspection found (the record keeps them).
ROOT_NOT_CONFIGURED = "ROOT_NOT_CONFIGURED"  # no path to a configured trust root
WEAK_ALGORITHM = "WEAK_ALGORITHM"  # e.g. SHA-1: no longer accepted for signatures
FINDINGS: tuple[str, ...] = (ROOT_NOT_CONFIGURED, WEAK_ALGORITHM)
