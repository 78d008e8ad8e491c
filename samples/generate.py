"""Synthetic scans of Vietnamese administrative documents with ground truth.

API: make_specs, render_pages, degrade, ground_truth, build_set, build_bundled, VARIANTS,
DOC_TYPES. CLI:

    python -m samples.generate bundled
    python -m samples.generate set --out DIR --count N --variants clean,skew --seed S [--fmt png]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from samples.bundled import write_bundled
from samples.degrade import VARIANTS, degrade
from samples.doctypes import DOC_TYPES, make_spec, make_specs
from samples.groundtruth import ground_truth, write_truth
from samples.render import render_pages
from samples.specs import DocSpec
from samples.writers import write_pages

__all__ = [
    "DOC_TYPES", "VARIANTS", "DocSpec", "build_bundled", "build_set", "degrade", "ground_truth",
    "make_spec", "make_specs", "render_pages", "write_truth",
]
FORMATS: tuple[str, ...] = ("png", "jpeg", "tiff", "pdf")


def degraded_pages(spec: DocSpec, variant: str, *, seed: int | str) -> list[Image.Image]:
    rng = random.Random(f"{seed}:{spec.name}:{variant}")
    return [degrade(page, variant, rng) for page in render_pages(spec)]


def build_set(out_dir: Path, *, count: int, variants: Sequence[str], seed: int = 0,
              fmt: str = "png") -> list[Path]:
    """Write `count` documents in every variant; returns the ground-truth JSON paths.

    Pages go to `<name>.<ext>` (single page) or `<name>-p1.<ext>`, `-p2` ... for png/jpeg,
    one multi-page file for tiff/pdf; `<name>.json` beside them.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    truths = []
    for spec in make_specs(count, seed):
        for variant in variants:
            name = f"{spec.name}-{variant.replace('+', '_')}"
            files = write_pages(degraded_pages(spec, variant, seed=seed), out_dir, name, fmt)
            truth = ground_truth(spec, file=files[0].name, variant=variant)
            truth["files"] = [f.name for f in files]
            truths.append(write_truth(out_dir / f"{name}.json", truth))
    return truths


def build_bundled(out_dir: Path) -> None:
    """Regenerate the small committed sample set (scans/, truth/, broken/, manifest.json)."""
    write_bundled(out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    bundled = sub.add_parser("bundled", help="regenerate the committed sample set")
    bundled.add_argument("--out", type=Path, default=Path(__file__).parent)
    one = sub.add_parser("set", help="write a benchmark set")
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--count", type=int, default=20)
    one.add_argument("--variants", default="clean", help=f"comma list of {','.join(VARIANTS)}")
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--fmt", choices=FORMATS, default="png")
    args = parser.parse_args(argv)
    if args.cmd == "bundled":
        build_bundled(args.out)
        print(f"bundled samples written to {args.out}")
    else:
        paths = build_set(args.out, count=args.count, variants=args.variants.split(","),
                          seed=args.seed, fmt=args.fmt)
        print(f"{len(paths)} documents written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
