"""Decision 766/QĐ-TTg digitization indicators (4.1, 4.2, 4.3), points and targets: pure logic.

Input: plain facts per dossier (`DossierFacts`); output: one `IndicatorValue` per indicator and
group. Nothing here reads a database, a clock or the environment, so the same facts always give
the same numbers.

Rules the sources leave open, decided here (README "Auditors"):
- Every indicator counts dossiers by **receipt date**, in Vietnam's local time (UTC+07:00): a
  dossier received at 23:30 on 30 September belongs to Q3 even though it is 16:30 UTC.
- A dossier received in a period and resolved in the next belongs to the period of receipt, never
  to the period of resolution. It enters 4.1 (numerator and denominator) once it is resolved; until
  then it is counted as pending. `as_of` freezes the data: a resolution after it is ignored.
- 4.1's denominator is the *resolved* dossiers whose result is issued on paper; a dossier with an
  electronic result is outside it (nothing to digitize). Its numerator is those with a signed,
  stored digitized result linked to them, explicitly or inferred; inferred ones are also counted
  apart so a report can show them.
- 4.2's denominator is every dossier received, whatever its status. Its numerator: components
  digitized, and, for a resolved dossier with a paper result, the result digitized too.
- 4.3's denominator is every dossier received; its numerator the dossiers with at least one
  component reusing digitized data. One document reused in two dossiers counts for both: the
  indicator counts dossiers, not documents.
- A dossier without a code counts in every denominator, but nothing can be linked to it.
- Points: rate ≥ 80 % earns the full points, below it rate × max ÷ 80 %. No dossier in the
  denominator: no rate, no points, no verdict.
- The target of a group mixing levels is the average of its dossiers' level targets (weighted by
  the indicator's denominator), so a province's total is judged against what its districts and
  communes owe.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from pipeline.errors import SohoaError
from pipeline.i18n import _

VIETNAM_TIME = timezone(timedelta(hours=7))
LEVELS = ("ministry", "province", "district", "commune")
NO_DISTRICTS_FROM = date(2025, 7, 1)
RESULT_PAPER = "paper"
RESULT_ELECTRONIC = "electronic"
LINK_EXPLICIT = "explicit"
LINK_INFERRED = "inferred"
FULL_POINTS_RATE = Fraction(80, 100)

RESULT_DIGITIZATION = "4.1"
DOSSIER_DIGITIZATION = "4.2"
REUSE = "4.3"
INDICATORS = (RESULT_DIGITIZATION, DOSSIER_DIGITIZATION, REUSE)
MAX_POINTS = {RESULT_DIGITIZATION: 6, DOSSIER_DIGITIZATION: 4, REUSE: 2}
GROUP_DIMENSIONS = ("agency", "level", "procedure")

VERDICT_MET = "Đạt"
VERDICT_NOT_MET = "Không đạt"


class KpiError(SohoaError):
    code = "KPI_INPUT"


# --- periods ---------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year: `2024-07`, `2024-Q3`, `2024`. `end` is exclusive."""

    start: date
    end: date
    kind: str  # "month" | "quarter" | "year"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def __str__(self) -> str:
        return self.label

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def previous(self) -> Period:
        return period_containing(self.start - timedelta(days=1), self.kind)

    def trailing(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        periods = [self]
        while len(periods) < count:
            periods.insert(0, periods[0].previous())
        return periods


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_containing(day: date, kind: str) -> Period:
    if kind == "year":
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), kind)
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period(date(day.year, first, 1), _month_start(day.year, first + 3), kind)
    if kind == "month":
        return Period(date(day.year, day.month, 1), _month_start(day.year, day.month + 1), kind)
    raise KpiError(_("unknown period kind {kind}: month, quarter or year").format(kind=kind))


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text.strip())
    if match is None:
        raise KpiError(_("period {text!r} is not understood: write 2024, 2024-Q3 or 2024-07")
                       .format(text=text))
    year, part = int(match.group(1)), (match.group(2) or "").upper()
    if not part:
        return period_containing(date(year, 1, 1), "year")
    if part.startswith("Q"):
        return period_containing(date(year, (int(part[1]) - 1) * 3 + 1, 1), "quarter")
    if not 1 <= int(part) <= 12:
        raise KpiError(_("period {text!r}: the month must be 01 to 12").format(text=text))
    return period_containing(date(year, int(part), 1), "month")


