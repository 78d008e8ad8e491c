"""Benchmark: a 100-page batch end to end, on one core and on two.

Runs the real `sohoa digitize` (its own Prefect server, real Tesseract, the embedded SeaweedFS
S3 server, a SQLite index, B-B signatures with the test PKI) on the same pages twice, each time
into a fresh data folder: 1 worker pinned to one core (`taskset -c 0`, documents_in_parallel=1),
then 2 workers on two cores (`taskset -c 0,1`, documents_in_parallel=2). Tesseract runs with
OMP_THREAD_LIMIT=1 and SOHOA_OCR_JOBS=1, so a worker is one document at a time on one core.
The pages are PNG scans from the samples generator (`samples.generate.build_set`, clean).

Prints one table: pages per minute, scaling from 1 to 2 cores, the batch's wall time against
the sum of its OCR stage time (the stage-duration histograms sohoa's metrics recorded; the rest
is orchestration, extraction, signing, storage and indexing), and peak memory: the digitizing
process with its Tesseract children (sampled every 0.2 s), and the services beside it (Prefect
server, SeaweedFS). The peer: plain Tesseract on the same pages, one process on one core, then
one on each of two cores: how far this machine's two cores scale the OCR alone.

    flock /tmp/sohoa-heavy.lock .venv/bin/python bench/batch.py [--pages 100]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from pipeline import metrics  # noqa: E402
from pipeline.metrics import STAGES  # noqa: E402
from samples.generate import build_set  # noqa: E402

TARGET_OVERHEAD, TARGET_SCALING, TARGET_RSS_MB = 0.10, 1.8, 1024


@dataclass
class Memory:
    """Peak resident memory, sampled: the digitizing process (+ its Tesseract children) and
    the services it started (Prefect server, SeaweedFS)."""

    worker_mb: float = 0.0
    services_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def watch(self, pid: int) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        thread.start()
        return thread

    def _run(self, pid: int) -> None:
        while not self._stop.wait(0.2):
            worker, services = 0, 0
            for child in _descendants(pid):
                rss, cmd = _rss_kb(child), _cmdline(child)
                if "weed" in cmd or "prefect" in cmd or "uvicorn" in cmd:
                    services += rss
                else:
                    worker += rss  # tesseract, pdf tools
            worker += _rss_kb(pid)
            self.worker_mb = max(self.worker_mb, worker / 1024)
            self.services_mb = max(self.services_mb, services / 1024)

    def stop(self) -> None:
        self._stop.set()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace")
    except OSError:
        return ""


def make_pages(folder: Path, pages: int, seed: int) -> list[Path]:
    """`pages` single-page PNG scans (the generator writes one file per page)."""
    raw = folder / "generated"
    count = pages
    while True:
        build_set(raw, count=count, variants=["clean"], seed=seed, fmt="png")
        found = sorted(raw.glob("*.png"))
        if len(found) >= pages:
            break
        count += pages - len(found)
    inputs = folder / "inputs"
    inputs.mkdir()
    for path in found[:pages]:
        shutil.copy2(path, inputs / path.name)
    return sorted(inputs.glob("*.png"))


@dataclass(frozen=True)
class Run:
    workers: int
    cores: str
    pages: int
    documents: int
    batch_s: float  # the flow's batch: report started → finished
    command_s: float  # the whole command, with the Prefect and S3 servers' start and stop
    stage_s: dict[str, float]
    worker_mb: float
    services_mb: float
    exit_code: int

    @property
    def pages_per_min(self) -> float:
        return 60 * self.pages / self.batch_s

    @property
    def overhead(self) -> float:
        """Share of the workers' wall time not spent in OCR."""
        return 1 - self.stage_s.get("ocr", 0.0) / (self.batch_s * self.workers)


def run_batch(inputs: Path, work: Path, *, workers: int, cores: str) -> Run:
    data = work / f"data-{workers}"
    report = work / f"report-{workers}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_DATA_DIR=str(data), PREFECT_HOME=str(work / f"prefect-{workers}"),
               SOHOA_DOCUMENTS_IN_PARALLEL=str(workers), SOHOA_OCR_JOBS="1",
               OMP_THREAD_LIMIT="1", DO_NOT_TRACK="1", SOHOA_AGENCY_CODE="000.00.00.BENCH")
    command = ["taskset", "-c", cores, sys.executable, "-m", "sohoa.cli", "digitize",
               str(inputs), "--no-progress", "--report", str(report)]
    memory = Memory()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    watcher = memory.watch(process.pid)
    _out, errors = process.communicate(timeout=3600)
    command_s = time.monotonic() - started
    memory.stop()
    watcher.join()
    if not report.exists():
        raise SystemExit(f"the {workers}-worker batch wrote no report (exit "
                         f"{process.returncode}):\n{errors}")
    data_report = json.loads(report.read_text("utf-8"))
    batch_s = (datetime.fromisoformat(data_report["finished_at"])
               - datetime.fromisoformat(data_report["started_at"])).total_seconds()
    return Run(workers, cores, int(data_report["pages"]), len(data_report["items"]), batch_s,
               command_s, stage_sums(data), memory.worker_mb, memory.services_mb,
               process.returncode)


