"""The monthly statistics page (C9.10) shows a closed case in its charts and table, month
by month; the overdue list (C14) as a page with its reminder slips printable; a retail
complaint filed by a counter from the page, with its gift borrowing (R2b)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.complaints.support import (
    GM_OFFICE,
    SALES,
    SALES_MANAGER,
    file,
    step,
    walk_to_approval,
    watchers_by_hand,
)
from tests.helpers import layout_text, running, token

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)



async def test_c9_10_the_statistics_chart_shows_the_closed_case(ns) -> None:
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        await walk_to_approval(client, case_no, handling="allowance", amount="3000.00")
        await step(client, case_no, "approval", SALES_MANAGER, approved=True)
        await step(client, case_no, "execution", SALES)
        await file(client)  # open: not counted

        page = await client.get("/monthly-statistics?month=2026-11&lang=en", headers=GM_OFFICE)
        assert page.status_code == 200, page.text
        html = page.text
        assert html.count('<svg role="img"') == 2
        assert 'aria-label="Closed cases by classification"' in html
        assert 'aria-label="Closed cases by responsible unit"' in html
        # the charts' tables: twelve months ending November, the case in the last one
        tables = re.findall(r'<table class="chart-data">.*?</table>', html, re.S)
        assert len(tables) == 2
        assert "2025-12" in tables[0] and "2026-11" in tables[0]
        quality = re.search(r'<th scope="row">Quality</th>((?:<td>\d+</td>){12})', tables[0])
        assert quality and re.findall(r"\d+", quality.group(1)) == ["0"] * 11 + ["1"]
        assembly = re.search(r'<th scope="row">assembly</th>((?:<td>\d+</td>){12})', tables[1])
        assert assembly and re.findall(r"\d+", assembly.group(1))[-1] == "1"
        assert 'id="month-table" data-month="2026-11" data-total="1"' in html
        assert 'data-unit="assembly"' in html

        zh = (await client.get("/monthly-statistics?month=2026-11&lang=zh-Hans",
                               headers=GM_OFFICE)).text
        assert 'aria-label="按分类的已结案件"' in zh
        assert (await client.get("/monthly-statistics", headers=token("technician", "T01"))
                ).status_code == 403
        assert (await client.get("/monthly-statistics?month=2026-13",
                                 headers=GM_OFFICE)).status_code == 422


async def test_c14_the_overdue_page_and_its_reminder_slips(ns) -> None:
    clock = FixedClock(NOV)
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)
    async with running(app) as client:
        late = (await file(client))["case_no"]
        empty = await client.get("/overdue?lang=en", headers=GM_OFFICE)
        assert 'data-overdue-count="0"' in empty.text
        clock.advance(timedelta(days=1))
        page = await client.get("/overdue?lang=en", headers=GM_OFFICE)
        assert page.status_code == 200
        assert f'data-case="{late}" data-kind="step"' in page.text
        assert 'href="/overdue/slips.pdf"' in page.text
        slips = await client.get("/overdue/slips.pdf?lang=en", headers=GM_OFFICE)
        assert slips.headers["content-type"] == "application/pdf"
        text = layout_text(slips.content)
        assert f"Reminder slip {late}" in text and "Registration" in text
        assert "GM office" in text and "step deadline" in text
        assert (await client.get("/overdue", headers=token("pos", "P1"))).status_code == 403


async def test_r2_r2b_a_counter_files_a_retail_complaint_and_borrows_gifts(ns) -> None:
    counter, organiser = token("counter", "K01"), token("branch_manager", "M01")
    async with running(create_app(ns.settings("complaints"))) as client:
        page = await client.get("/new?lang=en", headers=counter)
        assert '<option value="retail"' in page.text
        assert '<option value="manufacturer"' not in page.text
        assert 'name="branch"' not in page.text  # a counter files for its own branch
        r = await client.post("/new", headers=counter, data={
            "profile": "retail", "market": "domestic", "classification": "quality",
            "customer": "Wang", "demand": "TV has dead pixels", "store_id": "ST01"})
        assert r.status_code == 303, r.text
        case_no = r.headers["location"].rsplit("/", 1)[1]
        case = (await client.get(f"/complaints/{case_no}", headers=counter)).json()
        assert (case["profile"], case["branch"]) == ("retail", "SC01")
        refused = await client.post("/new", headers=SALES, data={
            "profile": "retail", "market": "domestic", "classification": "quality",
            "customer": "Wang", "demand": "x"})
        assert refused.status_code == 403

        page = (await client.get(f"/cases/{case_no}?lang=en", headers=counter)).text
        assert 'id="gifts-form"' in page
        r = await client.post(f"/cases/{case_no}/gift-borrowings", headers=counter,
                              data={"vendor": "vendor B", "gifts": "a kettle"})
        assert r.status_code == 303, r.text
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=organiser)).text
        found = re.search(r'data-borrowing="(\d+)"', page)
        assert found and 'data-action="agree-gifts"' in page
        r = await client.post(f"/cases/{case_no}/gift-borrowings/{found.group(1)}/agree",
                              headers=organiser)
        assert r.status_code == 303
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=counter)).text
        assert "agreed by M01" in page
