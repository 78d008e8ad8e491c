"""Build the pyHanko collaborators sign_pdf needs from plain settings values.

The pipeline reads settings once (TSA URL and credentials, trust-root files, CRL files, whether
fetching is allowed) and calls these; build them once per batch and reuse them: a validation
context caches the CRLs/OCSP responses it fetched, and sign_pdf caches its pre-sign check of a
signer per context.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import crl as asn1_crl
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.keys import load_certificates


def make_timestamper(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
) -> TimeStamper:
    """RFC 3161 client for the TSA at ``url``, with optional HTTP basic authentication."""
    headers = {}
    if username is not None:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return HTTPTimeStamper(url, timeout=timeout, headers=headers or None)


def make_validation_context(
    *,
    trust_roots: Sequence[Path | bytes],
    crls: Sequence[Path | bytes] = (),
    allow_fetching: bool = True,
) -> ValidationContext:
    """Trust anchors (e.g. the VGCA / NEAC roots) plus optional local CRLs; with
    ``allow_fetching`` the CRL/OCSP services named in certificates are queried (needed to embed
    revocation data for B-LT/B-LTA unless CRLs are supplied)."""
    crl_objs = [
        asn1_crl.CertificateList.load(c.read_bytes() if isinstance(c, Path) else c) for c in crls
    ]
    return ValidationContext(
        trust_roots=load_certificates(list(trust_roots)),
        crls=crl_objs,
        allow_fetching=allow_fetching,
        revocation_mode="soft-fail",
    )
