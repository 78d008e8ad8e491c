"""Load the agency's signing key: a PKCS#12 file or a PKCS#11 token / HSM.

Both return a pyHanko :class:`~pyhanko.sign.signers.pdf_cms.Signer`. Errors become
:class:`~signing.errors.SigningError` with codes KEY_NOT_FOUND, BAD_PASSPHRASE, BAD_PIN,
TOKEN_ERROR.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asn1crypto import pem as asn1_pem
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.errors import SigningError


def load_pkcs12_signer(path: Path, passphrase: bytes | None) -> Signer:
    """Signer from a PKCS#12 (.p12/.pfx) file; cached per file version and passphrase."""
    try:
        stat = path.stat()
    except OSError as e:
        raise SigningError(
            "KEY_NOT_FOUND",
            f"Không tìm thấy tệp khóa ký PKCS#12 '{path}' / the PKCS#12 key file was not found: "
            "check the signing key path in the settings.",
        ) from e
    digest = hashlib.sha256(passphrase or b"").hexdigest()
    return _load_pkcs12_cached(str(path), stat.st_mtime_ns, stat.st_size, digest, passphrase)


@functools.lru_cache(maxsize=8)
def _load_pkcs12_cached(
    path: str, mtime_ns: int, size: int, passphrase_digest: str, passphrase: bytes | None
) -> Signer:
    # mtime/size/digest are part of the cache key only: a replaced file or passphrase reloads.
    data = Path(path).read_bytes()
    try:
        loaded = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except ValueError as e:
        raise SigningError(
            "BAD_PASSPHRASE",
            "Mật khẩu tệp khóa PKCS#12 không đúng hoặc tệp bị hỏng / wrong PKCS#12 passphrase or "
            f"damaged file '{path}': check the passphrase in the settings.",
        ) from e
    return CachedKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


class CachedKeySigner(SimpleSigner):
    """SimpleSigner that parses its private key once, not on every signature.

    pyHanko re-loads the DER key (with RSA consistency checks, ~40 ms) for each raw signature,
    twice per PDF signature; for RSA PKCS#1 v1.5 and ECDSA we sign with the key parsed once.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        key = self._pyca_key
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def load_certificates(sources: Sequence[Path | bytes]) -> list[x509.Certificate]:
    """Certificates from PEM or DER files / bytes (a PEM file may hold several)."""
    certs: list[x509.Certificate] = []
    for source in sources:
        data = source.read_bytes() if isinstance(source, Path) else source
        if asn1_pem.detect(data):
            certs.extend(x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, True))
        else:
            certs.append(x509.Certificate.load(data))
    return certs


def load_pkcs11_signer(
    *,
    module: Path,
    token_label: str,
    key_label: str,
    pin: str,
    cert_label: str | None = None,
    ca_chain: Sequence[Path | bytes] = (),
) -> Signer:
    """Signer backed by a key on a PKCS#11 token (USB token, HSM, SoftHSM2).

    The token session stays open as long as the returned signer lives; call
    :func:`close_pkcs11_signer` when done (or let the process end).
    """
    if not module.exists():
        raise SigningError(
            "KEY_NOT_FOUND",
            f"Không tìm thấy thư viện PKCS#11 '{module}' / PKCS#11 module not found: install the "
            "token driver and check the module path in the settings.",
        )
    session_key = (str(module), token_label, hashlib.sha256(pin.encode()).hexdigest())
    with _token_lock:
        session = _token_sessions.get(session_key)
        if session is None:
            session = _open_session(module, token_label, pin)
            _token_sessions[session_key] = session
    chain = load_certificates(ca_chain)
    signer = _serialized_pkcs11_signer_class()(
        session, cert_label=cert_label or key_label, key_label=key_label, ca_chain=chain
    )
    try:
        _ = signer.signing_cert  # pull the certificate now so a wrong label fails here
    except Exception as e:
        raise SigningError(
            "KEY_NOT_FOUND",
            f"Không tìm thấy khóa/chứng thư '{key_label}' trên thiết bị / key or certificate "
            f"'{key_label}' not found on the token: check the key label ({e}).",
        ) from e
    return signer


@functools.cache
def _serialized_pkcs11_signer_class() -> Any:
    """PKCS11Signer whose token operations are serialized: a PKCS#11 session must not be used
    by two threads at once, and the pipeline signs documents from a thread pool."""
    from pyhanko.sign.pkcs11 import PKCS11Signer

    class SerializedPKCS11Signer(PKCS11Signer):
        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            if dry_run:
                return await super().async_sign_raw(data, digest_algorithm, dry_run=True)
            with _token_lock:
                return await super().async_sign_raw(data, digest_algorithm)

    return SerializedPKCS11Signer


_token_lock = threading.RLock()


def close_pkcs11_signer(signer: Signer) -> None:
    """Close the token session behind a signer from :func:`load_pkcs11_signer` (and every other
    signer of this process sharing it)."""
    session = getattr(signer, "pkcs11_session", None)
    if session is None:
        return
    for key, cached in list(_token_sessions.items()):
        if cached is session:
            del _token_sessions[key]
    session.close()


# One logged-in session per (module, token, PIN): PKCS#11 login state is per application, so a
# second C_Login fails with "already logged in" and could not tell a right PIN from a wrong one.
_token_sessions: dict[tuple[str, str, str], Any] = {}


def _open_session(module: Path, token_label: str, pin: str) -> Any:
    import pkcs11.exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    criteria = TokenCriteria(label=token_label)
    try:
        return open_pkcs11_session(str(module), token_criteria=criteria, user_pin=pin)
    except (p11_errors.PinIncorrect, p11_errors.UserAlreadyLoggedIn) as e:
        # "already logged in" here means another PIN than ours succeeded: ours is wrong.
        raise SigningError(
            "BAD_PIN",
            "Mã PIN của thiết bị ký số không đúng / the token PIN is wrong: check the PIN in the "
            "settings (several wrong attempts lock the token).",
        ) from e
    except p11_errors.PinLocked as e:
        raise SigningError(
            "TOKEN_ERROR",
            "Thiết bị ký số đã bị khóa PIN / the token PIN is locked: ask the CA to unlock it.",
        ) from e
    except (p11_errors.PKCS11Error, RuntimeError) as e:
        code = "KEY_NOT_FOUND" if "No token" in str(e) else "TOKEN_ERROR"
        raise SigningError(
            code,
            f"Không mở được thiết bị ký số '{token_label}' / cannot open the PKCS#11 token "
            f"'{token_label}': plug in the token and check the token label ({e}).",
        ) from e
