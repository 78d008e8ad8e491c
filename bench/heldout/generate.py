"""Write the held-out set: page images, optional PDF, truth text per page, truth fields.

    python -m bench.heldout --out DIR --docs 24 --seed 8008 [--pdf] [--variants clean,blur]

Layout of DIR: one folder per document and variant, `<doc>-<variant>/`, holding
`page-1.png` ..., `page-1.txt` ... (the lines drawn, reading order), `truth.json` (fields,
parties, per-page facts) and `document.pdf` with `--pdf`; `index.json` lists them all.
By default every document is written clean and in one damaged variant, cycling through
`DAMAGED`; `--variants` writes every listed variant of every document instead.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench.heldout.damage import DAMAGES, ROTATION_KEY
from bench.heldout.docs import BUILDERS, FIELD_NAMES, KINDS, Content, Ctx
from bench.heldout.model import Document, Footer, Header, Look, Subject, Title
from bench.heldout.people import pick_place, vn_date_words, when
from bench.heldout.typeset import FONTS, Sheet, typeset

SEED = 8008  # the seed the reports use; see README.md
DAMAGED: tuple[str, ...] = ("photocopy", "uneven", "photo70", "rot90sparse", "jpeg35", "dpi200",
                            "blur", "skew", "curled")
VARIANTS: tuple[str, ...] = ("clean", *DAMAGED)
FIXED_TIME = time.gmtime(1767225600)  # 2026-01-01: PDFs stay byte-reproducible


def pick_look(rng: random.Random, *, signer_alone: bool) -> Look:
    body = rng.choice((12.5, 13.0, 13.0, 13.5, 14.0))
    return Look(
        family=rng.choice(sorted(FONTS)),
        body_pt=body,
        header_pt=rng.choice((12.0, 12.5, 13.0)),
        margins_mm=(rng.uniform(20, 35), rng.uniform(12, 25), rng.uniform(10, 20),
                    rng.uniform(15, 25)),
        line_gap=rng.uniform(1.15, 1.5),
        left_col=rng.uniform(0.38, 0.46),
        date_italic=rng.random() < 0.8,
        number_beside_date=rng.random() < 0.4,
        title_pt=body + rng.choice((0.0, 1.0, 2.0)),
        signer_alone=signer_alone,
    )


def assemble(doc_id: str, c: Content, x: Ctx, look: Look, rng: random.Random) -> Document:
    from bench.heldout.people import full_name

    blocks = list(c.blocks)
    if not any(isinstance(b, Title) for b in blocks) and c.doc_type != "CÔNG VĂN":
        head: list[Any] = [Title((c.doc_type,))]
        if c.subject:
            head.append(Subject(c.subject))
        blocks = head + blocks
    name = full_name(rng, rng.random() < 0.6)
    header = Header(c.agency.parent, c.agency.lines, f"Số: {c.number}" if c.number else None,
                    f"{c.agency.place}, {vn_date_words(x.issued)}", c.letter_subject,
                    c.copy_mark)
    footer = Footer(c.recipients, c.signer.lines, name,
                    seal_text=c.agency.name if c.seal and rng.random() < 0.35 else None)
    fields: dict[str, Any] = {
        "doc_type": c.doc_type, "type_abbr": c.type_abbr, "number_symbol": c.number,
        "issue_place": c.agency.place, "issue_date": x.issued.isoformat(),
        "issuing_agency": c.agency.name, "parent_agency": c.agency.parent_name,
        "subject": c.subject, "signer_name": name, "signer_title": c.signer.title,
        "authority_prefix": c.signer.prefix,
        "recipients": [r.removeprefix("- ").rstrip(";.") for r in c.recipients],
        "owner_name": None, "owner_id": None, "owner_birth_date": None, "owner_address": None,
        **c.owner, "tax_code": c.tax, "valid_until": c.valid_until,
        "parties": c.parties,
    }
    return Document(doc_id, c.doc_type, c.type_abbr, header, blocks, footer, look, fields)


def make_document(seed: int, index: int, *, signer_alone: bool = False) -> Document:
    """Document `index` of the set with `seed`: its type cycles through the eight kinds."""
    rng = random.Random(f"heldout:{seed}:{index}")
    kind = KINDS[index % len(KINDS)]
    issued = when(rng, date(2025, 7, 1), date(2026, 11, 20))
    x = Ctx(rng, pick_place(rng), issued)
    content = BUILDERS[kind](x)
    look = pick_look(rng, signer_alone=signer_alone)
    return assemble(f"ho{seed}-{index:03d}-{kind}", content, x, look, rng)


@dataclass
class Written:
    folder: Path
    truth: dict[str, Any]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def capture(sheets: list[Sheet], variant: str, g: np.random.Generator
            ) -> list[tuple[Image.Image, int, int]]:
    """(image, dpi, clockwise rotation) per page. `rot90sparse` turns only the signer page
    (a page of its own, text-sparse) and leaves the others clean."""
    out = []
    for sheet in sheets:
        if variant == "rot90sparse" and not sheet.signer:
            image, dpi = DAMAGES["clean"](sheet.image, g)
        else:
            image, dpi = DAMAGES[variant](sheet.image, g)
        out.append((image, dpi, int(image.info.get(ROTATION_KEY, 0))))
    return out


def write_document(out: Path, doc: Document, sheets: list[Sheet], variant: str, seed: int,
                   *, pdf: bool) -> Written:
    folder = out / f"{doc.doc_id}-{variant}"
    folder.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(random.Random(f"damage:{seed}:{doc.doc_id}:{variant}")
                              .randrange(1 << 62))
    pages, images = [], []
    for i, ((image, dpi, turned), sheet) in enumerate(zip(capture(sheets, variant, g), sheets,
                                                          strict=True), 1):
        lines = [nfc(line) for line in sheet.lines]
        image.save(folder / f"page-{i}.png", dpi=(dpi, dpi))
        (folder / f"page-{i}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        pages.append({"image": f"page-{i}.png", "text": f"page-{i}.txt", "lines": lines,
                      "dpi": dpi, "rotation": turned, "signer_page": sheet.signer,
                      "seal": sheet.seal is not None})
        images.append((image, dpi))
    if pdf:
        first, dpi0 = images[0]
        first.save(folder / "document.pdf", "PDF", resolution=dpi0, save_all=True,
                   append_images=[im for im, _ in images[1:]], title=doc.doc_id,
                   creationDate=FIXED_TIME, modDate=FIXED_TIME)
    fields = {k: doc.fields[k] for k in FIELD_NAMES if k != "page_count"}
    fields["page_count"] = len(sheets)
    fields = {k: fields[k] for k in FIELD_NAMES}
    fields["parties"] = doc.fields["parties"]
    truth = {"doc_id": doc.doc_id, "variant": variant, "seed": seed,
             "generator": "bench.heldout", "doc_type": doc.doc_type,
             "type_abbr": doc.type_abbr, "font": doc.look.family, "pages": pages,
             "fields": fields}
    (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return Written(folder, truth)


def plan(docs: int, variants: Sequence[str] | None) -> list[tuple[int, list[str]]]:
    if variants:
        return [(i, list(variants)) for i in range(docs)]
    # Any len(DAMAGED) documents in a row meet every damage (a step coprime with their
    # number; a step of 3 over 9 damages had left six of them out), and kinds, which cycle with
    # the index too, meet every damage: the pairs shift after each full cycle of both.
    n, rounds = len(DAMAGED), len(KINDS)
    step = next(k for k in range(3, 3 + n) if math.gcd(k, n) == 1)
    cycle = math.lcm(n, rounds)
    return [(i, ["clean", DAMAGED[(step * i + i // cycle) % n]]) for i in range(docs)]


def build(out: Path, *, docs: int, seed: int, variants: Sequence[str] | None = None,
          pdf: bool = False) -> list[Written]:
    """Write the set; the same arguments give the same bytes."""
    for v in variants or ():
        if v not in DAMAGES:
            raise ValueError(f"unknown variant {v!r}; expected one of {', '.join(VARIANTS)}")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Written] = []
    for index, names in plan(docs, variants):
        for variant in names:
            doc = make_document(seed, index, signer_alone=variant == "rot90sparse")
            sheets = typeset(doc, random.Random(f"typeset:{seed}:{index}"))
            written.append(write_document(out, doc, sheets, variant, seed, pdf=pdf))
    index_rows = [{"folder": w.folder.name, "doc_id": w.truth["doc_id"],
                   "variant": w.truth["variant"], "doc_type": w.truth["doc_type"],
                   "pages": len(w.truth["pages"])} for w in written]
    (out / "index.json").write_text(
        json.dumps({"generator": "bench.heldout", "seed": seed, "docs": docs,
                    "documents": index_rows}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heldout", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--docs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--variants", default="",
                        help=f"comma list of {','.join(VARIANTS)}; default: clean + one "
                             "damaged variant per document")
    parser.add_argument("--pdf", action="store_true", help="also write document.pdf")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v] or None
    written = build(args.out, docs=args.docs, seed=args.seed, variants=variants, pdf=args.pdf)
    pages = sum(len(w.truth["pages"]) for w in written)
    print(f"{len(written)} documents ({pages} pages) written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
