"""Benchmark: the reuse service looking up random owners in a 1,000,000-row index on PostgreSQL.

Loads N synthetic index rows (batched: COPY in batches of 50,000 rows per transaction) into a
throwaway PostgreSQL server (Debian's binaries, as the tests use; or --database-url), starts the
real S3 server and `sohoa serve --workers W`, then runs a bounded load generator on the same
machine: C keep-alive connections for T seconds, each asking `GET /v1/documents` for a random
owner. Printed next to it, on the same index: the same look-up done in-process
(`pipeline.reuse.find_reusable`), and the wall time of the CLI `sohoa lookup`.

The default generator is a minimal asyncio HTTP/1.1 client (one small request line, a read of
Content-Length bytes), so that the generator, sharing the machine's cores, costs the server as
little CPU as possible; `--generator httpx` uses httpx.AsyncClient instead.

    flock /tmp/sohoa-heavy.lock .venv/bin/python bench/api.py            # 1M rows, 30 s
    .venv/bin/python bench/api.py --rows 20000 --seconds 5               # a quick try
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from pipeline.access import create_client  # noqa: E402
from pipeline.reuse import ReusableQuery, find_reusable  # noqa: E402
from storage.index import DocumentIndex, migrate  # noqa: E402
from storage.seaweed import EmbeddedS3, S3Endpoint  # noqa: E402
from tests.support.postgres import free_port, throwaway_postgres  # noqa: E402

DOC_TYPES = ("QUYẾT ĐỊNH", "GIẤY XÁC NHẬN", "GIẤY PHÉP XÂY DỰNG", "TRÍCH LỤC KHAI SINH",
             "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "THÔNG BÁO", "BIÊN BẢN")
AGENCIES = tuple(f"000.{p:02d}.{d:02d}.H{p:02d}" for p in range(1, 11) for d in (1, 2))
STATUSES = ("stored",) * 14 + ("approved",) * 4 + ("needs_review", "quarantined")
COLUMNS = ("id", "original_sha256", "original_name", "original_size", "status", "doc_type",
           "number_symbol", "issue_date", "issuing_agency", "owner_id", "valid_until",
           "permanent", "page_count", "agency_code", "procedure_code", "result_code",
           "digitized_id", "signed_sha256", "signed_bucket", "signed_key", "signature_level",
           "fields", "review_reasons", "created_at", "updated_at")
BUCKET = "bench-signed"


def owner_ids(count: int, rng: random.Random) -> list[str]:
    """Synthetic 12-digit citizen ids (province, gender/century, year, serial): not real."""
    return [f"{rng.choice((1, 38, 79, 45, 60)):03d}{rng.choice((0, 1, 2, 3))}"
            f"{rng.randrange(100):02d}{i:06d}" for i in range(count)]


def synthetic_rows(rows: int, owners: Sequence[str], rng: random.Random) -> Iterator[tuple[object,
                                                                                          ...]]:
    now = datetime.now(UTC)
    for i in range(rows):
        sha = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        signed = uuid.UUID(int=rng.getrandbits(128)).hex * 2
        status = rng.choice(STATUSES)
        issued = date(2010, 1, 1) + timedelta(days=rng.randrange(5800))
        permanent = rng.random() < 0.4
        valid_until = None if permanent else issued + timedelta(days=rng.randrange(365, 7300))
        owner, agency = rng.choice(owners), rng.choice(AGENCIES)
        stored = status != "quarantined"
        yield (sha[:16], sha, f"scan-{i:07d}.pdf", 200_000 + i % 50_000, status,
               rng.choice(DOC_TYPES) if stored else None, f"{i % 999 + 1:02d}/QĐ-UBND",
               issued, "ỦY BAN NHÂN DÂN XÃ THỬ NGHIỆM", owner, valid_until, permanent,
               1 + i % 3, agency, "1.010708", f"KQ.{agency.replace('.', '')}.{i:06d}",
               f"{owner}.KQ.{i:06d}.01", signed if stored else None,
               BUCKET if stored else None, f"{signed[:2]}/{signed}.pdf" if stored else None,
               "B-B" if stored else None, "{}", "[]", now, now)


def party_rows(document: tuple[object, ...], owners: Sequence[str],
               rng: random.Random) -> list[tuple[object, ...]]:
    """The owner's party row (the pipeline writes one per document), and for one document in
    ten a representative with another id, so the look-up also crosses the parties table."""
    doc_id, owner = document[0], document[9]
    parties: list[tuple[object, ...]] = [(doc_id, "owner", owner, "cccd")]
    if rng.random() < 0.1:
        parties.append((doc_id, "representative", rng.choice(owners), "cccd"))
    return parties


def load_rows(database_url: str, rows: int, owners: Sequence[str], *, batch: int = 50_000,
              seed: int = 7) -> float:
    """COPY the synthetic rows and their parties in batches (one transaction each); returns
    the seconds taken, ANALYZE included."""
    started = time.monotonic()
    rng = random.Random(seed)
    generator = synthetic_rows(rows, owners, rng)
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        done = 0
        while done < rows:
            n = min(batch, rows - done)
            documents = [next(generator) for _ in range(n)]
            with conn.cursor() as cur:
                with cur.copy(f"COPY documents ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for document in documents:
                        copy.write_row(document)
                with cur.copy("COPY document_parties (document_id, role, id_value, id_kind) "
                              "FROM STDIN") as copy:
                    for document in documents:
                        for party in party_rows(document, owners, rng):
                            copy.write_row(party)
            conn.commit()
            done += n
            print(f"\r  loaded {done:,} / {rows:,} rows", end="", file=sys.stderr, flush=True)
        conn.execute("ANALYZE documents")
        conn.execute("ANALYZE document_parties")
        conn.commit()
    print(file=sys.stderr)
    return time.monotonic() - started


@dataclass
class Latencies:
    name: str
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    def row(self) -> str:
        n = len(self.seconds) + self.errors
        rate = n / self.wall_s if self.wall_s else float("nan")
        return (f"{self.name:<34}{n:>9,}{rate:>9.0f}{self.percentile(50):>9.2f}"
                f"{self.percentile(99):>9.2f}{self.errors:>8}")


async def _raw_connection(host: str, port: int, key: str, owners: Sequence[str],
                          until: float, result: Latencies, rng: random.Random) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < until:
            owner = rng.choice(owners)
            request = (f"GET /v1/documents?owner_id={owner}&purpose=bench HTTP/1.1\r\n"
                       f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\n\r\n").encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)
            elapsed = time.perf_counter() - started
            if status == 200 and body.startswith(b'{"owner_id"'):
                result.seconds.append(elapsed)
            else:
                result.errors += 1
    finally:
        writer.close()


async def _httpx_connection(client: httpx.AsyncClient, owners: Sequence[str], until: float,
                            result: Latencies, rng: random.Random) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await client.get("/v1/documents", params={"owner_id": rng.choice(owners),
                                                             "purpose": "bench"})
        elapsed = time.perf_counter() - started
        if response.status_code == 200:
            result.seconds.append(elapsed)
        else:
            result.errors += 1


async def generate_load(base_url: str, key: str, owners: Sequence[str], *, connections: int,
                        seconds: float, generator: str) -> Latencies:
    result = Latencies(f"HTTP GET /v1/documents ({generator})")
    rng = random.Random(11)
    url = urlsplit(base_url)
    started = time.monotonic()
    until = started + seconds
    if generator == "raw":
        await asyncio.gather(*(_raw_connection(url.hostname or "127.0.0.1", url.port or 80, key,
                                               owners, until, result, rng)
                               for _ in range(connections)))
    else:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30,
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            await asyncio.gather(*(_httpx_connection(client, owners, until, result, rng)
                                   for _ in range(connections)))
    result.wall_s = time.monotonic() - started
    return result


def _lookup(engine: sa.Engine, owner: str, today: date) -> int:
    """What one HTTP look-up does in the index: a session in autocommit on the pool (as the
    API's), the query."""
    with Session(engine) as session:
        return len(find_reusable(session, ReusableQuery(owner_id=owner, valid_on=today)).items)


def in_process(database_url: str, owners: Sequence[str], *, lookups: int) -> Latencies:
    result = Latencies("in-process find_reusable")
    rng = random.Random(13)
    index = DocumentIndex(database_url, migrate_schema=False)
    engine = index.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        today = date.today()
        for owner in rng.sample(list(owners), min(50, len(owners))):  # warm the pool and cache
            _lookup(engine, owner, today)
        started = time.monotonic()
        for _ in range(lookups):
            t0 = time.perf_counter()
            _lookup(engine, rng.choice(owners), today)
            result.seconds.append(time.perf_counter() - t0)
        result.wall_s = time.monotonic() - started
    finally:
        index.close()
    return result


def cli_lookup(env: dict[str, str], owners: Sequence[str], *, runs: int) -> Latencies:
    result = Latencies("CLI sohoa lookup --json (wall)")
    rng = random.Random(17)
    started = time.monotonic()
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "sohoa.cli", "lookup", "--owner-id",
                               rng.choice(owners), "--json"], env=env, cwd=ROOT,
                              capture_output=True, timeout=120)
        if done.returncode == 0 and done.stdout.lstrip().startswith(b"["):
            result.seconds.append(time.perf_counter() - t0)
        else:
            result.errors += 1
    result.wall_s = time.monotonic() - started
    return result


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sohoa.cli", "serve", "--port", str(port), "--workers",
             str(workers), "--no-access-log"], env=env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"sohoa serve exited:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        time.sleep(1.0)  # every worker up
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _env(tmp: Path, database_url: str, s3: S3Endpoint) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_DATA_DIR=str(tmp / "data"), SOHOA_DATABASE_URL=database_url,
               SOHOA_S3_ENDPOINT=s3.endpoint, SOHOA_S3_ACCESS_KEY=s3.access_key,
               SOHOA_S3_SECRET_KEY=s3.secret_key, SOHOA_BUCKET_SIGNED=BUCKET,
               SOHOA_BUCKET_ORIGINALS="bench-originals", SOHOA_BUCKET_RECORDS="bench-records",
               SOHOA_API_RATE_LIMIT_PER_MINUTE="100000000", DO_NOT_TRACK="1")
    return env


