"""A synthetic, seeded register of two years of dossiers for five agencies, with digitized
results (explicitly linked or to be inferred), component flags and reuse events: enough data for
report screenshots, and the facts each dossier should end up with, to cross-check the loader.

Every id, code and owner number is synthetic.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pipeline.kpi import DossierFacts
from storage.index import DocumentIndex, DocumentRow
from storage.links import ResultLink
from storage.registry import ReuseEvent

VN = timezone(timedelta(hours=7))
# code, level, starting share of digitized results, gain per quarter
AGENCIES = (("000.17.22.H56", "province", 0.62, 0.045),
            ("000.17.31.H56", "district", 0.35, 0.05),
            ("000.17.22.H56.01", "commune", 0.30, 0.06),
            ("000.17.22.H56.02", "commune", 0.45, 0.02),
            ("000.17.22.H56.03", "commune", 0.15, 0.03))
PROCEDURES = ("1.010708", "2.000488", "1.004227")
FIRST_QUARTER = date(2022, 10, 1)
QUARTERS = 8
HEADER = ("dossier_code", "procedure_code", "agency_code", "level", "received_at",
          "resolved_at", "result_kind", "status", "owner_id", "components_digitized")


@dataclass
class DemoData:
    export_csv: str
    documents: list[DocumentRow]
    links: list[ResultLink]
    reuse: list[ReuseEvent]
    expected: list[DossierFacts]

    def load(self, index: DocumentIndex) -> None:
        """Documents, links and reuse events straight into the index (the export goes through
        `sohoa dossiers import`)."""
        with index.session() as s:
            s.add_all(self.documents)
            s.commit()
            s.add_all([*self.links, *self.reuse])
            s.commit()


def _document(rng: random.Random, owner: str, procedure: str, issued: date,
              agency: str) -> DocumentRow:
    sha = hashlib.sha256(f"{owner}-{procedure}-{issued}-{rng.random()}".encode()).hexdigest()
    return DocumentRow(id=sha[:16], original_sha256=sha, original_name=f"{sha[:8]}.pdf",
                       status="stored", owner_id=owner, procedure_code=procedure,
                       issue_date=issued, agency_code=agency, signed_bucket="sohoa-signed",
                       signed_key=f"{sha}.pdf", signed_sha256=sha)


def generate(seed: int = 766, per_quarter: int = 36) -> DemoData:
    rng = random.Random(seed)
    rows: list[list[str]] = []
    documents: list[DocumentRow] = []
    links: list[ResultLink] = []
    reuse: list[ReuseEvent] = []
    expected: list[DossierFacts] = []
    reusable = [_document(rng, f"0790{i:08d}", "9.000001", date(2019, 1, 1), AGENCIES[0][0])
                for i in range(40)]
    documents += reusable
    serial = 0
    for quarter in range(QUARTERS):
        start = date(FIRST_QUARTER.year + (FIRST_QUARTER.month - 1 + 3 * quarter) // 12,
                     (FIRST_QUARTER.month - 1 + 3 * quarter) % 12 + 1, 1)
        for agency, level, share, gain in AGENCIES:
            for _ in range(per_quarter + rng.randint(-8, 8)):
                serial += 1
                code = f"{agency}-{serial:06d}"
                received = datetime.combine(start + timedelta(days=rng.randint(0, 89)),
                                            datetime.min.time(), VN) + timedelta(
                    hours=rng.randint(7, 17))
                late = quarter == QUARTERS - 1 and rng.random() < 0.12
                resolved = None if late else received + timedelta(days=rng.randint(1, 25))
                kind = "paper" if rng.random() < 0.78 else "electronic"
                owner = f"0{rng.randint(10**10, 10**11 - 1)}"
                procedure = rng.choice(PROCEDURES)
                p = min(0.98, share + gain * quarter)
                components = rng.random() < min(0.99, p + 0.1)
                link = None
                if resolved is not None and kind == "paper" and rng.random() < p:
                    doc = _document(rng, owner, procedure, resolved.date(), agency)
                    documents.append(doc)
                    if rng.random() < 0.85:
                        links.append(ResultLink(dossier_code=code, document_id=doc.id,
                                                method="explicit", linked_by="demo"))
                        link = "explicit"
                    else:
                        link = "inferred"
                reused = rng.random() < min(0.9, 0.1 + p * 0.5)
                if reused:
                    reuse.append(ReuseEvent(dossier_code=code, procedure_code=procedure,
                                            document_id=rng.choice(reusable).id,
                                            purpose="demo", client_id="demo"))
                rows.append([code, procedure, agency, level, received.isoformat(),
                             resolved.isoformat() if resolved else "", kind,
                             "resolved" if resolved else "processing", owner,
                             "true" if components else "false"])
                expected.append(DossierFacts(code, procedure, agency, level, received,
                                             resolved, kind, link, components or reused,
                                             reused))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return DemoData(out.getvalue(), documents, links, reuse, expected)
