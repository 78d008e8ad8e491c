"""One exception family for signing/: a stable ``code`` and a clerk-facing ``message``."""

from __future__ import annotations

KNOWN_CODES: frozenset[str] = frozenset(
    {
        "KEY_NOT_FOUND",  # PKCS#12 file, token or key label not found
        "BAD_PASSPHRASE",  # PKCS#12 passphrase wrong or file damaged
        "BAD_PIN",  # PKCS#11 PIN refused by the token
        "TOKEN_ERROR",  # other PKCS#11 failure (module, session, locked PIN)
        "CERT_EXPIRED",  # signer certificate outside its validity period
        "CERT_REVOKED",  # signer certificate revoked by its CA
        "CERT_UNTRUSTED",  # signer certificate does not chain to a trust root
        "CERT_UNSUITABLE",  # key usage / algorithm not acceptable for signing
        "TSA_UNREACHABLE",  # timestamp authority did not answer
        "TSA_REFUSED",  # timestamp authority answered with an error
        "REVOCATION_UNAVAILABLE",  # B-LT/B-LTA requested but no CRL/OCSP obtainable
        "BAD_LEVEL",  # unknown PAdES level or missing collaborator for it
        "BAD_PDF",  # input is not a PDF pyHanko can update
        "SIGNING_FAILED",  # anything else while signing
        "FONT_NOT_FOUND",  # stamp font missing
    }
)


class SigningError(Exception):
    """A signing or key-loading failure with a stable code and a clerk-facing message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
