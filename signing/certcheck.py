"""Refuse to sign with a certificate that is expired, not yet valid, revoked or untrusted.

Checked before any signing work, with clerk-facing messages. Successful chain checks are cached
for a minute per (certificate, validation context) so a batch does not re-validate every page.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

from asn1crypto import x509
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from signing.errors import SigningError

_CACHE_TTL_S = 60.0
_ok_cache: dict[tuple[bytes, int, bool], tuple[float, object]] = {}
_cache_lock = threading.Lock()


def check_signer_certificate(
    signer: Signer,
    validation_context: ValidationContext | None,
    *,
    require_revocation_info: bool = False,
    at: datetime | None = None,
) -> None:
    """Raise SigningError (CERT_EXPIRED / CERT_REVOKED / CERT_UNTRUSTED / ...) or return.

    With ``require_revocation_info`` (B-LT, B-LTA) a certificate that names a CRL or OCSP
    service must have its revocation data at hand: otherwise the document would silently be
    only B-T, so REVOCATION_UNAVAILABLE is raised instead."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("KEY_NOT_FOUND", "The signing key has no certificate.")
    moment = at or datetime.now(UTC)
    _check_validity_period(
        cert.subject.human_friendly, cert.not_valid_before, cert.not_valid_after, moment
    )
    if validation_context is None:
        return
    key = (cert.sha256, id(validation_context), require_revocation_info)
    with _cache_lock:
        expiry, _ = _ok_cache.get(key, (0.0, None))
        if expiry > time.monotonic():
            return
    _check_chain(signer, validation_context)
    missing = declares_revocation(cert) and not has_revocation_info(cert, validation_context)
    if require_revocation_info and missing:
        raise SigningError(
            "REVOCATION_UNAVAILABLE",
            "Không lấy được danh sách thu hồi (CRL/OCSP) của chứng thư ký / the revocation "
            "data of the signing certificate could not be obtained, so a long-term (B-LT) "
            "signature cannot be made: check access to the CA's CRL/OCSP service or supply "
            "the CRL file in the settings.",
        )
    with _cache_lock:
        # the context is kept in the entry so its id cannot be reused by another object
        _ok_cache[key] = (time.monotonic() + _CACHE_TTL_S, validation_context)


def declares_revocation(cert: x509.Certificate) -> bool:
    """Whether the certificate names a CRL distribution point or an OCSP responder."""
    return bool(cert.crl_distribution_points or cert.ocsp_urls)


def has_revocation_info(cert: x509.Certificate, context: ValidationContext) -> bool:
    """Whether the context holds (or fetched) a CRL of the cert's issuer or an OCSP response for
    its serial. Soft-fail validation passes silently without either, so callers must ask."""
    for crl in context.crls:
        if crl["tbs_cert_list"]["issuer"] == cert.issuer:
            return True
    for resp in context.ocsps:
        try:
            single = resp.basic_ocsp_response["tbs_response_data"]["responses"]
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
        if any(r["cert_id"]["serial_number"].native == cert.serial_number for r in single):
            return True
    return False


def _check_validity_period(
    subject: str, not_before: datetime, not_after: datetime, moment: datetime
) -> None:
    if moment > not_after:
        raise SigningError(
            "CERT_EXPIRED",
            f"Chứng thư số của người ký đã hết hạn ngày {not_after:%d/%m/%Y} / the signing "
            f"certificate ({subject}) expired on {not_after:%Y-%m-%d}: renew it with the CA "
            "and configure the new key.",
        )
    if moment < not_before:
        raise SigningError(
            "CERT_EXPIRED",
            f"Chứng thư số chưa có hiệu lực / the signing certificate ({subject}) is not valid "
            f"before {not_before:%Y-%m-%d}: check the computer clock.",
        )


async def _validate_and_release(
    validator: CertificateValidator, context: ValidationContext
) -> None:
    try:
        await validator.async_validate_usage({"non_repudiation"})
    finally:
        await context.aclose()  # close HTTP sessions opened in this event loop


def _check_chain(signer: Signer, validation_context: ValidationContext) -> None:
    validator = CertificateValidator(
        signer.signing_cert,
        intermediate_certs=list(signer.cert_registry),
        validation_context=validation_context,
    )
    try:
        asyncio.run(_validate_and_release(validator, validation_context))
    except RevokedError as e:
        raise SigningError(
            "CERT_REVOKED",
            "Chứng thư số của người ký đã bị thu hồi / the signing certificate has been revoked "
            f"by its CA: do not sign; contact the CA for a new certificate ({e}).",
        ) from e
    except (ExpiredError, NotYetValidError) as e:
        raise SigningError(
            "CERT_EXPIRED",
            f"Chứng thư số trong chuỗi đã hết hạn / a certificate in the chain is expired ({e}).",
        ) from e
    except InsufficientRevinfoError as e:
        raise SigningError(
            "REVOCATION_UNAVAILABLE",
            "Không kiểm tra được tình trạng thu hồi / the certificate's revocation status could "
            f"not be checked: check access to the CA's CRL/OCSP ({e}).",
        ) from e
    except PathBuildingError as e:
        raise SigningError(
            "CERT_UNTRUSTED",
            "Chứng thư số không thuộc chuỗi tin cậy / the signing certificate does not chain to "
            f"a configured trust root: add the CA root to the trust store ({e}).",
        ) from e
    except PathValidationError as e:
        raise SigningError(
            "CERT_UNTRUSTED",
            "Chứng thư số không xác thực được với chứng thư gốc tin cậy / the signing certificate "
            f"could not be validated against the configured trust roots ({e}).",
        ) from e
    except Exception as e:  # noqa: BLE001 - e.g. InvalidCertificateError (key usage)
        raise SigningError(
            "CERT_UNSUITABLE",
            f"Chứng thư số không dùng để ký được / the signing certificate is not usable ({e}).",
        ) from e
