"""Technician scores and rankings in the browser (issue 14 deliver 3 and 4; SPEC Q23):
the branch ranking of a month as a bar chart and a table, a technician's dimensions
month by month as a line chart and a table, both server-side SVG in the page's language,
through the same use cases and gates as the JSON routes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.helpers import eventually, token
from tests.survey.support import DEPT, Survey, completed, registered, survey_app

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat("2026-03-31T18:00:00+08:00")

# (call, register time, technician, levels attitude/skill/arrival/follow_through)
ANSWERS = [
    (1, "2026-02-10T10:00:00+08:00", "T01", (2, 2, 2, 2)),
    (2, "2026-03-02T10:00:00+08:00", "T01", (4, 4, 3, 3)),
    (3, "2026-03-03T10:00:00+08:00", "T01", (4, 4, 4, 4)),
    (4, "2026-03-04T10:00:00+08:00", "T02", (3, 3, 3, 3)),
]


async def _answered(s: Survey) -> None:
    """The calls above, completed by their technicians, their cards keyed in (Q25)."""
    for call, at, technician, _levels in ANSWERS:
        await s.publish(registered(call, at))
        await s.publish(completed(call, technician, at.replace("T10", "T11")))

    async def ready() -> list[dict] | None:
        found = [c for day in ("2026-02-10", "2026-03-02", "2026-03-03", "2026-03-04")
                 for c in await s.cards(day)]
        return found if len(found) == 4 and all(c["technician_id"] for c in found) else None

    by_call = {c["call_id"]: c for c in await eventually(ready)}
    for call, _at, _technician, levels in ANSWERS:
        body = dict(zip(("attitude", "skill", "arrival", "follow_through"), levels,
                        strict=True))
        r = await s.client.post(f"/survey-cards/{by_call[call]['id']}/answers", headers=DEPT,
                                json=body)
        assert r.status_code == 201, r.text


def _svg(html: str) -> str:
    found = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert found, "an inline SVG chart"
    assert "<script" not in found.group(0)
    return found.group(0)


async def test_q23_the_branch_ranking_of_a_month_as_a_bar_chart_and_a_table(ns) -> None:
    async with survey_app(ns, now=NOW) as s:
        await _answered(s)
        page = await s.client.get("/scores?month=2026-03&branch=SC01&lang=en", headers=DEPT)
        assert page.status_code == 200
        svg = _svg(page.text)
        assert "Overall score by technician, 2026-03" in svg
        assert "Technician Li" in svg and "Technician Zhang" in svg
        # T01: (4+4+3+3 + 4+4+4+4) / 8 = 3.75, first; T02: 3.00, second. The JSON agrees.
        rows = re.findall(r'data-technician="(\w+)" data-rank="(\d)" data-overall="([\d.]+)"',
                          page.text)
        assert rows == [("T01", "1", "3.75"), ("T02", "2", "3.0")]
        ranked = (await s.client.get("/rankings", params={"branch": "SC01", "month": "2026-03"},
                                     headers=DEPT)).json()
        assert [(r["technician_id"], r["rank"], r["overall"]) for r in ranked] == [
            ("T01", 1, 3.75), ("T02", 2, 3.0)]
        assert '<desc class="value">3.75</desc>' in svg

        hans = await s.client.get("/scores?month=2026-03&branch=SC01&lang=zh-Hans",
                                  headers=DEPT)
        assert "技术员总评，2026-03" in _svg(hans.text) and "技术员排名" in hans.text

        # A branch's supervisor sees their own branch's ranking, not another's; a
        # technician and a clerk do not see rankings at all (the JSON route's gate).
        sup = await s.client.get("/scores?month=2026-03", headers=token("supervisor", "S01"))
        assert sup.status_code == 200 and 'data-technician="T01"' in sup.text
        assert (await s.client.get("/scores?month=2026-03&branch=SC02",
                                   headers=token("supervisor", "S01"))).status_code == 403
        for role, user in (("technician", "T01"), ("clerk", "C01")):
            assert (await s.client.get("/scores", headers=token(role, user))).status_code == 403
        empty = await s.client.get("/scores?month=2026-01&branch=SC01&lang=en", headers=DEPT)
        assert "No cards rate a technician this month." in empty.text


async def test_q23_a_technicians_dimensions_month_by_month_as_a_line_chart(ns) -> None:
    async with survey_app(ns, now=NOW) as s:
        await _answered(s)
        page = await s.client.get("/scores/T01?month=2026-03&months=3&lang=en", headers=DEPT)
        assert page.status_code == 200
        svg = _svg(page.text)
        assert "Technician Li: scores month by month" in svg
        assert {"Attitude", "Skill", "Arrival on time", "Kept promises", "Overall"} <= set(
            re.findall(r">([A-Za-z ]+)</text>", svg))
        # Three months in the table, January without answers (no score, not in the chart).
        months = re.findall(r'data-month="([\d-]+)" data-overall="([\d.]*)"', page.text)
        assert months == [("2026-01", ""), ("2026-02", "2.0"), ("2026-03", "3.75")]
        assert "2026-02" in svg and "2026-03" in svg and "2026-01" not in svg
        one = (await s.client.get("/technicians/T01/scores", params={"month": "2026-03"},
                                  headers=DEPT)).json()
        assert (one["attitude"], one["arrival"], one["overall"]) == (4.0, 3.5, 3.75)

        hant = await s.client.get("/scores/T01?month=2026-03&lang=zh-Hant", headers=DEPT)
        assert "逐月評分" in _svg(hant.text) and "服務態度" in hant.text

        # A technician sees their own page, not a colleague's.
        own = await s.client.get("/scores/T01?month=2026-03", headers=token("technician", "T01"))
        assert own.status_code == 200
        assert (await s.client.get("/scores/T02?month=2026-03",
                                   headers=token("technician", "T01"))).status_code == 403
        assert (await s.client.get("/scores/T01?month=2026-13", headers=DEPT)).status_code == 422