def local_date(moment: datetime) -> date:
    """The calendar day in Vietnam; a time without a zone is already Vietnam's local time."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(VIETNAM_TIME).date()


# --- targets ---------------------------------------------------------------------------------

def _decision_468_rate(level: str, year: int) -> Fraction | None:
    """Decision 468/QĐ-TTg: 40/30/20/15 % in 2021, at least 20 points more each year, 100 % in
    2025 and after. No target before 2021."""
    base = {"ministry": 40, "province": 30, "district": 20, "commune": 15}.get(level)
    if base is None or year < 2021:
        return None
    if year >= 2025:
        return Fraction(1)
    return Fraction(min(100, base + 20 * (year - 2021)), 100)


def _reuse_default_rate(year: int) -> Fraction | None:
    """Citizens not resubmitting documents already provided: ≥ 30 %, 80 % from 2025."""
    if year < 2021:
        return None
    return Fraction(80, 100) if year >= 2025 else Fraction(30, 100)


@dataclass(frozen=True)
class Targets:
    """Target rates per indicator, level and year; `overrides` win over Decision 468.

    `overrides[indicator][level][year]` is a rate between 0 and 1. A level "*" applies to every
    level of that indicator.
    """

    overrides: Mapping[str, Mapping[str, Mapping[int, Fraction]]] = field(default_factory=dict)

    def rate(self, indicator: str, level: str, year: int) -> Fraction | None:
        by_level = self.overrides.get(indicator, {})
        for key in (level, "*"):
            if year in by_level.get(key, {}):
                return by_level[key][year]
        if indicator == REUSE:
            return _reuse_default_rate(year)
        return _decision_468_rate(level, year)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Targets:
        """From JSON/TOML: `{"4.1": {"province": {"2024": 0.9}}}` (rates or percentages)."""
        overrides: dict[str, dict[str, dict[int, Fraction]]] = {}
        for indicator, levels in data.items():
            if indicator not in INDICATORS or not isinstance(levels, Mapping):
                raise KpiError(_("targets: {key!r} is not one of the indicators 4.1, 4.2, 4.3")
                               .format(key=indicator))
            for level, years in levels.items():
                if level not in (*LEVELS, "*") or not isinstance(years, Mapping):
                    raise KpiError(_("targets {indicator}: {level!r} is not a level")
                                   .format(indicator=indicator, level=level))
                for year, value in years.items():
                    overrides.setdefault(indicator, {}).setdefault(level, {})[int(year)] = \
                        _as_rate(value)
        return cls(overrides)


def _as_rate(value: object) -> Fraction:
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        raise KpiError(_("targets: {value!r} is not a rate").format(value=value))
    rate = Fraction(str(value))
    rate = rate / 100 if rate > 1 else rate
    if not 0 <= rate <= 1:
        raise KpiError(_("targets: {value!r} is not a rate").format(value=value))
    return rate


# --- facts and results ---------------------------------------------------------------------

@dataclass(frozen=True)
class DossierFacts:
    """What the indicators need to know about one dossier."""

    dossier_code: str | None
    procedure_code: str
    agency_code: str
    level: str
    received_at: datetime
    resolved_at: datetime | None
    result_kind: str  # "paper" | "electronic"
    result_link: str | None = None  # "explicit" | "inferred" | None: a signed digitized result
    components_digitized: bool = False
    reused: bool = False

    @cached_property
    def received_on(self) -> date:
        """The local day of receipt, computed once: every period filter reads it."""
        return local_date(self.received_at)

    def resolved_by(self, as_of: datetime | None) -> bool:
        if self.resolved_at is None:
            return False
        return as_of is None or _comparable(self.resolved_at) <= _comparable(as_of)


def _comparable(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TIME)


@dataclass(frozen=True)
class IndicatorValue:
    indicator: str
    numerator: int
    denominator: int
    target: Fraction | None
    inferred: int = 0  # of the numerator, dossiers counted through an inferred link
    pending: int = 0  # received, not resolved yet (4.1 only)

    @property
    def max_points(self) -> int:
        return MAX_POINTS[self.indicator]

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def points(self) -> Fraction | None:
        rate = self.rate
        if rate is None:
            return None
        if rate >= FULL_POINTS_RATE:
            return Fraction(self.max_points)
        return rate * self.max_points / FULL_POINTS_RATE

    @property
    def met(self) -> bool | None:
        rate = self.rate
        if rate is None or self.target is None:
            return None
        return rate >= self.target

    @property
    def verdict(self) -> str:
        met = self.met
        return "" if met is None else (VERDICT_MET if met else VERDICT_NOT_MET)

    def to_dict(self) -> dict[str, object]:
        """Machine form: rates as decimals with 4 places, points with 2, exact and stable."""
        return {"indicator": self.indicator, "numerator": self.numerator,
                "denominator": self.denominator, "rate": decimal_text(self.rate, 4),
                "points": decimal_text(self.points, 2), "max_points": self.max_points,
                "target": decimal_text(self.target, 4), "met": self.met,
                "verdict": self.verdict, "numerator_inferred": self.inferred,
                "pending": self.pending}


def decimal_text(value: Fraction | None, places: int) -> str | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class GroupKey:
    agency: str | None = None
    level: str | None = None
    procedure: str | None = None

    def as_dict(self, dimensions: Sequence[str]) -> dict[str, str | None]:
        return {d: getattr(self, d) for d in dimensions}


@dataclass(frozen=True)
class GroupResult:
    period: Period
    key: GroupKey
    dossiers: int
    values: tuple[IndicatorValue, ...]

    def value(self, indicator: str) -> IndicatorValue:
        return next(v for v in self.values if v.indicator == indicator)


# --- computation -----------------------------------------------------------------------------

def in_period(facts: Iterable[DossierFacts], period: Period) -> list[DossierFacts]:
    return [f for f in facts if period.contains(f.received_on)]


def _digitized_result(fact: DossierFacts) -> bool:
    return fact.result_link in (LINK_EXPLICIT, LINK_INFERRED)


def _target(indicator: str, counted: Sequence[DossierFacts], targets: Targets,
            year: int) -> Fraction | None:
    """The denominator-weighted mean of the level targets (one level: that level's target)."""
    if not counted:
        return None
    per_level = Counter(f.level for f in counted)
    rates = {level: targets.rate(indicator, level, year) for level in per_level}
    if any(r is None for r in rates.values()):
        return None
    weighted = sum((r * per_level[level] for level, r in rates.items() if r is not None),
                   Fraction(0))
    return weighted / len(counted)


def compute_indicators(facts: Sequence[DossierFacts], *, year: int, targets: Targets,
                       as_of: datetime | None = None) -> tuple[IndicatorValue, ...]:
    """4.1, 4.2 and 4.3 over dossiers already selected for one period and group."""
    paper = [f for f in facts if f.result_kind == RESULT_PAPER]
    resolved_paper = [f for f in paper if f.resolved_by(as_of)]
    with_result = [f for f in resolved_paper if _digitized_result(f)]
    result = IndicatorValue(
        RESULT_DIGITIZATION, len(with_result), len(resolved_paper),
        _target(RESULT_DIGITIZATION, resolved_paper, targets, year),
        inferred=sum(1 for f in with_result if f.result_link == LINK_INFERRED),
        pending=len(paper) - len(resolved_paper))
    digitized = [f for f in facts if _dossier_digitized(f, as_of)]
    dossier = IndicatorValue(
        DOSSIER_DIGITIZATION, len(digitized), len(facts),
        _target(DOSSIER_DIGITIZATION, facts, targets, year),
        inferred=sum(1 for f in digitized if f.result_link == LINK_INFERRED
                     and f.result_kind == RESULT_PAPER and f.resolved_by(as_of)))
    reuse = IndicatorValue(REUSE, sum(1 for f in facts if f.reused), len(facts),
                           _target(REUSE, facts, targets, year))
    return result, dossier, reuse


def _dossier_digitized(fact: DossierFacts, as_of: datetime | None) -> bool:
    result_required = fact.result_kind == RESULT_PAPER and fact.resolved_by(as_of)
    return fact.components_digitized and (not result_required or _digitized_result(fact))


def _group_key(fact: DossierFacts, dimensions: Sequence[str]) -> GroupKey:
    values = {"agency": fact.agency_code, "level": fact.level, "procedure": fact.procedure_code}
    return GroupKey(**{d: values[d] for d in dimensions})


def _sort_key(key: GroupKey, dimensions: Sequence[str]) -> tuple[tuple[int, str], ...]:
    """Codes in order; levels from the top (ministry) down (commune)."""
    parts = []
    for name, value in key.as_dict(dimensions).items():
        rank = LEVELS.index(value) if name == "level" and value in LEVELS else len(LEVELS)
        parts.append((rank, value or ""))
    return tuple(parts)


def compute_report(facts: Sequence[DossierFacts], period: Period, *,
                   by: Sequence[str] = (), targets: Targets | None = None,
                   as_of: datetime | None = None) -> list[GroupResult]:
    """The indicators of one period, per group (sorted by key), with the total first."""
    unknown = [d for d in by if d not in GROUP_DIMENSIONS]
    if unknown:
        raise KpiError(_("cannot group by {names}: use agency, level or procedure")
                       .format(names=", ".join(unknown)))
    targets = targets or Targets()
    selected = in_period(facts, period)
    groups: dict[GroupKey, list[DossierFacts]] = defaultdict(list)
    for fact in selected:
        groups[_group_key(fact, by)].append(fact)
    year = period.start.year
    results = [GroupResult(period, GroupKey(), len(selected),
                           compute_indicators(selected, year=year, targets=targets,
                                              as_of=as_of))]
    if by:
        for key in sorted(groups, key=lambda k: _sort_key(k, by)):
            results.append(GroupResult(period, key, len(groups[key]), compute_indicators(
                groups[key], year=year, targets=targets, as_of=as_of)))
    return results


def compute_series(facts: Sequence[DossierFacts], periods: Sequence[Period], *,
                   targets: Targets | None = None,
                   as_of: datetime | None = None) -> list[GroupResult]:
    """The total of each period, for the chart of rates over time (one pass over the facts)."""
    targets = targets or Targets()
    wanted = {p.label: p for p in periods}
    buckets: dict[str, list[DossierFacts]] = defaultdict(list)
    for fact in facts:
        for kind in {p.kind for p in periods}:
            label = period_containing(fact.received_on, kind).label
            if label in wanted:
                buckets[label].append(fact)
    return [GroupResult(p, GroupKey(), len(buckets[p.label]), compute_indicators(
        buckets[p.label], year=p.start.year, targets=targets, as_of=as_of)) for p in periods]
