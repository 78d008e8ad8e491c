"""Evidence sampling: a reproducible random sample of digitized results, re-verified.

The population is sorted before drawing, so the same seed over the same data draws the same
documents on any machine and database. Each document's signature and stored hashes are checked
live (`pipeline.reuse.verify_and_record`, which also keeps the outcome so that a broken copy is no
longer offered for reuse).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from pipeline.kpi import Period
from pipeline.kpi_data import evidence_documents
from pipeline.queries import REUSABLE_STATUSES, TrustSettings, VerifyResult
from pipeline.reuse import verify_and_record
from storage.index import DocumentIndex, DocumentRow
from storage.objects import ObjectStore


def digitized_results(index: DocumentIndex, period: Period | None = None) -> list[str]:
    """The population: every signed, stored result, or those behind a period's 4.1 numerator."""
    if period is not None:
        return evidence_documents(index, start=period.start, end=period.end)
    with index.session() as s:
        return sorted(s.exec(select(DocumentRow.id).where(
            col(DocumentRow.status).in_(REUSABLE_STATUSES),
            col(DocumentRow.signed_key).is_not(None))).all())


def draw_sample(population: Sequence[str], n: int, seed: str) -> list[str]:
    """`n` ids (all of them if fewer), the same for the same seed and population."""
    ordered = sorted(set(population))
    return random.Random(seed).sample(ordered, min(n, len(ordered)))


@dataclass(frozen=True)
class SampleCheck:
    document_id: str
    result: VerifyResult

    @property
    def ok(self) -> bool:
        return self.result.ok

    def problems(self) -> list[str]:
        found = [f"SHA-256 {h.name}: " + ("missing" if h.actual is None else "mismatch")
                 for h in self.result.hashes if not h.ok]
        report = self.result.signature
        if report.document_error:
            found.append(f"signature: {report.document_error}")
        elif not report.signatures:
            found.append("signature: none found")
        found += [f"signature {s.field or '?'}: {s.verdict} ({s.reason})"
                  for s in report.signatures if not s.ok]
        return found


@dataclass(frozen=True)
class AuditSample:
    seed: str
    requested: int
    population: int
    period: str | None
    checks: list[SampleCheck]

    @property
    def failures(self) -> list[SampleCheck]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "requested": self.requested, "population": self.population,
                "period": self.period, "sampled": len(self.checks),
                "failures": len(self.failures),
                "documents": [{"id": c.document_id, "ok": c.ok, "problems": c.problems(),
                               "verification": c.result.to_dict()} for c in self.checks]}


def audit_sample(index: DocumentIndex, store: ObjectStore, *, n: int, seed: str,
                 trust: TrustSettings, period: Period | None = None,
                 on_checked: Callable[[SampleCheck], None] | None = None) -> AuditSample:
    population = digitized_results(index, period)
    checks = []
    for doc_id in draw_sample(population, n, seed):
        check = SampleCheck(doc_id, verify_and_record(index, store, doc_id, trust=trust))
        checks.append(check)
        if on_checked is not None:
            on_checked(check)
    return AuditSample(seed, n, len(population), period.label if period else None, checks)
