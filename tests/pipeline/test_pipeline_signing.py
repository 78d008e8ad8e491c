"""The pipeline signs at the configured level with the configured key, and the re-timestamping
step extends stored B-LTA copies (real S3 server, local TSA and CRL over HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.archive import due_for_retimestamp, extend_stored_copy
from pipeline.process import BatchContext, digitize_file
from pipeline.services import Services, open_services
from pipeline.settings import Settings
from signing.testpki import TestPki, ensure_test_pki
from signing.testservers import TestServers, serve_test_pki
from signing.validate import validate_pdf
from storage.seaweed import S3Endpoint

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# The born-digital sample keeps its text layer (no OCR), which keeps these signing tests fast.
BORN_DIGITAL = SAMPLES / next(
    e["file"] for e in json.loads((SAMPLES / "manifest.json").read_text("utf-8"))["files"]
    if "born-digital" in e["exercises"])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return ensure_test_pki(tmp_path_factory.mktemp("agency-pki"), agency_name="Sở Xây dựng")


@pytest.fixture(scope="module")
def servers(pki: TestPki) -> Iterator[TestServers]:
    with serve_test_pki(pki) as running:
        yield running


def _settings(tmp: Path, s3: S3Endpoint, **kw: object) -> Settings:
    values: dict[str, object] = dict(
        data_dir=tmp, s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key, bucket_originals="lvl-originals",
        bucket_signed="lvl-signed", bucket_records="lvl-records", agency_name="Sở Xây dựng")
    return Settings(**{**values, **kw})  # type: ignore[arg-type]


def _digitize(services: Services) -> str:
    outcome = digitize_file(BORN_DIGITAL, services=services,
                            batch=BatchContext("t", "000.17.22.H56", None))
    assert outcome.status in ("stored", "needs_review"), outcome
    assert outcome.record_id
    return outcome.record_id


def test_b_lta_with_agency_p12_then_retimestamp(tmp_path: Path, s3_server: S3Endpoint,
                                                pki: TestPki, servers: TestServers) -> None:
    settings = _settings(tmp_path, s3_server, signing_p12_path=pki.p12,
                         signing_p12_passphrase=pki.passphrase.decode(),
                         trust_roots=(pki.root_cert,), tsa_url=servers.tsa_url,
                         signing_level="B-LTA")
    assert settings.effective_signing_level == "B-LTA"
    with open_services(settings) as services:
        assert services.signing.test_pki_dir is None  # the configured key, not the test PKI
        doc_id = _digitize(services)
        row = services.index.get(doc_id)
        assert row is not None and row.signature_level == "B-LTA"
        signed = services.store.get(row.signed_bucket, row.signed_key)
        report = validate_pdf(signed, trust_roots=[pki.root_cert])
        assert report.ok, report.render("en")
        assert report.signatures[0].pades_level == "B-LTA"
        assert report.signatures[0].revocation == "good"

        assert [r.id for r in due_for_retimestamp(services.index, min_age=timedelta(0))] \
            == [doc_id]
        extended_row = extend_stored_copy(services.index, services.store, doc_id,
                                          timestamper=services.signing.timestamper,
                                          validation_context=services.signing.validation_context)
        assert extended_row.signed_sha256 != row.signed_sha256
        extended = services.store.get(extended_row.signed_bucket, extended_row.signed_key)
        assert extended.startswith(signed)  # incremental update: the signed bytes are kept
        again = validate_pdf(extended, trust_roots=[pki.root_cert])
        assert again.ok, again.render("en")
        timestamps = [s for s in again.signatures if s.kind == "document-timestamp"]
        assert len(timestamps) >= 2
        assert services.store.get(row.signed_bucket, row.signed_key) == signed  # old kept
        assert [e.field for e in services.index.review_history(doc_id)] == ["signed_copy"]


def test_b_t_with_test_pki_when_no_key_is_configured(tmp_path: Path, s3_server: S3Endpoint,
                                                      pki: TestPki, servers: TestServers) -> None:
    settings = _settings(tmp_path, s3_server, tsa_url=servers.tsa_url, signing_level="B-T",
                         bucket_signed="lvl-signed-bt")
    with open_services(settings) as services:
        assert services.signing.test_pki_dir == tmp_path / "test-pki"
        doc_id = _digitize(services)
        row = services.index.get(doc_id)
        assert row is not None
        signed = services.store.get(row.signed_bucket, row.signed_key)
    # the signer chains to the data-dir test root, the timestamp to the TSA's (module) root
    report = validate_pdf(signed, trust_roots=[tmp_path / "test-pki" / "root.crt.pem",
                                               pki.root_cert])
    assert report.ok, report.render("en")
    assert report.signatures[0].pades_level == "B-T"
    assert report.signatures[0].timestamp is not None
