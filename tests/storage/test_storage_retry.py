"""Retries with backoff: transient faults are ridden out, permanent ones are raised at once.

The backoff arithmetic is pure logic; the rest runs against a real SeaweedFS server that is
stopped and started again, and a real PostgreSQL server restarted mid-work."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from storage.errors import ObjectMissingError, ObjectStoreUnavailable
from storage.index import DocumentIndex, DocumentRow
from storage.objects import MinioObjectStore
from storage.retry import Backoff, call_with_retries, retried_seconds
from tests.support.faults import restartable_postgres, restartable_s3


class _Flaky(Exception):
    pass


def test_the_default_budget_rides_out_a_20_second_outage() -> None:
    delays = Backoff().delays()
    assert sum(delays) == pytest.approx(60.0)
    # Even with -20 % jitter the pauses outlast 20 s of outage plus one more (+20 %) pause.
    assert sum(delays) * 0.8 > 20.0 + max(delays) * 1.2
    assert max(delays) <= 8.0  # the service is tried again at least every 8 s (+20 %)
    assert Backoff(budget_s=0).delays() == []


def test_transient_failures_are_retried_and_permanent_ones_are_not() -> None:
    calls: list[int] = []
    slept: list[float] = []

    def twice_then_ok() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _Flaky("connection refused")
        return "ok"

    assert call_with_retries(twice_then_ok, backoff=Backoff(budget_s=10), what="t",
                             transient=lambda e: isinstance(e, _Flaky), sleep=slept.append) == "ok"
    assert len(calls) == 3 and len(slept) == 2

    calls.clear()

    def corrupt() -> str:
        calls.append(1)
        raise ValueError("corrupt input")

    with pytest.raises(ValueError):
        call_with_retries(corrupt, backoff=Backoff(budget_s=10), what="t",
                          transient=lambda e: isinstance(e, _Flaky), sleep=slept.append)
    assert len(calls) == 1  # a permanent fault is never retried



def _store(endpoint: object, budget_s: float) -> MinioObjectStore:
    return MinioObjectStore(endpoint.endpoint, access_key=endpoint.access_key,  # type: ignore[attr-defined]
                            secret_key=endpoint.secret_key,  # type: ignore[attr-defined]
                            backoff=Backoff(budget_s=budget_s))


@pytest.mark.integration
def test_s3_calls_wait_for_a_restarting_server(tmp_path: Path) -> None:
    with restartable_s3(tmp_path / "s3") as s3:
        store = _store(s3.endpoint, budget_s=30)
        store.ensure_bucket("retry", versioning=True)
        store.put("retry", "before", b"1", content_type="text/plain")
        with pytest.raises(ObjectMissingError):  # permanent: answered at once
            started = time.monotonic()
            store.get("retry", "nothing-here")
        assert time.monotonic() - started < 2

        back = s3.outage(4.0)
        started = time.monotonic()
        store.put("retry", "during", b"2", content_type="text/plain")  # waits, then succeeds
        waited = time.monotonic() - started
        back.join()
        assert waited >= 3.0, waited
        assert store.get("retry", "during") == b"2" and store.get("retry", "before") == b"1"

        s3.stop()  # and it does not come back: the budget is spent, the cause named
        impatient = _store(s3.endpoint, budget_s=2)
        started = time.monotonic()
        with pytest.raises(ObjectStoreUnavailable) as gone:
            impatient.reachable("retry")
        assert 1.5 <= time.monotonic() - started < 15
        assert retried_seconds(gone.value) >= 1.5
        s3.start()


@pytest.mark.integration
def test_index_transactions_survive_a_postgresql_restart(session_tmp: Path) -> None:
    # under the session folder: the postgres user must reach its data folder
    with restartable_postgres(session_tmp / "pg-restart") as pg:
        index = DocumentIndex(pg.url, backoff=Backoff(budget_s=30))
        errors: list[BaseException] = []
        written: list[str] = []

        def write_rows() -> None:
            try:
                for n in range(60):
                    sha = f"{n:064x}"
                    index.add(DocumentRow(id=f"doc{n:04d}", original_sha256=sha,
                                          original_name=f"{n}.png", status="stored"))
                    written.append(sha)
                    time.sleep(0.05)
            except BaseException as e:  # noqa: BLE001 - reported by the assertion below
                errors.append(e)

        writer = threading.Thread(target=write_rows)
        writer.start()
        time.sleep(0.5)
        pg.restart()  # every connection of the pool is cut
        writer.join(timeout=120)
        assert not errors, errors
        assert len(written) == 60
        assert index.count_by_status() == {"stored": 60}  # each row once
        index.close()
