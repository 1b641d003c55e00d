"""The monthly statistics page shows a closed case in its charts (issue 14, deliver 6;
SPEC C9.10): read from the SVG's own data (each bar's value, label and drawn height), not
from the table beside it.

The case is filed and walked to closed through complaints' JSON routes by the roles that
own each step (set-up: the browser flows of the chain are ``test_manufacturer_complaint``);
its responsible unit is new to this run, so its series holds exactly this case, and the
classification's bar of this month rises by exactly one.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from ..helpers import token
from .conftest import Console, System
from .flows import open_page

pytestmark = pytest.mark.e2e

# Each chart's bars as pygal draws them: {series name: {x label: (value, drawn height)}}.
READ_SVG = """figure => {
  const svg = figure.querySelector('svg');
  const names = {};
  for (const legend of svg.querySelectorAll('.legends .legend')) {
    names[legend.id.replace('activate-serie-', '')] = legend.querySelector('text').textContent;
  }
  const plot = svg.querySelector('g.plot');
  const found = {};
  for (const series of plot.querySelectorAll(':scope > g.series')) {
    const index = [...series.classList].find(c => c.startsWith('serie-')).slice(6);
    const bars = {};
    for (const bar of series.querySelectorAll('.bar')) {
      bars[bar.querySelector('desc.x_label').textContent] = [
        Number(bar.querySelector('desc.value').textContent),
        Number(bar.querySelector('rect').getAttribute('height'))];
    }
    found[names[index]] = bars;
  }
  return {title: svg.querySelector('title').textContent, series: found};
}"""


async def charts(page: Page) -> list[dict[str, Any]]:
    figures = page.locator("#charts figure.chart")
    await expect(figures).to_have_count(2)
    return [await figures.nth(i).evaluate(READ_SVG) for i in range(2)]


async def close_a_case(system: System, unit: str) -> str:
    """A domestic non-quality case filed by sales and walked to closed by each owner."""
    def who(role: str, user: str) -> dict[str, str]:
        return token(role, user, None)

    async with httpx.AsyncClient(base_url=system.url("complaints"), timeout=30) as client:
        filed = await client.post("/complaints", headers=who("sales", "U01"), json={
            "profile": "manufacturer", "market": "domestic", "classification": "non_quality",
            "customer": "Jiangnan Retail Co", "order_no": "SO-2612-31", "part_no": "LBL-PACK",
            "ship_date": (date.today() - timedelta(days=10)).isoformat(), "quantity": 200,
            "defective_quantity": 12, "demand": "wrong carton labels: relabel at our cost"})
        assert filed.status_code == 201, filed.text
        case_no: str = filed.json()["case_no"]
        for step, headers, body in (
            ("registration", who("gm_office", "G01"), {}),
            ("qa_analysis", who("qa", "Q01"), {"cause": "label template mix-up",
                                                "responsible_unit": unit,
                                                "rnd_required": False}),
            ("manufacturing_countermeasure", who("manufacturing", "F01"),
             {"countermeasure": "labels checked against the order at packing"}),
            ("sales_negotiation", who("sales", "U01"), {"handling": "allowance",
                                                         "amount": "1200.00"}),
            ("consolidation", who("gm_office", "G01"), {"summary": "allowance 1,200"}),
            ("approval", who("sales_manager", "SM01"), {"approved": True}),
            ("execution", who("sales", "U01"), {}),
        ):
            done = await client.post(f"/complaints/{case_no}/steps/{step}", json=body,
                                     headers=headers)
            assert done.status_code == 200, f"{step}: {done.text}"
        assert done.json()["status"] == "closed", done.text
    return case_no


async def test_the_statistics_chart_shows_the_closed_case(console: Console) -> None:
    system = console.system
    gm_office = await console.person()
    await console.sign_in(gm_office, "G01", service="complaints", lang="en")
    url = system.url("complaints", "/monthly-statistics")
    await open_page(console, gm_office, url, "statistics-before")
    by_class, _by_unit = await charts(gm_office)
    earlier = by_class["series"].get("Non-quality", {})  # {month: (value, height)}

    unit = f"Packing line {uuid.uuid4().hex[:4].upper()}"
    case_no = await close_a_case(system, unit)

    await open_page(console, gm_office, url, "statistics-after")
    await console.shot(gm_office, "statistics", walkthrough="30-statistics",
                       part=gm_office.locator("#charts"))
    by_class, by_unit = await charts(gm_office)
    assert by_class["title"] == "Closed cases by classification", by_class["title"]
    assert by_unit["title"] == "Closed cases by responsible unit", by_unit["title"]
    month = list(by_class["series"]["Non-quality"].keys())[-1]  # this month, the last bar
    value, height = by_class["series"]["Non-quality"][month]
    before = earlier.get(month, [0, 0])[0]  # a new month (closed at midnight): none before
    assert value == before + 1, f"{case_no}: Non-quality in {month} is {value}, was {before}"
    assert height > 0, f"the Non-quality bar of {month} is not drawn"

    assert unit in by_unit["series"], f"{unit} not in the unit chart: {list(by_unit['series'])}"
    bars = by_unit["series"][unit]
    assert bars[month][0] == 1 and bars[month][1] > 0, bars
    assert all(v == 0 for m, (v, _h) in bars.items() if m != month), bars

    # The month's table agrees with the chart.
    row = gm_office.locator(f'#month-table tr[data-unit="{unit}"]')
    await expect(row).to_contain_text("1")
