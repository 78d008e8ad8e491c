"""The KPI dashboard shows the numbers of `sohoa report … --format csv`, filter by filter, in a
real headless browser; its CSV download is that report."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.web.conftest import AGENCY, DOCS, Site, log_in

pytestmark = pytest.mark.integration
PERIOD = "2024-Q3"


def _cli_csv(site: Site, *by: str) -> str:
    args = ["report", "--period", PERIOD, "--format", "csv"]
    return site.sohoa(*args, *(["--by", ",".join(by)] if by else [])).stdout


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(
        "".join(line for line in text.splitlines(True) if not line.startswith("#")))))


def _expected(text: str, agency: str = "", level: str = "") -> dict[str, tuple[str, ...]]:
    """indicator → (numerator, denominator, points as shown, verdict) from the CSV's row."""
    rows = [r for r in _rows(text) if r["agency"] == agency and r["level"] == level]
    assert len(rows) == 3, rows
    return {r["indicator"]: (r["numerator"], r["denominator"],
                             f"{r['points'].replace('.', ',')} / {r['max_points']}"
                             if r["points"] else "—", r["verdict"] or "Chưa đánh giá")
            for r in rows}


def _shown(page: Any) -> dict[str, tuple[str, ...]]:
    shown: dict[str, tuple[str, ...]] = {}
    for card in page.locator("article.kpi").all():
        shown[card.get_attribute("data-indicator")] = (
            card.locator(".numerator").inner_text(), card.locator(".denominator").inner_text(),
            card.locator(".points").inner_text(), card.locator(".verdict-badge").inner_text())
    return shown


def _without_generated_at(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("# generated_at")]


def test_dashboard_numbers_equal_the_csv_report(site: Site, browser: Any) -> None:
    page = log_in(browser, site, "auditor")
    page.fill("input[name=period]", PERIOD)
    page.click("#kpi-filters button[type=submit]")
    total = _cli_csv(site)
    assert _shown(page) == _expected(total)
    assert _expected(total)["4.1"][0] == "2"  # the two linked results count
    assert page.locator(".chart svg").count() == 6
    page.screenshot(path=str(DOCS / "web-kpi.png"), full_page=True)

    download = page.context.request.get(page.get_attribute("text=Tải CSV", "href"))
    assert _without_generated_at(download.text()) == _without_generated_at(total)

    page.select_option("select[name=agency]", AGENCY)
    page.click("#kpi-filters button[type=submit]")
    assert f"agency={AGENCY}" in page.url
    assert _shown(page) == _expected(_cli_csv(site, "agency"), agency=AGENCY)

    page.select_option("select[name=agency]", "")
    page.select_option("select[name=level]", "commune")
    page.click("#kpi-filters button[type=submit]")
    by_level = _cli_csv(site, "level")
    assert _shown(page) == _expected(by_level, level="commune")
    assert _expected(by_level, level="commune")["4.3"][0] == "1"  # the reuse in HS-06
    page.context.close()


def test_a_bad_period_says_how_to_write_it(site: Site, browser: Any) -> None:
    page = log_in(browser, site, "admin")
    response = page.goto("/ui/kpi?period=quy-3")
    assert response.status == 400 and "2024-Q3" in page.locator("main").inner_text()
    page.context.close()
