"""Validate the signatures of a PDF: integrity, trust, validity and revocation at signing time,
timestamps, modifications after signing and the PAdES level reached.

The signing time used for certificate checks is the signature timestamp when one is present and
valid (the claimed signing time of the signer is never trusted); otherwise it is "now". CRLs and
OCSP responses come from the document's DSS, from ``crls`` / ``ocsps`` passed in, and (only when
``allow_fetching``) from the network. Revocation entries dated after the signing time do not
invalidate the signature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import (
    DisallowedAlgorithmError,
    SignatureValidationError,
    SigSeedValueValidationError,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from signing._sync import loop_safe
from signing.certcheck import declares_revocation, has_revocation_info
from signing.evidence import Evidence, gather_evidence, open_reader
from signing.stamp import VN_TZ
from signing.verdicts import (
    ROOT_NOT_CONFIGURED,
    VERDICTS,
    WEAK_ALGORITHM,
    SignatureVerdict,
    ValidationReport,
)

__all__ = [
    "VERDICTS",
    "SignatureVerdict",
    "ValidationReport",
    "inspect_existing_signatures",
    "open_reader",
    "validate_pdf",
]

_PADES_SUBFILTER = "/ETSI.CAdES.detached"
# Hashes pyHanko's default policy refuses in signatures and certificates, as clerks name them.
_WEAK_HASHES = {"md2": "MD2", "md5": "MD5", "sha1": "SHA-1"}


@loop_safe
def validate_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[Path | bytes | x509.Certificate],
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    allow_fetching: bool = False,
    password: bytes = b"",
) -> ValidationReport:
    """Validate every signature and document timestamp in ``pdf``. Never raises on bad input:
    an unreadable document or signature is reported as NOT_VERIFIABLE."""
    try:
        reader = open_reader(pdf, password=password)
    except Exception as e:  # noqa: BLE001 - any parse failure is a report, not a crash
        verdicts = []
        if b"/ByteRange" in pdf:
            verdicts.append(_not_verifiable("", f"the PDF could not be parsed: {e}"))
        return ValidationReport(verdicts, document_error=f"unreadable PDF: {e}")
    evidence = gather_evidence(reader, trust_roots, crls, ocsps, allow_fetching)
    found = _signatures(reader)
    chain = _validate_timestamp_chain(found, evidence)
    verdicts = [_validate_one(sig, evidence, reader, chain) for sig in found]
    return ValidationReport(verdicts)


@dataclass(frozen=True)
class _ChainLink:
    revision: int
    time: datetime
    verdict: SignatureVerdict


def _validate_timestamp_chain(
    found: list[EmbeddedPdfSignature | Exception], evidence: Evidence
) -> dict[str, _ChainLink]:
    """Document timestamps, newest first: the newest is judged now, each older one at the time
    of the next valid one, which proves it existed while its TSA certificate was still valid.
    This is what keeps a re-timestamped B-LTA document valid after old TSA certificates expire."""
    stamps = [s for s in found if isinstance(s, EmbeddedPdfSignature) and _is_doc_timestamp(s)]
    chain: dict[str, _ChainLink] = {}
    proof: datetime | None = None
    for stamp in sorted(stamps, key=lambda s: s.signed_revision, reverse=True):
        try:
            verdict = _validate_doc_timestamp(stamp, evidence, proof)
            gen_time = _tst_time(stamp.signed_data)
        except Exception as e:  # noqa: BLE001 - reported, never raised
            verdict = _not_verifiable(
                str(stamp.field_name), f"timestamp not verifiable: {e}", "document-timestamp"
            )
            gen_time = None
        if gen_time is not None:
            chain[str(stamp.field_name)] = _ChainLink(stamp.signed_revision, gen_time, verdict)
            if verdict.verdict == "VALID":
                proof = gen_time
    return chain


def _is_doc_timestamp(sig: EmbeddedPdfSignature) -> bool:
    try:
        return bool(sig.sig_object_type == "/DocTimeStamp")
    except Exception:  # noqa: BLE001
        return False


def _tst_time(signed_data: Any) -> datetime | None:
    from asn1crypto import tsp

    info = signed_data["encap_content_info"]["content"].parsed
    return info["gen_time"].native if isinstance(info, tsp.TSTInfo) else None


def _earliest_proof_after(
    sig: EmbeddedPdfSignature, chain: dict[str, _ChainLink]
) -> datetime | None:
    """Time of the oldest valid document timestamp covering this signature, if any."""
    later = [
        link
        for link in chain.values()
        if link.revision > sig.signed_revision and link.verdict.verdict == "VALID"
    ]
    return min((link.time for link in later), default=None)


def inspect_existing_signatures(
    pdf: bytes,
    *,
    trust_roots: Sequence[Path | bytes | x509.Certificate] = (),
    crls: Sequence[bytes] = (),
) -> list[SignatureVerdict]:
    """Verdicts for the signatures of an incoming (already signed) scan. Never raises.

    Owner-password-encrypted PDFs are opened with the empty user password; a signature that
    cannot be parsed is reported as NOT_VERIFIABLE with the reason."""
    try:
        return validate_pdf(pdf, trust_roots=trust_roots, crls=crls).signatures
    except Exception as e:  # noqa: BLE001 - an input inspection must never fail the batch
        return [_not_verifiable("", f"signature present, not verifiable: {e}")]


def _signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature | Exception]:
    """Embedded signatures; a field whose signature cannot be loaded yields the exception."""
    from pyhanko.sign.fields import enumerate_sig_fields

    found: list[EmbeddedPdfSignature | Exception] = []
    for name, _value, field_ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            found.append(EmbeddedPdfSignature(reader, field_ref, name))
        except Exception as e:  # noqa: BLE001
            e.args = (f"field {name}: {e}",)
            found.append(e)
    return found


def _not_verifiable(field_name: str, reason: str, kind: str = "signature") -> SignatureVerdict:
    return SignatureVerdict(field=field_name, verdict="NOT_VERIFIABLE", reason=reason, kind=kind)


def _validate_one(
    sig: EmbeddedPdfSignature | Exception,
    evidence: Evidence,
    reader: PdfFileReader,
    chain: dict[str, _ChainLink],
) -> SignatureVerdict:
    if isinstance(sig, Exception):
        return _not_verifiable("", f"signature present, not verifiable: {sig}")
    field_name = str(sig.field_name)
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            link = chain.get(field_name)
            return link.verdict if link is not None else _validate_doc_timestamp(sig, evidence)
        return _validate_signature(sig, evidence, reader, _earliest_proof_after(sig, chain))
    except DisallowedAlgorithmError as e:
        return _weak_signature(sig, field_name, evidence, str(e))
    except SigSeedValueValidationError as e:
        return _not_verifiable(field_name, f"signature present, not verifiable: {e}")
    except SignatureValidationError as e:
        # e.g. the embedded certificate does not match the signed signing-certificate attribute
        return _broken_signature(sig, field_name, str(e))
    except Exception as e:  # noqa: BLE001 - e.g. malformed CMS, unsupported algorithm
        kind = "signature"
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                kind = "document-timestamp"
        except Exception:  # noqa: BLE001, S110
            pass
        return _not_verifiable(
            field_name, f"signature present, not verifiable: {type(e).__name__}: {e}", kind
        )


def _broken_signature(sig: EmbeddedPdfSignature, field_name: str, detail: str) -> SignatureVerdict:
    verdict = SignatureVerdict(
        field=field_name,
        verdict="INVALID_INTEGRITY",
        reason=f"the signature does not verify: {detail}",
    )
    _name_signer(verdict, sig)
    return verdict


def _weak_signature(
    sig: EmbeddedPdfSignature, field_name: str, evidence: Evidence, detail: str
) -> SignatureVerdict:
    """pyHanko refused an algorithm outright: say which one, and who signed, in plain words."""
    verdict = SignatureVerdict(field=field_name, verdict="NOT_VERIFIABLE", reason="")
    _name_signer(verdict, sig)
    _note_findings(verdict, sig, evidence)
    algorithm = verdict.weak_algorithm or detail
    verdict.reason = f"signature present, not verifiable: uses {algorithm}, no longer accepted"
    return verdict


def _name_signer(verdict: SignatureVerdict, sig: EmbeddedPdfSignature) -> None:
    try:
        cert = sig.signer_cert
        verdict.signer = _common_name(cert)
        verdict.signer_subject = cert.subject.human_friendly
        verdict.issuer = _common_name_of(cert.issuer)
    except Exception:  # noqa: BLE001, S110 - best effort only
        pass


def _note_findings(
    verdict: SignatureVerdict, sig: EmbeddedPdfSignature, evidence: Evidence
) -> None:
    """Record, as codes, why an untrusted signature is untrusted: a weak hash, a missing root."""
    if verdict.trusted:
        return
    verdict.weak_algorithm = _weak_algorithm(sig)
    if verdict.weak_algorithm is not None:
        verdict.findings.append(WEAK_ALGORITHM)
    try:
        pool = [*sig.other_embedded_certs, *evidence.other_certs]
        verdict.missing_root = _missing_root(sig.signer_cert, pool, evidence.trust_roots)
    except Exception:  # noqa: BLE001 - malformed certificates: no finding rather than a crash
        verdict.missing_root = None
    if verdict.missing_root is not None:
        verdict.findings.append(ROOT_NOT_CONFIGURED)


def _weak_algorithm(sig: EmbeddedPdfSignature) -> str | None:
    """The first refused hash among the signature's digest, its signature algorithm and the
    signer certificate's own signature."""
    names: list[str] = [sig.signer_info["digest_algorithm"]["algorithm"].native]
    for algorithm in (sig.signer_info["signature_algorithm"],
                      sig.signer_cert["signature_algorithm"]):
        try:
            names.append(algorithm.hash_algo)
        except ValueError:  # e.g. plain rsassa_pkcs1v15: the hash is the digest algorithm
            continue
    return next((_WEAK_HASHES[n] for n in names if n in _WEAK_HASHES), None)


