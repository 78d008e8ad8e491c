"""PAdES baseline signing (B-B, B-T, B-LT, B-LTA) of a PDF held in memory.

``sign_pdf`` adds one incremental update holding, in order: the provenance manifest attachment,
the visible "SAO Y" stamp and the signature, so the signature covers how the copy was made. The
input bytes are never rewritten. The signer's certificate is checked before signing: an expired,
not yet valid, revoked or untrusted certificate is refused with a clear SigningError.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, PdfTimeStamper
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from signing._sync import loop_safe
from signing.certcheck import check_signer_certificate
from signing.errors import SigningError
from signing.manifest import MANIFEST_NAME, embed_manifest, read_manifest
from signing.stamp import CopyStamp, stamp_layout

__all__ = [
    "LEVELS",
    "MANIFEST_NAME",
    "CopyStamp",
    "default_level",
    "embed_manifest",
    "extend_timestamps",
    "read_manifest",
    "sign_pdf",
]

LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")
_MD_ALGORITHM = "sha256"


def default_level(*, timestamper_configured: bool) -> str:
    """B-LT when a timestamp authority is configured (archival value), B-B otherwise."""
    return "B-LT" if timestamper_configured else "B-B"


@loop_safe
def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    level: str = "B-B",
    timestamper: TimeStamper | None = None,
    validation_context: ValidationContext | None = None,
    stamp: CopyStamp | None = None,
    manifest: dict[str, Any] | None = None,
    field_name: str = "SaoY",
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Sign ``pdf`` at PAdES ``level`` and return the signed bytes (input + one update)."""
    _check_level(level, timestamper, validation_context)
    check_signer_certificate(
        signer, validation_context, require_revocation_info=level in ("B-LT", "B-LTA")
    )
    request = _SignRequest(
        pdf,
        signer,
        level,
        timestamper,
        validation_context,
        stamp,
        manifest,
        field_name,
        reason,
        location,
    )
    try:
        return _sign_once(request, _bytes_to_reserve(signer, timestamped=level != "B-B"))
    except PyHankoSigningError as e:
        if "larger than expected" not in str(e):
            raise _convert_signing_error(e) from e
    try:  # our size guess was short (e.g. a TSA embedding a long chain): let pyHanko measure
        return _sign_once(request, None)
    except Exception as e:  # noqa: BLE001 - converted at the package boundary
        raise _convert_signing_error(e) from e


@dataclass(frozen=True)
class _SignRequest:
    pdf: bytes
    signer: Signer
    level: str
    timestamper: TimeStamper | None
    validation_context: ValidationContext | None
    stamp: CopyStamp | None
    manifest: dict[str, Any] | None
    field_name: str
    reason: str | None
    location: str | None


def _sign_once(r: _SignRequest, reserved: int | None) -> bytes:
    writer = _open_writer(r.pdf)
    if r.manifest is not None:
        embed_manifest(writer, r.manifest)
    field_spec, style, text_params = _field_and_stamp(writer, r.field_name, r.stamp)
    long_term = r.level in ("B-LT", "B-LTA")
    meta = PdfSignatureMetadata(
        field_name=r.field_name,
        md_algorithm=_MD_ALGORITHM,
        subfilter=SigSeedSubFilter.PADES,
        reason=r.reason,
        location=r.location,
        embed_validation_info=long_term,
        use_pades_lta=r.level == "B-LTA",
        validation_context=r.validation_context if long_term else None,
    )
    pdf_signer = PdfSigner(
        meta,
        r.signer,
        timestamper=r.timestamper if r.level != "B-B" else None,
        stamp_style=style,
        new_field_spec=field_spec,
    )
    try:
        out = pdf_signer.sign_pdf(
            writer, bytes_reserved=reserved, appearance_text_params=text_params
        )
    except PyHankoSigningError:
        raise
    except Exception as e:  # noqa: BLE001 - converted at the package boundary
        raise _convert_signing_error(e) from e
    return bytes(out.getbuffer())


def _bytes_to_reserve(signer: Signer, *, timestamped: bool) -> int:
    """Room for the CMS blob, so pyHanko need not sign a dummy first to measure it (a second
    signature; a second token operation on PKCS#11). Kept tight because validators parse the
    hex /Contents byte by byte; if it is too small sign_pdf retries with pyHanko's estimate."""
    certs = [signer.signing_cert, *signer.cert_registry]
    cert_bytes = sum(len(c.dump()) for c in certs if c is not None)
    der_bytes = 1536 + cert_bytes + (4608 if timestamped else 0)
    return 2 * der_bytes  # pyHanko counts hex digits in /Contents


