"""Index benchmark: N synthetic records (default 1,000,000) into SQLite and PostgreSQL through the
real schema (Alembic migrations), then owner look-up, number + agency look-up and full-text search
through the same code the CLI uses. Prints one table.

    flock /tmp/sohoa-heavy.lock .venv/bin/python bench/index.py              # both backends
    .venv/bin/python bench/index.py --rows 100000 --backends sqlite          # quicker

PostgreSQL: a throwaway server from Debian's binaries (tests/support/postgres.py), unless
--postgres-url names one. Records come from `synthetic_records` (seeded, reproducible): about
three documents per owner, 15 document types, 300 agencies, 40 words of Vietnamese text each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.search import fold, indexed_text, search_documents  # noqa: E402
from storage import fulltext  # noqa: E402
from storage.index import DocumentIndex, SearchText  # noqa: E402

TYPES = ["QUYẾT ĐỊNH", "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "GIẤY PHÉP XÂY DỰNG",
         "THÔNG BÁO", "GIẤY XÁC NHẬN", "TRÍCH LỤC KHAI SINH", "BIÊN BẢN", "CÔNG VĂN",
         "KẾ HOẠCH", "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "GIẤY PHÉP KINH DOANH",
         "QUYẾT ĐỊNH GIAO ĐẤT", "GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "TỜ TRÌNH", "BÁO CÁO"]
ABBR = ["QĐ", "GCN", "GP", "TB", "GXN", "TLKS", "BB", "CV", "KH", "GCN", "GP", "QĐ", "GCN",
        "TTr", "BC"]
PLACES = ["Quảng Trị", "Hà Nội", "Thanh Hóa", "Nghệ An", "Đà Nẵng", "Huế", "Cần Thơ",
          "Hải Phòng", "Đồng Tháp", "Lâm Đồng", "Quảng Nam", "Bình Định", "Khánh Hòa"]
_VOCABULARY = ("về việc cấp giấy phép xây dựng nhà ở riêng lẻ cho hộ gia đình ông bà tại thửa đất "
               "số tờ bản đồ xã phường thị trấn huyện tỉnh thành phố ủy ban nhân dân sở tư pháp "
               "kế hoạch đầu tư tài nguyên môi trường đăng ký kinh doanh ngành nghề vốn điều lệ "
               "chứng nhận quyền sử dụng quyết định giao cho thuê chuyển mục đích căn cứ luật "
               "nghị thông điều khoản thi hành kể từ ngày ký chánh văn phòng giám đốc chủ tịch "
               "phó nơi nhận lưu thư khai sinh họ tên giới tính dân tộc quốc cha mẹ")
WORDS = _VOCABULARY.split()
OWNER_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung",
               "Hoàng Văn Em", "Đoàn Thị Phương", "Vũ Minh Giang", "Đặng Thu Hà"]


def synthetic_records(n: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Records shaped like the index rows the pipeline writes (ids, owners, text)."""
    rng = random.Random(seed)
    agencies = [f"UBND {kind} {place.upper()}" for place in PLACES
                for kind in ("TỈNH", "HUYỆN", "XÃ")] * 8
    agencies = [f"{a} {i}" if i else a for i, a in enumerate(agencies[:300])]
    owners = max(1, n // 3)
    start = date(2005, 1, 1)
    for i in range(n):
        t = rng.randrange(len(TYPES))
        owner = f"0{rng.randrange(1, 97):02d}{rng.randrange(4)}{rng.randrange(100):02d}" \
                f"{rng.randrange(owners) % 1_000_000:06d}"
        agency = rng.choice(agencies)
        issued = start + timedelta(days=rng.randrange(7300))
        place = rng.choice(PLACES)
        words = " ".join(rng.choice(WORDS) for _ in range(34))
        text = f"{TYPES[t]} {agency} {place} {rng.choice(OWNER_NAMES)} {words}"
        if rng.random() < 0.1:  # some typed without accents
            text = fold(text)
        yield {"i": i, "id": f"{i:016x}", "owner_id": owner, "doc_type": TYPES[t],
               "number_symbol": f"{rng.randrange(1, 3000)}/{ABBR[t]}-UBND",
               "issuing_agency": agency, "issue_date": issued, "text": text,
               "valid_until": None if rng.random() < 0.5 else issued + timedelta(days=3650)}


def load(index: DocumentIndex, n: int, *, batch: int = 5000) -> float:
    """Batched inserts (documents, owner party, search text) with every index in place; returns
    rows per second."""
    now = datetime.now(UTC)
    docs: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    texts: list[tuple[str, SearchText]] = []
    started = time.perf_counter()

    def flush() -> None:
        with index.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO documents (id, original_sha256, original_name, original_size, status,"
                " doc_type, number_symbol, issue_date, issuing_agency, owner_id, valid_until, "
                "permanent, page_count, fields, review_reasons, created_at, updated_at, version,"
                " result_code) VALUES (:id, :sha, :name, 1000, 'stored', :doc_type, "
                ":number_symbol, :issue_date, :issuing_agency, :owner_id, :valid_until, false, "
                "1, '{}', '[]', :now, :now, 1, :code)"), docs)
            conn.execute(sa.text(
                "INSERT INTO document_parties (document_id, role, id_value, id_kind) "
                "VALUES (:id, 'owner', :owner_id, 'cccd')"), parties)
            fulltext.write_many(conn, texts)
        docs.clear()
        parties.clear()
        texts.clear()

    for record in synthetic_records(n):
        docs.append({**{k: record[k] for k in ("id", "doc_type", "number_symbol", "issue_date",
                                               "issuing_agency", "owner_id", "valid_until")},
                     "sha": f"{record['i']:064x}", "name": f"/scans/{record['i']}.pdf",
                     "now": now, "code": f"KQ.BENCH.{record['i']:08d}"})
        parties.append({"id": record["id"], "owner_id": record["owner_id"]})
        texts.append((record["id"], indexed_text({}, [record["text"]])))
        if len(docs) >= batch:
            flush()
    if docs:
        flush()
    return n / (time.perf_counter() - started)


