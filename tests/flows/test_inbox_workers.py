"""Scale-out for real: a Prefect server on a free loopback port, the `sohoa` process work pool,
the deployments of prefect.yaml, workers started with `sohoa worker start` (separate
processes), a PostgreSQL index and the SeaweedFS S3 server. A batch submitted to the inbox is
spread over both workers; one worker is killed with SIGKILL mid-batch; the rerun leaves exactly
the expected set, each document once, and no process behind. A worker stopped with SIGTERM
finishes or releases what it holds."""

from __future__ import annotations

import json
import os
import secrets
import signal
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pipeline.batches import batch_status
from storage.index import DocumentIndex
from storage.objects import MinioObjectStore
from storage.seaweed import S3Endpoint
from tests.support.prefect_cluster import (
    PrefectCluster,
    alive,
    descendants,
    wait_for,
)
from tests.support.small_docs import copy_broken, write_small_documents

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DOCUMENTS = 40
TAG = secrets.token_hex(3)
BUCKETS = {f"SOHOA_BUCKET_{name.upper()}": f"wk-{name}-{TAG}"
           for name in ("originals", "signed", "records", "quarantine", "reports", "inbox")}
AGENCY = "000.17.22.H56"


@pytest.fixture(scope="module")
def database(postgres_url: str) -> str:
    name = "workers_" + uuid.uuid4().hex[:8]
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
            database: str) -> Iterator[PrefectCluster]:
    base = tmp_path_factory.mktemp("workers")
    env = {"SOHOA_S3_ENDPOINT": s3_server.endpoint, "SOHOA_S3_ACCESS_KEY": s3_server.access_key,
           "SOHOA_S3_SECRET_KEY": s3_server.secret_key, "SOHOA_DATABASE_URL": database,
           "SOHOA_DATA_DIR": str(base / "data"), "SOHOA_OCR_JOBS": "1",
           "SOHOA_MIN_FREE_MB": "1", "SOHOA_CLAIM_LEASE_S": "6",
           "SOHOA_INBOX_DOCUMENT_TIMEOUT_S": "90", "SOHOA_INBOX_IN_FLIGHT": "4", **BUCKETS}
    running = PrefectCluster(base / "cluster", env)
    left: set[int] = set()
    try:
        running.start()
        # The limits every worker shares (prefect.yaml): OCR slots and the one signing token.
        running.cli("gcl", "create", "sohoa-tesseract", "--limit", "2")
        running.cli("gcl", "create", "sohoa-signing", "--limit", "1")
        yield running
    finally:
        left = running.close()
    assert not left, f"processes left behind: {sorted(left)}"


@pytest.fixture(scope="module")
def store(s3_server: S3Endpoint) -> MinioObjectStore:
    return MinioObjectStore(s3_server.endpoint, access_key=s3_server.access_key,
                            secret_key=s3_server.secret_key)


def _bucket(name: str) -> str:
    return BUCKETS[f"SOHOA_BUCKET_{name.upper()}"]