@dataclass(frozen=True)
class PeerRun:
    """Plain `tesseract PAGE - -l vie` over the same pages, one process per core: how far two
    cores of this machine scale the OCR alone (the ceiling for sohoa's scaling)."""

    processes: int
    cores: str
    pages: int
    wall_s: float

    @property
    def pages_per_min(self) -> float:
        return 60 * self.pages / self.wall_s


def run_plain_tesseract(pages: list[Path], *, processes: int) -> PeerRun:
    """`processes` sequential loops of plain Tesseract, loop k pinned to core k, the pages
    dealt out in turn."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    shares = [pages[k::processes] for k in range(processes)]

    def loop(core: int, share: list[Path]) -> None:
        for page in share:
            subprocess.run(["taskset", "-c", str(core), "tesseract", str(page), "-", "-l",
                            "vie"], env=env, check=True, capture_output=True, timeout=600)

    threads = [threading.Thread(target=loop, args=(k, share)) for k, share in enumerate(shares)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return PeerRun(processes, ",".join(str(k) for k in range(processes)), len(pages),
                   time.monotonic() - started)


def stage_sums(data: Path) -> dict[str, float]:
    """Seconds per stage, summed over the batch's documents, from sohoa's own metrics."""
    body, _type = metrics.exposition(metrics.metrics_folder(data))
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for sample in family.samples:
            if sample.name == "sohoa_stage_duration_seconds_sum":
                stage = sample.labels["stage"]
                sums[stage] = sums.get(stage, 0.0) + sample.value
    return sums


def print_table(runs: list[Run], peers: list[PeerRun], *, pages: int, seed: int) -> None:
    one = runs[0]
    print(f"\nbench/batch.py: {pages} single-page PNG scans (samples generator, clean, seed "
          f"{seed}); real Tesseract (OMP_THREAD_LIMIT=1, SOHOA_OCR_JOBS=1), embedded "
          "SeaweedFS, SQLite, B-B test-PKI signatures; workers = documents_in_parallel, "
          "cores pinned with taskset\n")
    print("| workers | cores (taskset) | pages stored | batch wall s | pages/min | scaling "
          "| Σ OCR s | overhead (non-OCR share) | peak RSS digitizing process MB | per worker MB "
          "| services MB (Prefect + S3) | command wall s | exit |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        scaling = r.pages_per_min / one.pages_per_min
        print(f"| {r.workers} | {r.cores} | {r.pages} | {r.batch_s:.1f} | "
              f"{r.pages_per_min:.1f} | {scaling:.2f}× | {r.stage_s.get('ocr', 0):.1f} | "
              f"{100 * r.overhead:.1f} % | {r.worker_mb:.0f} | {r.worker_mb / r.workers:.0f} | "
              f"{r.services_mb:.0f} | {r.command_s:.1f} | {r.exit_code} |")
    print("\nSeconds per stage, summed over the documents (sohoa_stage_duration_seconds):\n")
    print("| workers | " + " | ".join(STAGES) + " | not in a stage |")
    print("|---|" + "---|" * (len(STAGES) + 1))
    for r in runs:
        rest = r.batch_s * r.workers - sum(r.stage_s.values())
        print(f"| {r.workers} | " + " | ".join(f"{r.stage_s.get(s, 0):.1f}" for s in STAGES)
              + f" | {rest:.1f} |")
    print("\nThe peer on the same pages: plain `tesseract PAGE - -l vie`, one process per core "
          "(OMP_THREAD_LIMIT=1), no sohoa:\n")
    print("| processes | cores (taskset) | pages | wall s | pages/min | scaling |")
    print("|---|---|---|---|---|---|")
    for peer in peers:
        print(f"| {peer.processes} | {peer.cores} | {peer.pages} | {peer.wall_s:.1f} | "
              f"{peer.pages_per_min:.1f} | {peer.pages_per_min / peers[0].pages_per_min:.2f}× |")
    last = runs[-1]
    scaling = last.pages_per_min / one.pages_per_min
    peer_scaling = peers[-1].pages_per_min / peers[0].pages_per_min
    worst_rss = max(r.worker_mb / r.workers for r in runs)
    print(f"\nTargets: overhead ≤ {100 * TARGET_OVERHEAD:.0f} % (measured {100 * one.overhead:.1f}"
          f" % on 1 worker, {100 * last.overhead:.1f} % on {last.workers}); scaling ≥ "
          f"{TARGET_SCALING}× (measured {scaling:.2f}×; plain Tesseract "
          f"{peer_scaling:.2f}×); ≤ {TARGET_RSS_MB} MB per worker (measured {worst_rss:.0f} MB).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs two cores")
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-batch-"))
    try:
        pages = make_pages(work, args.pages, args.seed)
        runs = [run_batch(work / "inputs", work, workers=1, cores="0"),
                run_batch(work / "inputs", work, workers=2, cores="0,1")]
        peers = [run_plain_tesseract(pages, processes=1), run_plain_tesseract(pages, processes=2)]
        print_table(runs, peers, pages=args.pages, seed=args.seed)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