def timed(queries: list[Callable[[], object]]) -> tuple[float, float, float]:
    """p50 and p99 in ms, and queries per second, one query after another."""
    for query in queries[:20]:  # warm the caches
        query()
    latencies = []
    started = time.perf_counter()
    for query in queries:
        t = time.perf_counter()
        query()
        latencies.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, len(latencies) / total


def size_bytes(index: DocumentIndex) -> int:
    if index.dialect == "sqlite":
        path = Path(index.url.removeprefix("sqlite:///"))
        with index.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with index.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"))
            .scalar() or 0)


def bench(name: str, url: str, n: int, samples: int) -> list[list[str]]:
    index = DocumentIndex(url)
    rate = load(index, n)
    with index.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    rng = random.Random(11)
    picks = [r for r in synthetic_records(n) if rng.random() < samples * 3 / n][:samples]
    owner = [(lambda o=r["owner_id"]: index.find(owner_id=o, status=["stored", "approved"]))
             for r in picks]
    number = [(lambda r=r: index.find_by_number(r["number_symbol"], r["issuing_agency"]))
              for r in picks]
    words = ["quang tri", "Quảng Trị giấy phép", "hộ kinh doanh", "khai sinh Đoàn Thị Phương",
             "chuyen muc dich", "Hải Phòng", "Nguyễn Văn An quyết định", "tờ bản đồ thửa đất"]
    phrases = [words[i % len(words)] for i in range(max(50, samples // 10))]
    text = [(lambda q=q: search_documents(index, q, limit=20)) for q in phrases]
    size = size_bytes(index)
    rows = [[name, f"{n:,}", f"{rate:,.0f}/s", "", "", "", f"{size / n * 1e6 / 2**30:.2f} GiB"]]
    kinds: list[tuple[str, list[Callable[[], object]]]] = [
        ("owner look-up", list(owner)), ("number + agency", list(number)),
        ("full-text", list(text))]
    for label, queries in kinds:
        p50, p99, qps = timed(queries)
        rows.append(["", "", "", label, f"{p50:.2f} / {p99:.2f}", f"{qps:,.0f}", ""])
    index.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000, help="look-ups per kind")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    table: list[list[str]] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-index-")))
        tmp.chmod(0o755)
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{tmp / 'index.sqlite3'}"
            else:
                url = args.postgres_url
                if url is None:
                    from tests.support.postgres import throwaway_postgres

                    url = stack.enter_context(throwaway_postgres(tmp / "pg"))
            print(f"loading {args.rows:,} records into {backend} …", file=sys.stderr, flush=True)
            table += bench(backend, url, args.rows, args.samples)
    header = ["backend", "rows", "load", "query", "p50 / p99 ms", "q/s", "size per 1M rows"]
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *table]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
