"""Decision 766 indicators against hand-computed fixtures, edge cases of issue 11 included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from pipeline.kpi import (
    DOSSIER_DIGITIZATION,
    RESULT_DIGITIZATION,
    REUSE,
    DossierFacts,
    IndicatorValue,
    KpiError,
    Targets,
    compute_report,
    compute_series,
    parse_period,
)

VN = timezone(timedelta(hours=7))
Q3 = parse_period("2024-Q3")


def dossier(code: str | None, *, received: datetime, resolved: datetime | None = None,
            kind: str = "paper", link: str | None = None, components: bool = False,
            reused: bool = False, agency: str = "A1", level: str = "province",
            procedure: str = "1.0001") -> DossierFacts:
    return DossierFacts(code, procedure, agency, level, received, resolved, kind, link,
                        components, reused)


def at(month: int, day: int, hour: int = 9, year: int = 2024) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VN)


# Hand-computed fixture for 2024-Q3 (province A1 and commune C1):
#  d1 paper, resolved in Q3, explicit link, components digitized, reused     → 4.1 ✓ 4.2 ✓ 4.3 ✓
#  d2 paper, resolved in Q3, inferred link, components digitized             → 4.1 ✓ (inferred)
#  d3 paper, resolved in Q3, no result linked, components digitized          → 4.1 ✗ 4.2 ✗
#  d4 electronic result, resolved, components digitized: outside 4.1          → 4.2 ✓
#  d5 paper, received in Q3, resolved 2 Oct (Q4), explicit link              → Q3's 4.1 ✓
#  d6 paper, not resolved yet, components digitized                          → 4.1 pending, 4.2 ✓
#  d7 no dossier code, paper, resolved, nothing linked                       → in denominators
#  c1 commune dossier reusing the same document as d1                        → 4.3 ✓
#  x1 received 30 June 23:30 local (Q2), resolved in Q3                      → not in Q3
#  x2 received 30 Sep 23:30 local = 16:30 UTC → Q3 (paper, unresolved)       → 4.1 pending
FIXTURE = [
    dossier("d1", received=at(7, 1), resolved=at(7, 10), link="explicit", components=True,
            reused=True),
    dossier("d2", received=at(7, 2), resolved=at(7, 12), link="inferred", components=True),
    dossier("d3", received=at(8, 5), resolved=at(8, 20), components=True),
    dossier("d4", received=at(8, 6), resolved=at(8, 9), kind="electronic", components=True),
    dossier("d5", received=at(9, 28), resolved=at(10, 2), link="explicit"),
    dossier("d6", received=at(9, 29), components=True),
    dossier(None, received=at(9, 3), resolved=at(9, 4)),
    dossier("c1", received=at(8, 1), resolved=at(8, 1, 15), kind="electronic", reused=True,
            agency="C1", level="commune"),
    dossier("x1", received=datetime(2024, 6, 30, 23, 30, tzinfo=VN), resolved=at(7, 3),
            link="explicit", components=True, reused=True),
    dossier("x2", received=datetime(2024, 9, 30, 16, 30, tzinfo=UTC)),
]


def values(result: list, indicator: str, group: int = 0) -> IndicatorValue:
    return result[group].value(indicator)


def test_total_of_the_quarter_equals_the_hand_computed_numbers() -> None:
    total = compute_report(FIXTURE, Q3)[0]
    assert total.dossiers == 9  # d1-d7, c1, x2; x1 was received in Q2
    r41 = total.value(RESULT_DIGITIZATION)
    # paper and resolved: d1 d2 d3 d5 d7 → 5; with a result: d1 d2 d5 → 3; pending: d6, x2
    assert (r41.numerator, r41.denominator, r41.inferred, r41.pending) == (3, 5, 1, 2)
    assert r41.rate == Fraction(3, 5)
    assert r41.points == Fraction(3, 5) * 6 / Fraction(4, 5)  # 4.5 points of 6
    # d1 d2 (components + result), d4 (electronic), d6 (not resolved: components only)
    r42 = total.value(DOSSIER_DIGITIZATION)
    assert (r42.numerator, r42.denominator) == (4, 9)
    r43 = total.value(REUSE)
    assert (r43.numerator, r43.denominator) == (2, 9)  # d1 and c1 reuse the same document


def test_an_electronic_result_is_outside_the_result_digitization_denominator() -> None:
    only = [dossier("e1", received=at(7, 1), resolved=at(7, 2), kind="electronic",
                    components=True)]
    value = compute_report(only, Q3)[0].value(RESULT_DIGITIZATION)
    assert (value.numerator, value.denominator) == (0, 0)
    assert value.rate is None and value.points is None and value.verdict == ""
    # but it is a digitized dossier for 4.2
    assert compute_report(only, Q3)[0].value(DOSSIER_DIGITIZATION).rate == 1


def test_a_dossier_resolved_in_the_next_period_counts_in_the_period_of_receipt() -> None:
    late = [dossier("d5", received=at(9, 28), resolved=at(10, 2), link="explicit",
                    components=True)]
    q3 = compute_report(late, Q3)[0].value(RESULT_DIGITIZATION)
    q4 = compute_report(late, parse_period("2024-Q4"))[0].value(RESULT_DIGITIZATION)
    assert (q3.numerator, q3.denominator) == (1, 1)
    assert (q4.numerator, q4.denominator) == (0, 0)
    # frozen on 30 September, it was still pending: out of numerator and denominator
    frozen = compute_report(late, Q3, as_of=at(9, 30, 18))[0].value(RESULT_DIGITIZATION)
    assert (frozen.numerator, frozen.denominator, frozen.pending) == (0, 0, 1)


def test_a_document_reused_in_two_dossiers_counts_for_each_dossier() -> None:
    both = [dossier("r1", received=at(7, 1), reused=True),
            dossier("r2", received=at(7, 2), reused=True, agency="A2"),
            dossier("r3", received=at(7, 3))]
    report = compute_report(both, Q3, by=["agency"])
    assert (report[0].value(REUSE).numerator, report[0].value(REUSE).denominator) == (2, 3)
    a1, a2 = report[1], report[2]
    assert a1.key.agency == "A1" and a1.value(REUSE).rate == Fraction(1, 2)
    assert a2.key.agency == "A2" and a2.value(REUSE).rate == 1


def test_a_dossier_without_a_code_still_counts_in_the_denominators() -> None:
    nocode = [dossier(None, received=at(7, 1), resolved=at(7, 2), components=True)]
    total = compute_report(nocode, Q3)[0]
    assert total.value(RESULT_DIGITIZATION).denominator == 1
    assert total.value(RESULT_DIGITIZATION).numerator == 0
    assert (total.value(DOSSIER_DIGITIZATION).numerator,
            total.value(DOSSIER_DIGITIZATION).denominator) == (0, 1)


def test_an_inferred_link_counts_and_is_shown_apart() -> None:
    facts = [dossier("i1", received=at(7, 1), resolved=at(7, 5), link="inferred",
                     components=True),
             dossier("i2", received=at(7, 1), resolved=at(7, 5), link="explicit")]
    value = compute_report(facts, Q3)[0].value(RESULT_DIGITIZATION)
    assert (value.numerator, value.inferred, value.denominator) == (2, 1, 2)
    assert value.to_dict()["numerator_inferred"] == 1


def test_scoring_rule_full_points_from_80_percent() -> None:
    def value(n: int, d: int) -> IndicatorValue:
        return IndicatorValue(RESULT_DIGITIZATION, n, d, Fraction(1, 2))

    assert value(4, 5).points == 6  # exactly 80 %
    assert value(9, 10).points == 6
    assert value(1, 2).points == Fraction(15, 4)  # 50 % × 6 ÷ 80 % = 3.75
    assert value(1, 2).to_dict()["points"] == "3.75"
    assert value(1, 3).to_dict()["rate"] == "0.3333"
    assert value(1, 2).verdict == "Đạt" and value(1, 3).verdict == "Không đạt"


def test_decision_468_targets_by_level_and_year() -> None:
    targets = Targets()
    assert [targets.rate(RESULT_DIGITIZATION, lvl, 2021) for lvl in
            ("ministry", "province", "district", "commune")] == [
        Fraction(40, 100), Fraction(30, 100), Fraction(20, 100), Fraction(15, 100)]
    assert targets.rate(RESULT_DIGITIZATION, "commune", 2023) == Fraction(55, 100)
    assert targets.rate(RESULT_DIGITIZATION, "commune", 2025) == 1
    assert targets.rate(RESULT_DIGITIZATION, "province", 2020) is None
    configured = Targets.from_mapping({"4.1": {"province": {"2024": 85}, "*": {"2023": "0.5"}}})
    assert configured.rate(RESULT_DIGITIZATION, "province", 2024) == Fraction(85, 100)
    assert configured.rate(RESULT_DIGITIZATION, "commune", 2023) == Fraction(1, 2)
    assert configured.rate(RESULT_DIGITIZATION, "commune", 2024) == Fraction(75, 100)
    with pytest.raises(KpiError):
        Targets.from_mapping({"4.9": {}})


def test_a_group_mixing_levels_is_judged_against_the_weighted_target() -> None:
    facts = [dossier("p1", received=at(7, 1), resolved=at(7, 2), link="explicit"),
             dossier("c1", received=at(7, 1), resolved=at(7, 2), level="commune")]
    report = compute_report(facts, Q3, by=["level"])
    # 2024: province 90 %, commune 75 % → total target (90 + 75) / 2 = 82.5 %
    assert report[0].value(RESULT_DIGITIZATION).target == Fraction(825, 1000)
    assert [g.key.level for g in report[1:]] == ["province", "commune"]  # top level first
    assert report[1].value(RESULT_DIGITIZATION).verdict == "Đạt"
    assert report[2].value(RESULT_DIGITIZATION).verdict == "Không đạt"


def test_periods_parse_and_roll_back() -> None:
    assert str(parse_period("2024-q3")) == "2024-Q3"
    assert [str(p) for p in parse_period("2024-01").trailing(3)] == [
        "2023-11", "2023-12", "2024-01"]
    assert str(parse_period("2024").previous()) == "2023"
    for bad in ("2024-Q5", "2024-13", "Q3-2024", ""):
        with pytest.raises(KpiError):
            parse_period(bad)
    with pytest.raises(KpiError):
        compute_report(FIXTURE, Q3, by=["province"])


def test_series_gives_one_total_per_period() -> None:
    series = compute_series(FIXTURE, Q3.trailing(2))
    assert [s.dossiers for s in series] == [1, 9]  # x1 in Q2
