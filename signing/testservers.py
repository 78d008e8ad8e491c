"""Test-support HTTP servers on 127.0.0.1: the test CA's CRL and an RFC 3161 timestamp authority.

They exercise the real network client paths (pyHanko's HTTPTimeStamper, CRL fetching) without
leaving the machine. Start them with :func:`serve_test_pki`; the CRL is served on the port baked
into the test certificates' CRL distribution point, the TSA on the same server under ``/tsa``.
Serving the same PKI twice in one process shares one server (reference counted), so the signing
tests and the lead's end-to-end tests can both use it in one pytest session.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import cms, core, keys, tsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.testpki import TestPki

_TSA_CONTENT_TYPE = "application/timestamp-reply"


@dataclass(frozen=True)
class TestServers:
    """URLs of running test servers."""

    __test__ = False

    crl_url: str
    tsa_url: str
    tsa_auth: tuple[str, str] | None
    root_url: str


class _State:
    def __init__(self, pki: TestPki, tsa_auth: tuple[str, str] | None) -> None:
        self.pki = pki
        self.tsa_auth = tsa_auth
        self.requests = 0
        self.stamper = _FastDummyTimeStamper(
            tsa_cert=_load_asn1_cert(pki.tsa_cert.read_bytes()),
            tsa_key=_load_asn1_key(pki.tsa_key.read_bytes()),
        )

    def authorised(self, header: str | None) -> bool:
        if self.tsa_auth is None:
            return True
        expected = base64.b64encode(":".join(self.tsa_auth).encode()).decode()
        return header == f"Basic {expected}"


class _FastDummyTimeStamper(DummyTimeStamper):
    """pyHanko's test TSA, but parsing its RSA key once instead of per request (~40 ms)."""

    def __init__(self, tsa_cert: x509.Certificate, tsa_key: keys.PrivateKeyInfo) -> None:
        super().__init__(tsa_cert=tsa_cert, tsa_key=tsa_key)
        self._pyca_key = serialization.load_der_private_key(tsa_key.dump(), password=None)

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        key = self._pyca_key
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def _load_asn1_cert(pem: bytes) -> x509.Certificate:
    from asn1crypto import pem as asn1_pem

    _, _, der = asn1_pem.unarmor(pem)
    return x509.Certificate.load(der)


def _load_asn1_key(pem: bytes) -> keys.PrivateKeyInfo:
    from asn1crypto import pem as asn1_pem

    _, _, der = asn1_pem.unarmor(pem)
    return keys.PrivateKeyInfo.load(der)


class _Handler(BaseHTTPRequestHandler):
    server: _PkiHttpServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # keep test output clean

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        state = self.server.state
        if self.path == "/crl":
            self._reply(200, state.pki.crl.read_bytes(), "application/pkix-crl")
        elif self.path == "/root.crt":
            self._reply(200, state.pki.root_cert.read_bytes(), "application/x-pem-file")
        else:
            self._reply(404, b"not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        state = self.server.state
        if self.path != "/tsa":
            self._reply(404, b"not found", "text/plain")
            return
        if not state.authorised(self.headers.get("Authorization")):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="tsa"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        request = tsp.TimeStampReq.load(self.rfile.read(length))
        response = state.stamper.request_tsa_response(request)
        state.requests += 1
        self._reply(200, response.dump(), _TSA_CONTENT_TYPE)


class _PkiHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, state: _State) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state


_running: dict[int, tuple[_PkiHttpServer, threading.Thread, int]] = {}
_lock = threading.Lock()


@contextmanager
def serve_test_pki(
    pki: TestPki, *, tsa_auth: tuple[str, str] | None = None
) -> Iterator[TestServers]:
    """Serve the test CRL (GET /crl), root (GET /root.crt) and a TSA (POST /tsa) on 127.0.0.1."""
    port = pki.crl_port
    with _lock:
        if port in _running:
            server, thread, refs = _running[port]
            _running[port] = (server, thread, refs + 1)
        else:
            server = _PkiHttpServer(port, _State(pki, tsa_auth))
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            _running[port] = (server, thread, 1)
    base = f"http://127.0.0.1:{port}"
    auth = server.state.tsa_auth
    try:
        yield TestServers(
            crl_url=f"{base}/crl", tsa_url=f"{base}/tsa", tsa_auth=auth, root_url=f"{base}/root.crt"
        )
    finally:
        _release(port)


@contextmanager
def serve_tsa(
    pki: TestPki, *, auth: tuple[str, str] | None = None, port: int = 0
) -> Iterator[str]:
    """A separate TSA on a 127.0.0.1 port (ephemeral unless given; e.g. with HTTP basic auth);
    yields its URL."""
    server = _PkiHttpServer(port, _State(pki, auth))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _release(port: int) -> None:
    with _lock:
        server, thread, refs = _running[port]
        if refs > 1:
            _running[port] = (server, thread, refs - 1)
            return
        del _running[port]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
