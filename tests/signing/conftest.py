"""Shared fixtures for the signing tests: one test PKI, its CRL + TSA servers, a signer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.keys import load_certificates, load_pkcs12_signer
from signing.testpki import TestPki, ensure_test_pki
from signing.testservers import TestServers, serve_test_pki


def make_pdf(pages: int = 1, *, text: str = "Giấy chứng nhận") -> bytes:
    """A small A4 PDF with some page content (pikepdf, Helvetica)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for index in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        ascii_text = text.encode("ascii", "replace").decode()
        content = f"BT /F1 14 Tf 72 700 Td ({ascii_text} - page {index + 1}) Tj ET".encode()
        page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return ensure_test_pki(
        tmp_path_factory.mktemp("pki"), agency_name="UBND Phường Đông Hà", agency_code="H56"
    )


@pytest.fixture(scope="session")
def servers(pki: TestPki) -> Iterator[TestServers]:
    with serve_test_pki(pki) as running:
        yield running


@pytest.fixture(scope="session")
def signer(pki: TestPki) -> Signer:
    return load_pkcs12_signer(pki.p12, pki.passphrase)


@pytest.fixture(scope="session")
def timestamper(servers: TestServers) -> HTTPTimeStamper:
    return HTTPTimeStamper(servers.tsa_url)


@pytest.fixture()
def validation_context(pki: TestPki, servers: TestServers) -> ValidationContext:
    """Trust the test root, fetch the CRL from the local server (for B-LT embedding)."""
    return ValidationContext(trust_roots=load_certificates([pki.root_cert]), allow_fetching=True)


@pytest.fixture(scope="session")
def one_page_pdf() -> bytes:
    return make_pdf(1)


@pytest.fixture(scope="session")
def roots(pki: TestPki) -> list[Path]:
    return [pki.root_cert]