def _missing_root(
    cert: x509.Certificate, pool: list[x509.Certificate], roots: list[x509.Certificate]
) -> str | None:
    """The name of the first certificate up the chain that is neither embedded nor a configured
    trust root; None when the chain reaches a configured root (then trust failed otherwise)."""
    current = cert
    for _ in range(12):  # chains are short; a loop in a forged pool must end
        if current.self_signed in ("yes", "maybe"):  # a root: is it one configured?
            same = any(root.subject == current.subject
                       and root.public_key.dump() == current.public_key.dump() for root in roots)
            return None if same else _common_name(current)
        if any(_issued_by(current, root) for root in roots):
            return None
        parent = next((c for c in pool if _issued_by(current, c)), None)
        if parent is None:
            return _common_name_of(current.issuer)
        current = parent
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Same name and, where both certificates say, the same key: two test CAs (or a CA and
    its renewal) share a name, and only the key tells them apart."""
    if issuer.subject != cert.issuer:
        return False
    wanted, actual = cert.authority_key_identifier, issuer.key_identifier
    return wanted is None or actual is None or wanted == actual


def _with_adobe_revinfo(evidence: Evidence, sig: EmbeddedPdfSignature) -> Evidence:
    """Add CRLs/OCSP responses embedded Adobe-style in the signed attributes (common in
    adbe.pkcs7.detached signatures from desktop signing tools) to this signature's evidence."""
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        archival = find_unique_cms_attribute(
            sig.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except Exception:  # noqa: BLE001 - absent (the usual case) or malformed: nothing to add
        return evidence
    crls = [c for c in archival["crl"]] if archival["crl"].native else []
    ocsps = [o for o in archival["ocsp"]] if archival["ocsp"].native else []
    if not crls and not ocsps:
        return evidence
    return dataclasses.replace(
        evidence, crls=[*evidence.crls, *crls], ocsps=[*evidence.ocsps, *ocsps]
    )


def _signature_timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for tst in extract_tst_data_iter(sig.signer_info, signed=False):
        moment = _tst_time(tst)
        if moment is not None:
            return moment
    return None


def _validate_signature(
    sig: EmbeddedPdfSignature,
    evidence: Evidence,
    reader: PdfFileReader,
    proof_time: datetime | None,
) -> SignatureVerdict:
    evidence = _with_adobe_revinfo(evidence, sig)
    ts_time = _signature_timestamp_time(sig)
    # the signature timestamp is judged when a later document timestamp proves it existed
    ts_ctx = evidence.context(proof_time)
    signer_ctx = evidence.context(ts_time)
    status = validate_pdf_signature(
        sig, signer_validation_context=signer_ctx, ts_validation_context=ts_ctx
    )
    ts_ok = _timestamp_ok(status)
    if ts_time is not None and not ts_ok:
        # an invalid timestamp proves nothing: judge the certificate at the current time
        signer_ctx = evidence.context()
        status = validate_pdf_signature(
            sig, signer_validation_context=signer_ctx, ts_validation_context=evidence.context()
        )
    verdict = _base_verdict(sig, status)
    verdict.timestamp = _iso(ts_time)
    verdict.timestamp_valid = None if ts_time is None else ts_ok
    if status.timestamp_validity is not None:
        verdict.timestamp_authority = _common_name(status.timestamp_validity.signing_cert)
    if ts_time is not None and ts_ok:
        verdict.signing_time, verdict.time_source = _iso(ts_time), "timestamp"
    elif status.signer_reported_dt is not None:
        verdict.signing_time, verdict.time_source = _iso(status.signer_reported_dt), "claimed"
    _fill_revocation(verdict, sig, status, signer_ctx)
    _note_findings(verdict, sig, evidence)
    verdict.pades_level = _pades_level(sig, verdict, evidence, reader)
    verdict.verdict, verdict.reason = _decide(verdict, status)
    return verdict


def _timestamp_ok(status: PdfSignatureStatus) -> bool:
    tsv = status.timestamp_validity
    return tsv is not None and tsv.intact and tsv.valid and tsv.trusted


def _base_verdict(sig: EmbeddedPdfSignature, status: PdfSignatureStatus) -> SignatureVerdict:
    cert = sig.signer_cert
    return SignatureVerdict(
        field=str(sig.field_name),
        verdict="NOT_VERIFIABLE",
        reason="",
        signer=_common_name(cert),
        signer_subject=cert.subject.human_friendly,
        issuer=_common_name_of(cert.issuer),
        claimed_time=_iso(status.signer_reported_dt),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        valid_at_signing_time=bool(status.trusted) and not status.revoked,
        modification=_modification(status.modification_level),
        coverage=_coverage(status.coverage),
        subfilter=str(sig.sig_object.get("/SubFilter", "")),
    )


def _fill_revocation(
    verdict: SignatureVerdict,
    sig: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    context: ValidationContext,
) -> None:
    if status.revoked or status.revocation_details is not None:
        verdict.revocation = "revoked"
        details = status.revocation_details
        if details is not None:
            verdict.revocation_date = _iso(details.revocation_date)
        return
    cert = sig.signer_cert
    if not declares_revocation(cert):
        verdict.revocation = "unknown"
        verdict.revocation_warning = "the certificate declares no CRL or OCSP service"
        return
    if has_revocation_info(cert, context):
        verdict.revocation = "good"
        return
    verdict.revocation = "unknown"
    verdict.revocation_warning = (
        "no CRL or OCSP response was available for the signer's certificate "
        "(not embedded, not supplied, fetching disabled or unreachable)"
    )


def _pades_level(
    sig: EmbeddedPdfSignature,
    verdict: SignatureVerdict,
    evidence: Evidence,
    reader: PdfFileReader,
) -> str | None:
    if verdict.subfilter != _PADES_SUBFILTER:
        return None
    if not verdict.intact:
        return None
    doc_ts_after = [
        ts
        for ts in reader.embedded_timestamp_signatures
        if ts.signed_revision > sig.signed_revision
    ]
    if not verdict.timestamp_valid and not doc_ts_after:
        return "B-B"
    if not (evidence.has_dss_revinfo and verdict.revocation == "good"):
        return "B-T"
    dss_revision = _dss_revision(reader)
    covering = [
        ts for ts in doc_ts_after if dss_revision is not None and ts.signed_revision >= dss_revision
    ]
    if covering:
        return "B-LTA"
    return "B-LT"


def _dss_revision(reader: PdfFileReader) -> int | None:
    try:
        ref = reader.root.raw_get("/DSS")
    except KeyError:
        return None
    try:
        return int(reader.xrefs.get_introducing_revision(ref.reference))
    except Exception:  # noqa: BLE001 - direct object or unusual xref: unknown
        return None


def _decide(v: SignatureVerdict, status: PdfSignatureStatus) -> tuple[str, str]:
    if not v.intact:
        return "INVALID_INTEGRITY", (
            "the signed bytes or the signature value do not match: the document was altered "
            "after signing or the signature/certificate was tampered with"
        )
    if v.revocation == "revoked":
        when = f" on {v.revocation_date}" if v.revocation_date else ""
        return "REVOKED", f"the signer's certificate was revoked{when}, before the signing time"
    if WEAK_ALGORITHM in v.findings:
        return "NOT_VERIFIABLE", (
            f"signature present, not verifiable: uses {v.weak_algorithm}, no longer accepted"
        )
    problem = status.trust_problem_indic
    if problem is not None and "OUT_OF_BOUNDS" in str(problem) or _expired_at(v, status):
        return "EXPIRED", "the signer's certificate was not valid at the signing time"
    if ROOT_NOT_CONFIGURED in v.findings:
        return "UNTRUSTED", (
            "chain not trusted: the root certificate is not configured "
            f"(no configured trust root for “{v.missing_root}”)"
        )
    if not v.trusted:
        return "UNTRUSTED", (
            f"the signer's certificate does not chain to a configured trust root ({problem})"
        )
    if v.modification == "other" or status.docmdp_ok is False:
        return "MODIFIED", (
            "the document was changed after signing in a way the signature does not allow "
            f"(modification level: {v.modification})"
        )
    if v.coverage not in ("entire-file", "entire-revision"):
        return "MODIFIED", "the signature does not cover the whole signed revision"
    if v.timestamp is not None and not v.timestamp_valid:
        v.warnings.append("the signature timestamp is not valid or not trusted")
    if v.revocation_warning:
        v.warnings.append(v.revocation_warning)
    return "VALID", "intact, trusted and valid at the signing time"


def _expired_at(v: SignatureVerdict, status: PdfSignatureStatus) -> bool:
    if v.trusted:
        return False
    cert = status.signing_cert
    at = status.validation_time or datetime.now(UTC)
    return bool(at > cert.not_valid_after or at < cert.not_valid_before)


def _validate_doc_timestamp(
    sig: EmbeddedPdfSignature, evidence: Evidence, moment: datetime | None = None
) -> SignatureVerdict:
    status = validate_pdf_timestamp(sig, validation_context=evidence.context(moment))
    cert = sig.signer_cert
    v = SignatureVerdict(
        field=str(sig.field_name),
        verdict="VALID",
        reason="document timestamp intact and trusted",
        kind="document-timestamp",
        signer=_common_name(cert),
        signer_subject=cert.subject.human_friendly,
        issuer=_common_name_of(cert.issuer),
        signing_time=_iso(status.timestamp),
        time_source="timestamp",
        timestamp=_iso(status.timestamp),
        timestamp_valid=bool(status.intact and status.valid and status.trusted),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        valid_at_signing_time=bool(status.trusted),
        modification=_modification(status.modification_level),
        coverage=_coverage(status.coverage),
        subfilter=str(sig.sig_object.get("/SubFilter", "")),
    )
    _note_findings(v, sig, evidence)
    if not v.intact:
        v.verdict, v.reason = "INVALID_INTEGRITY", "the document timestamp does not match"
    elif not v.trusted:
        v.verdict, v.reason = "UNTRUSTED", "the timestamp authority is not trusted"
        if v.missing_root is not None:
            v.reason += f": the root certificate is not configured (“{v.missing_root}”)"
    elif v.modification == "other":
        v.verdict, v.reason = "MODIFIED", "the document was changed after the timestamp"
    return v


def _modification(level: ModificationLevel | None) -> str:
    if level is None or level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return "none"
    return {
        ModificationLevel.FORM_FILLING: "form-filling",
        ModificationLevel.ANNOTATIONS: "annotations",
    }.get(level, "other")


def _coverage(level: SignatureCoverageLevel | None) -> str:
    return (
        {
            SignatureCoverageLevel.ENTIRE_FILE: "entire-file",
            SignatureCoverageLevel.ENTIRE_REVISION: "entire-revision",
            SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
        }.get(level, "unknown")
        if level is not None
        else "unknown"
    )


def _common_name(cert: x509.Certificate) -> str:
    return _common_name_of(cert.subject)


def _common_name_of(name: x509.Name) -> str:
    native = name.native
    return str(native.get("common_name") or name.human_friendly)


def _iso(moment: datetime | None) -> str | None:
    """ISO-8601 in Vietnam time (+07:00), to the second, as clerks and auditors read it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()
