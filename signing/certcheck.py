"""Refuse to sign with a certificate that is expired, not yet valid, revoked or untrusted.

Checked before any signing work, with clerk-facing messages. Successful chain checks are cached
for a minute per (certificate, validation context) so a batch does not re-validate every page.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

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
_ok_cache: dict[tuple[bytes, int], float] = {}
_cache_lock = threading.Lock()


def check_signer_certificate(
    signer: Signer, validation_context: ValidationContext | None, *, at: datetime | None = None
) -> None:
    """Raise SigningError (CERT_EXPIRED / CERT_REVOKED / CERT_UNTRUSTED / ...) or return."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("KEY_NOT_FOUND", "The signing key has no certificate.")
    moment = at or datetime.now(UTC)
    _check_validity_period(
        cert.subject.human_friendly, cert.not_valid_before, cert.not_valid_after, moment
    )
    if validation_context is None:
        return
    key = (cert.sha256, id(validation_context))
    with _cache_lock:
        if _ok_cache.get(key, 0.0) > time.monotonic():
            return
    _check_chain(signer, validation_context)
    with _cache_lock:
        _ok_cache[key] = time.monotonic() + _CACHE_TTL_S


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


def _check_chain(signer: Signer, validation_context: ValidationContext) -> None:
    validator = CertificateValidator(
        signer.signing_cert,
        intermediate_certs=list(signer.cert_registry),
        validation_context=validation_context,
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
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
