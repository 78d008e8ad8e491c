"""Validation material for one document: trust roots, the DSS contents (certificates, CRLs,
OCSP responses), revocation data passed in, and validation contexts built from them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import ValidationContext

from signing.keys import load_certificates


@dataclass(frozen=True)
class Evidence:
    """Validation material available for one document."""

    trust_roots: list[x509.Certificate]
    other_certs: list[x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    allow_fetching: bool
    has_dss_revinfo: bool

    def context(self, moment: datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.trust_roots,
            other_certs=self.other_certs,
            crls=self.crls,
            ocsps=self.ocsps,
            allow_fetching=self.allow_fetching,
            moment=moment,
            revocation_mode="soft-fail",
            retroactive_revinfo=True,
        )


def open_reader(pdf: bytes, *, password: bytes = b"") -> PdfFileReader:
    """A pyHanko reader, decrypting owner-password-only PDFs with the (empty) user password."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    if reader.encrypted:
        result = reader.decrypt(password)
        if result.status.name == "FAILED":
            raise ValueError("the PDF is encrypted with a user password")
    return reader


@functools.lru_cache(maxsize=16)
def _roots_from_bytes(blobs: tuple[bytes, ...]) -> tuple[x509.Certificate, ...]:
    return tuple(load_certificates(list(blobs)))


def _load_roots(sources: Sequence[Path | bytes | x509.Certificate]) -> list[x509.Certificate]:
    certs = [s for s in sources if isinstance(s, x509.Certificate)]
    blobs = tuple(
        s.read_bytes() if isinstance(s, Path) else s
        for s in sources
        if not isinstance(s, x509.Certificate)
    )
    return certs + list(_roots_from_bytes(blobs))


def gather_evidence(
    reader: PdfFileReader,
    trust_roots: Sequence[Path | bytes | x509.Certificate],
    crls: Sequence[bytes],
    ocsps: Sequence[bytes],
    allow_fetching: bool,
) -> Evidence:
    dss_certs, dss_crls, dss_ocsps = _read_dss(reader)
    return Evidence(
        trust_roots=_load_roots(trust_roots),
        other_certs=dss_certs,
        crls=[asn1_crl.CertificateList.load(c) for c in crls] + dss_crls,
        ocsps=[asn1_ocsp.OCSPResponse.load(o) for o in ocsps] + dss_ocsps,
        allow_fetching=allow_fetching,
        has_dss_revinfo=bool(dss_crls or dss_ocsps),
    )


def _read_dss(
    reader: PdfFileReader,
) -> tuple[list[x509.Certificate], list[asn1_crl.CertificateList], list[asn1_ocsp.OCSPResponse]]:
    try:
        dss = reader.root["/DSS"]
    except KeyError:
        return [], [], []

    def streams(key: str) -> list[bytes]:
        try:
            refs = dss[key]
        except KeyError:
            return []
        out = []
        for ref in refs:
            obj = ref.get_object()
            if isinstance(obj, StreamObject):
                out.append(obj.data)
        return out

    certs = [x509.Certificate.load(b) for b in streams("/Certs")]
    crls = [asn1_crl.CertificateList.load(b) for b in streams("/CRLs")]
    ocsps = [asn1_ocsp.OCSPResponse.load(b) for b in streams("/OCSPs")]
    return certs, crls, ocsps