def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    owners = owner_ids(max(1, args.rows // args.docs_per_owner), rng)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sohoa-bench-api-")))
        tmp.chmod(0o755)
        database_url = args.database_url or stack.enter_context(throwaway_postgres(tmp / "pg"))
        s3 = stack.enter_context(EmbeddedS3(tmp / "s3"))
        migrate(database_url)
        load_s = load_rows(database_url, args.rows, owners, seed=args.seed)
        index = DocumentIndex(database_url, migrate_schema=False)
        key = create_client(index, "bench", scopes=["documents:read"]).key
        index.close()
        env = _env(tmp, database_url, s3)
        with serving(env, args.workers, tmp / "serve.log") as base_url:
            asyncio.run(generate_load(base_url, key, owners, connections=args.connections,
                                      seconds=2, generator=args.generator))  # warm-up
            http = asyncio.run(generate_load(base_url, key, owners,
                                             connections=args.connections,
                                             seconds=args.seconds, generator=args.generator))
        local = in_process(database_url, owners, lookups=args.lookups)
        cli = cli_lookup(env, owners, runs=args.cli_runs)
    print(f"API benchmark: {args.rows:,} index rows on PostgreSQL "
          f"({len(owners):,} owners, loaded in {load_s:.0f} s), {os.cpu_count()} cores, "
          f"sohoa serve --workers {args.workers}, {args.connections} connections for "
          f"{args.seconds:.0f} s")
    print(f"{'what':<34}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    print("-" * 78)
    for result in (http, local, cli):
        print(result.row())
    if args.json:
        Path(args.json).write_text(json.dumps({r.name: {
            "requests": len(r.seconds) + r.errors, "errors": r.errors, "wall_s": r.wall_s,
            "p50_ms": r.percentile(50), "p99_ms": r.percentile(99)}
            for r in (http, local, cli)}, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--docs-per-owner", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--generator", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--database-url", help="an existing PostgreSQL database (emptied? no: "
                                               "rows are added) instead of a throwaway server")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