@loop_safe
def extend_timestamps(
    pdf: bytes,
    *,
    timestamper: TimeStamper,
    validation_context: ValidationContext,
) -> bytes:
    """Re-timestamp a B-LTA (or B-LT) document: add fresh revocation data and a new document
    timestamp, so validation material stays provable after the old TSA certificate expires."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as e:
        raise SigningError("BAD_PDF", f"The PDF cannot be opened for re-timestamping: {e}") from e
    stamper = PdfTimeStamper(timestamper)
    try:
        out = stamper.update_archival_timestamp_chain(reader, validation_context, in_place=False)
    except Exception as e:  # noqa: BLE001 - converted at the package boundary
        raise _convert_signing_error(e) from e
    return bytes(out.getbuffer())


def _check_level(
    level: str, timestamper: TimeStamper | None, validation_context: ValidationContext | None
) -> None:
    if level not in LEVELS:
        raise SigningError("BAD_LEVEL", f"Unknown PAdES level {level!r}; use one of {LEVELS}.")
    if level != "B-B" and timestamper is None:
        raise SigningError(
            "BAD_LEVEL",
            f"PAdES {level} cần máy chủ dấu thời gian / needs a timestamp authority: configure "
            "the TSA URL or sign at B-B.",
        )
    if level in ("B-LT", "B-LTA") and validation_context is None:
        raise SigningError(
            "BAD_LEVEL",
            f"PAdES {level} needs a validation context (trust roots + revocation sources).",
        )


def _open_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as e:
        raise SigningError(
            "BAD_PDF",
            f"Tệp PDF không đọc được để ký / the PDF cannot be opened for signing: {e}",
        ) from e
    if writer.prev.encrypted:
        # sohoa never rewrites a protected original: it signs its own decrypted, OCR'd copy
        raise SigningError(
            "BAD_PDF",
            "Tệp PDF đã được mã hóa / the PDF is encrypted: sign the decrypted copy produced by "
            "the pipeline (qpdf --decrypt), never the protected original.",
        )
    return writer


def _field_and_stamp(
    writer: IncrementalPdfFileWriter, field_name: str, stamp: CopyStamp | None
) -> tuple[SigFieldSpec, Any, dict[str, str]]:
    if stamp is None:
        return SigFieldSpec(sig_field_name=field_name), None, {}
    first = _first_page(writer)
    box = _page_attribute(first, "/CropBox") or _page_attribute(first, "/MediaBox")
    if hasattr(box, "get_object"):  # /MediaBox may be an indirect reference (fpdf2 does this)
        box = box.get_object()
    page_box = tuple(float(v) for v in box)
    rotation = int(_page_attribute(first, "/Rotate") or 0)
    style, rect = stamp_layout(stamp, page_box, rotation)  # type: ignore[arg-type]
    return SigFieldSpec(sig_field_name=field_name, on_page=0, box=rect), style, {}


def _page_attribute(page: Any, key: str) -> Any:
    """A page attribute, inherited from the page tree when the page lacks it (ISO 32000 7.7.3.4)."""
    node = page
    for _ in range(64):  # page trees are shallow; the bound guards against cycles
        if key in node:
            return node[key]
        if "/Parent" not in node:
            return None
        node = node["/Parent"].get_object()
    return None


def _first_page(writer: IncrementalPdfFileWriter) -> Any:
    page_ref, _ = writer.find_page_for_modification(0)
    return page_ref.get_object()


def _convert_signing_error(error: Exception) -> SigningError:
    if isinstance(error, SigningError):
        return error
    chain = _exception_chain(error)
    http_status = next((getattr(e, "status", None) for e in chain if hasattr(e, "status")), None)
    tsa_busy = isinstance(http_status, int) and http_status >= 500  # overloaded, restarting
    if (any(isinstance(e, TimestampRequestError) for e in chain) and isinstance(http_status, int)
            and not tsa_busy):
        return SigningError(
            "TSA_REFUSED",
            f"Máy chủ dấu thời gian từ chối yêu cầu (HTTP {http_status}) / the timestamp "
            "authority refused the request: check the TSA username and password in the settings.",
        )
    if any(isinstance(e, TimestampRequestError) for e in chain):
        return SigningError(
            "TSA_UNREACHABLE",
            "Không kết nối được máy chủ dấu thời gian / the timestamp authority did not answer: "
            f"check the TSA URL and credentials, or retry later ({chain[-1]}).",
        )
    if any(type(e).__module__.startswith("pkcs11") for e in chain):
        return SigningError(
            "TOKEN_ERROR",
            "Thiết bị ký số báo lỗi khi ký / the signing token failed: check that it is plugged "
            f"in and unlocked, then retry ({chain[-1]!r}).",
        )
    if isinstance(error, PyHankoSigningError) and "validat" in str(error).lower():
        return SigningError(
            "REVOCATION_UNAVAILABLE",
            "Không lấy được thông tin thu hồi chứng thư / revocation data for the certificate "
            f"could not be obtained: check the CRL/OCSP access ({chain[-1]}).",
        )
    return SigningError("SIGNING_FAILED", f"Ký số thất bại / signing failed: {error}")


def _exception_chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