def _submit(cluster: PrefectCluster, folder: Path, batch: str) -> None:
    done = cluster.sohoa("submit", str(folder), "--agency", AGENCY, "--batch", batch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == batch


def _outcomes(store: MinioObjectStore, batch: str) -> list[dict[str, Any]]:
    keys = store.list_keys(_bucket("reports"), f"inbox-outcomes/{batch}/")
    return [json.loads(store.get(_bucket("reports"), key)) for key in keys]


def _prefect_worker_pid(cluster: PrefectCluster, name: str) -> int:
    """The `prefect worker` process under a `sohoa worker start` supervisor."""
    children = descendants(cluster.workers[name].pid)
    workers = [p for p in children if b"worker\x00start" in Path(f"/proc/{p}/cmdline")
               .read_bytes()]
    assert len(workers) == 1, children
    return workers[0]


def _worker_of_run(cluster: PrefectCluster, run_id: str) -> str:
    pid = int(str(cluster.flow_run(run_id)["infrastructure_pid"]).rsplit(":", 1)[-1])
    for name in cluster.workers:
        if alive(cluster.workers[name].pid) and pid in descendants(cluster.workers[name].pid):
            return name
    raise AssertionError(f"flow run {run_id} (pid {pid}) belongs to no worker")


def _stored_rows(database: str, batch: str) -> list[Any]:
    index = DocumentIndex(database)
    try:
        return [row for row in index.all_rows() if row.batch_id == batch]
    finally:
        index.close()


def test_batch_spread_over_two_workers_survives_a_killed_worker(
        tmp_path: Path, cluster: PrefectCluster, store: MinioObjectStore,
        database: str) -> None:
    folder = tmp_path / "scans"
    write_small_documents(folder, DOCUMENTS, token=TAG)
    copy_broken(folder, ("corrupt.png", "empty.pdf"))
    _submit(cluster, folder, "lot-a")
    cluster.start_worker("w1", limit=3)  # one slot may hold the batch's parent run
    cluster.start_worker("w2", limit=3)
    parent = cluster.run_inbox("lot-a")

    # Mid-batch: both workers have taken documents, and the one not running the batch's
    # parent run is working on one right now. It is killed as a crashed machine would be.
    wait_for(lambda: cluster.state(parent) == "RUNNING", 180, "the batch to start")
    victim = "w2" if _worker_of_run(cluster, parent) == "w1" else "w1"
    victim_worker = _prefect_worker_pid(cluster, victim)

    def busy_and_spread() -> bool:
        outcomes = _outcomes(store, "lot-a")
        workers = {o["worker"] for o in outcomes
                   if o["outcome"]["status"] in ("stored", "needs_review")}
        return (workers >= {"w1", "w2"} and len(outcomes) >= 10
                and bool(descendants(victim_worker)))

    wait_for(busy_and_spread, 600, "both workers to have digitized documents")
    in_flight = descendants(victim_worker)
    os.kill(victim_worker, signal.SIGKILL)
    # Its flow runs finish the document they hold (or are killed after the grace period), then
    # its supervisor exits: nothing of the killed worker lives on.
    wait_for(lambda: not any(alive(p) for p in in_flight), 150, "the killed worker's runs")
    wait_for(lambda: cluster.workers[victim].poll() is not None, 60, "the supervisor to exit")
    assert cluster.workers[victim].returncode == 128 + signal.SIGKILL
    assert cluster.wait_final(parent, 900) == "COMPLETED"
    assert list(store.list_keys(_bucket("reports"), "inbox-reports/lot-a/"))  # its report

    # Rerun with a replacement worker: exactly the expected set, each document once.
    cluster.start_worker("w3")
    rerun = cluster.run_inbox("lot-a")
    assert cluster.wait_final(rerun, 900) == "COMPLETED"

    inbox = _bucket("inbox")
    assert list(store.list_keys(inbox, "inbox/")) == []
    archived = sorted(k.rsplit("/", 1)[1] for k in store.list_keys(inbox, "archive/"))
    assert archived == [f"giay-{n:03d}.png" for n in range(1, DOCUMENTS + 1)]
    quarantined = sorted(store.list_keys(inbox, "quarantine/"))
    assert [k.rsplit("/", 1)[1] for k in quarantined] == [
        "corrupt.png", "corrupt.png.reason.json", "empty.pdf", "empty.pdf.reason.json"]
    reason = json.loads(store.get(inbox, f"quarantine/{AGENCY}/lot-a/empty.pdf.reason.json"))
    assert reason["code"] == "EMPTY_FILE" and reason["batch_id"] == "lot-a"

    rows = _stored_rows(database, "lot-a")
    digitized = [r for r in rows if r.status in ("stored", "needs_review")]
    assert len(digitized) == DOCUMENTS
    assert len({r.original_sha256 for r in digitized}) == DOCUMENTS
    assert len({r.result_code for r in digitized}) == DOCUMENTS  # no number used twice
    assert not [r for r in rows if r.status in ("processing", "failed")]
    for row in digitized:
        assert row.signed_key and store.stat(_bucket("signed"), row.signed_key) is not None
    # Named as dropped in the inbox, not by the worker's working copy.
    assert sorted(r.original_name for r in rows) == sorted(
        ["corrupt.png", "empty.pdf", *(f"giay-{n:03d}.png" for n in range(1, DOCUMENTS + 1))])
    index = DocumentIndex(database)
    try:  # the rerun closed the batch: done, never left "running" or stalled
        status = batch_status(index, "lot-a", stall_after=timedelta(seconds=1)).to_dict()
    finally:
        index.close()
    assert status["state"] == "done"
    assert status["source"] == f"s3://{_bucket('inbox')}/inbox/{AGENCY}/lot-a/"

    done = [o for o in _outcomes(store, "lot-a")
            if o["outcome"]["status"] in ("stored", "needs_review")]
    assert len(done) == DOCUMENTS  # stored once each: a retry is a duplicate, not a redo
    assert {o["worker"] for o in done} >= {"w1", "w2"}  # both workers took some
    report = json.loads(store.get(_bucket("reports"), next(iter(
        store.list_keys(_bucket("reports"), "inbox-reports/lot-a/")))))
    assert report["batch_id"] == "lot-a" and len(report["items"]) >= 1


def test_sigterm_stops_a_worker_cleanly(tmp_path: Path, cluster: PrefectCluster,
                                        store: MinioObjectStore, database: str) -> None:
    for name in list(cluster.workers):
        if cluster.workers[name].poll() is None:
            cluster.workers[name].send_signal(signal.SIGTERM)
            assert cluster.workers[name].wait(timeout=120) == 143
    folder = tmp_path / "scans"
    write_small_documents(folder, 6, token=TAG + "t")
    _submit(cluster, folder, "lot-t")
    supervisor = cluster.start_worker("t1", limit=3, grace_s=60)
    parent = cluster.run_inbox("lot-t")
    prefect_worker = _prefect_worker_pid(cluster, "t1")
    wait_for(lambda: len(descendants(prefect_worker)) >= 2, 300, "documents in flight")
    family = descendants(supervisor)
    os.kill(supervisor, signal.SIGTERM)
    assert cluster.workers["t1"].wait(timeout=150) == 143
    wait_for(lambda: not any(alive(p) for p in family), 30, "the worker's processes to end")

    # What it held was finished or given back: no claim is left "processing".
    assert not [r for r in _stored_rows(database, "lot-t") if r.status == "processing"]
    # The batch's parent run (on the stopped worker) started nothing more and wrote its
    # partial report.
    assert cluster.wait_final(parent, 60) == "COMPLETED"
    report = json.loads(store.get(_bucket("reports"), next(iter(
        store.list_keys(_bucket("reports"), "inbox-reports/lot-t/")))))
    assert report["stopped_by"] == "SIGTERM"
    # Another worker takes the runs left scheduled, and a rerun what is still in the inbox.
    cluster.start_worker("t2", limit=3)
    rerun = cluster.run_inbox("lot-t")
    assert cluster.wait_final(rerun, 600) == "COMPLETED"
    wait_for(lambda: not list(store.list_keys(_bucket("inbox"), "inbox/")), 300,
             "the inbox to be empty")
    digitized = [r for r in _stored_rows(database, "lot-t")
                 if r.status in ("stored", "needs_review")]
    assert len({r.original_sha256 for r in digitized}) == len(digitized) == 6
