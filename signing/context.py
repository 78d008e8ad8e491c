"""Build the pyHanko collaborators sign_pdf needs from plain settings values.

The pipeline reads settings once (TSA URL and credentials, trust-root files, CRL files, whether
fetching is allowed) and calls these; build them once per batch and reuse them: a validation
context caches the CRLs/OCSP responses it fetched, and sign_pdf caches its pre-sign check of a
signer per context.
"""

from __future__ import annotations

import base64
import functools
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
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
    return _PooledSslTimeStamper(url, timeout=timeout, headers=headers or None)


class _PooledSslTimeStamper(HTTPTimeStamper):
    """HTTPTimeStamper that reuses one TLS context: by default every request builds a fresh
    aiohttp session whose default SSL context loads the system CA bundle (~30 ms of CPU per
    timestamp). The session itself must stay per-request (each sync call runs its own loop)."""

    @asynccontextmanager
    async def _acquire_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        connector = aiohttp.TCPConnector(ssl=_tls_context())
        async with aiohttp.ClientSession(connector=connector) as session:
            yield session


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


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
