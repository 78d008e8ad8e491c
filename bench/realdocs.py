"""Extraction on the real dev set (`../shared/realdocs/`): right / flagged / wrong-unflagged.

Every document is OCR'd as the digitize pipeline does (`ocr.document.ocr_file`, default
`OcrOptions`), cached by the file's bytes and a hash of the `ocr/` sources (so a change to the
OCR invalidates the cache, and a rerun of extraction alone takes seconds). Extraction runs on the
cached pages and each field is compared with the truth: `../shared/realdocs/TRUTH.json` and the
truth files kept in the project (`bench/realdocs/<owner>__<repo>/<file>.json`).

Per field a value counts as
- right: stored and equal to the truth (or one of its `accept` forms), or null where the truth
  is null;
- flagged: not right, but the document goes to review for that field (a review reason names
  it) or the field's confidence is below the review threshold;
- wrong-unflagged: stored wrong with confidence at or above the threshold and no review
  reason naming it; this must be 0.
Fields listed in a truth's `handwritten` are expected to be flagged: a right value read from
handwriting still counts as right.

    flock /tmp/sohoa-heavy.lock python bench/realdocs.py          # OCR the missing, then score
    python bench/realdocs.py --no-ocr                             # score what is cached
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.types import Word  # noqa: E402
from pipeline.extract import ExtractOptions, PageInput, extract_metadata  # noqa: E402
from pipeline.triage import sniff_kind  # noqa: E402

REALDOCS = ROOT.parent / "shared" / "realdocs"
TRUTH_DIR = ROOT / "bench" / "realdocs"
TODAY = date(2026, 11, 30)
# The fields a processing system relies on, as the truth files name them.
SCORED = ("doc_type", "number_symbol", "issue_date", "issue_place", "issuing_agency",
          "parent_agency", "subject", "authority_prefix", "signer_title", "signer_name",
          "page_count")


def ocr_source_hash() -> str:
    """Hash of the OCR package's sources: cached pages are reused only while it is unchanged."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "ocr").rglob("*.py")):
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def documents(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*") if p.is_file() and p.suffix.lower() in
                  (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"))


def cache_path(cache: Path, doc: Path, source: str) -> Path:
    digest = hashlib.sha256(doc.read_bytes()).hexdigest()[:24]
    return cache / f"{digest}-{source}.json"


def ocr_one(doc: Path, out: Path, jobs: int) -> None:
    from ocr.document import ocr_file
    from ocr.types import OcrOptions
    from pipeline.ocrtext import repair_line

    kind = sniff_kind(doc.read_bytes()[:2048])
    if kind is None:
        raise SystemExit(f"{doc}: not a document kind sohoa digitizes")
    with tempfile.TemporaryDirectory() as tmp:
        options = OcrOptions(jobs=jobs, text_repair=repair_line)
        result = ocr_file(doc, kind=kind, options=options, workdir=Path(tmp))
    pages = [{"text": p.text, "width": p.width, "height": p.height, "confidence": p.confidence,
              "flags": list(p.flags), "source": p.source,
              "words": [[w.text, w.left, w.top, w.width, w.height, w.conf, w.block, w.line]
                        for w in p.words]}
             for p in result.pages]
    out.write_text(json.dumps({"file": doc.name, "pages": pages}, ensure_ascii=False))


def page_inputs(cached: dict[str, Any]) -> list[PageInput]:
    return [PageInput(text=p["text"], words=[Word(*w) for w in p["words"]], width=p["width"],
                      height=p["height"], confidence=p["confidence"],
                      flags=tuple(p.get("flags", ()))) for p in cached["pages"]]


# ---------------------------------------------------------------- truth

def load_truth(realdocs: Path) -> dict[str, dict[str, Any]]:
    """Truth per document key "<owner>__<repo>/<file>": shared TRUTH.json, then project files."""
    truth: dict[str, dict[str, Any]] = {}
    shared = realdocs / "TRUTH.json"
    if shared.exists():
        truth.update({k: v for k, v in json.loads(shared.read_text()).items()
                      if not k.startswith("_")})
    if TRUTH_DIR.exists():
        for f in sorted(TRUTH_DIR.glob("*/*.json")):
            key = f"{f.parent.name}/{f.name.removesuffix('.json')}"
            data = json.loads(f.read_text())
            truth.setdefault(key, data.get("fields", data))
    return truth


def _norm(v: object) -> object:
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, str):
        return " ".join(unicodedata.normalize("NFC", v).split()).casefold()
    return v


def accepted(name: str, value: object, truth: dict[str, Any]) -> bool:
    forms = [truth.get(name), *truth.get("accept", {}).get(name, [])]
    return any(_norm(value) == _norm(f) for f in forms)


@dataclass
class Count:
    right: int = 0
    flagged: int = 0
    wrong: int = 0
    handwritten_flagged: int = 0
    handwritten_n: int = 0


def score(cached: dict[str, dict[str, Any]], truth: dict[str, dict[str, Any]],
          threshold: float, verbose: bool) -> dict[str, Count]:
    options = ExtractOptions(review_threshold=threshold, today=TODAY)
    counts: dict[str, Count] = defaultdict(Count)
    docs_review = 0
    print(f"\nReal dev set: {len(cached)} documents OCR'd, {len(truth)} with truth; "
          f"review threshold {threshold}")
    for key in sorted(cached):
        ex = extract_metadata(page_inputs(cached[key]), options=options)
        docs_review += ex.needs_review
        t = truth.get(key)
        if t is None:
            continue
        flagged_fields = {r.split(":")[0] for r in ex.review_reasons}
        lines = []
        for name in SCORED:
            if name not in t:
                continue
            fv = ex.fields[name]
            hand = name in t.get("handwritten", [])
            c = counts[name]
            c.handwritten_n += hand
            flagged = name in flagged_fields or fv.confidence < threshold
            if accepted(name, fv.value, t):
                c.right += 1
                c.handwritten_flagged += hand and flagged
                mark = "ok"
            elif flagged:
                c.flagged += 1
                c.handwritten_flagged += hand
                mark = "flagged"
            else:
                c.wrong += 1
                mark = "WRONG"
            if verbose or mark == "WRONG":
                lines.append(f"    {mark:8} {name}: {fv.value!r} (conf {fv.confidence:.2f}) "
                             f"want {t.get(name)!r}")
        if lines:
            print(f"  {key}  review={ex.needs_review}")
            print("\n".join(lines))
    print(f"\n{'field':18} {'right':>6} {'flagged':>8} {'wrong-unflagged':>16} "
          f"{'handwritten flagged':>20}")
    total = Count()
    for name in SCORED:
        if name not in counts:
            continue
        c = counts[name]
        hw = f"{c.handwritten_flagged}/{c.handwritten_n}" if c.handwritten_n else "-"
        print(f"{name:18} {c.right:>6} {c.flagged:>8} {c.wrong:>16} {hw:>20}")
        total.right += c.right
        total.flagged += c.flagged
        total.wrong += c.wrong
    print(f"{'ALL':18} {total.right:>6} {total.flagged:>8} {total.wrong:>16}")
    print(f"\nDocuments needing review: {docs_review} of {len(cached)}")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdocs", type=Path, default=REALDOCS)
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "sohoa-bench" / "realdocs")
    parser.add_argument("--no-ocr", action="store_true",
                        help="score only the documents whose OCR is cached for this OCR source")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every field")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    source = ocr_source_hash()
    cached: dict[str, dict[str, Any]] = {}
    docs = documents(args.realdocs)
    t0 = time.time()
    for k, doc in enumerate(docs, 1):
        key = f"{doc.parent.name}/{doc.name}"
        out = cache_path(args.cache, doc, source)
        if not out.exists():
            if args.no_ocr:
                continue
            print(f"# OCR {k}/{len(docs)} {key} ({time.time() - t0:.0f} s)", file=sys.stderr)
            ocr_one(doc, out, args.jobs)
        cached[key] = json.loads(out.read_text())
    print(f"# OCR source {source}; {len(cached)}/{len(docs)} documents cached in {args.cache}",
          file=sys.stderr)
    score(cached, load_truth(args.realdocs), args.threshold, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
