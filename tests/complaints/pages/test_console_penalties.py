"""Penalty pages (SPEC P1–P5, P8, P8b): a closed case's economic and administrative
decisions from its penalties page, the GM's approval, HR's publication, the month's notice
drafted → approved → published, a reward, and the notice PDF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.complaints.support import (
    ADMIN,
    GM,
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



async def test_p2_p3b_p8b_penalties_through_their_pages_to_the_notice_pdf(ns) -> None:
    clock = FixedClock(NOV)
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        await walk_to_approval(client, case_no, handling="allowance", amount="3000.00")
        await step(client, case_no, "approval", SALES_MANAGER, approved=True)
        await step(client, case_no, "execution", SALES)

        page = await client.get(f"/cases/{case_no}/penalties?lang=en", headers=GM_OFFICE)
        assert page.status_code == 200
        for form in ("loss-form", "economic-form", "administrative-form"):
            assert f'id="{form}"' in page.text
        assert 'name="ground"' in page.text and "late_delivery" in page.text
        assert (await client.get(f"/cases/{case_no}/penalties",
                                 headers=SALES)).status_code == 403
        read_only = await client.get(f"/cases/{case_no}/penalties?lang=en", headers=GM)
        assert read_only.status_code == 200 and 'id="economic-form"' not in read_only.text

        url = f"/cases/{case_no}/penalties/"
        done = await client.post(url + "economic", headers=GM_OFFICE, data={
            "loss": "900.00", "department_0": "sales", "unit_0": "export",
            "individual_0": "E-S1", "department_1": "sales", "unit_1": "export",
            "individual_1": "E-S2"})
        assert done.status_code == 303, done.text
        done = await client.post(url + "administrative", headers=GM_OFFICE, data={
            "person_id": "E-S1", "department": "sales", "unit": "export",
            "level": "warning", "ground": "late_delivery"})
        assert done.status_code == 303, done.text
        lines = (await client.get(f"/complaints/{case_no}/penalties",
                                  headers=GM_OFFICE)).json()
        assert sorted((x["kind"], x["bearer"]) for x in lines) == [
            ("administrative", "E-S1"), ("economic", "E-S1"), ("economic", "E-S2")]
        petition = next(x for x in lines if x["kind"] == "administrative")
        assert petition["status"] == "petitioned"
        page = await client.get(f"/cases/{case_no}/penalties?lang=en", headers=GM_OFFICE)
        assert f'data-decision="{petition["id"]}" data-kind="administrative" ' \
               f'data-status="petitioned"' in page.text

        approvals = await client.get("/penalty-approvals?lang=en", headers=GM)
        assert f'data-decision="{petition["id"]}"' in approvals.text
        r = await client.post(f"/penalty-approvals/decisions/{petition['id']}", headers=GM)
        assert r.status_code == 303
        hr = await client.get("/penalties?lang=en", headers=ADMIN)
        assert f'data-decision="{petition["id"]}"' in hr.text
        r = await client.post(f"/penalties/decisions/{petition['id']}/hr-publication",
                              headers=GM_OFFICE)
        assert r.status_code == 403
        r = await client.post(f"/penalties/decisions/{petition['id']}/hr-publication",
                              headers=ADMIN)
        assert r.status_code == 303
        assert f'data-decision="{petition["id"]}"' not in (
            await client.get("/penalties?lang=en", headers=ADMIN)).text

        r = await client.post("/penalties/rewards", headers=GM_OFFICE, data={
            "person_id": "E-S2", "department": "sales", "unit": "export",
            "reason": "found the root cause", "amount": "300.00"})
        assert r.status_code == 303, r.text

        clock.advance(timedelta(days=17))  # 3 December: November may be noticed
        r = await client.post("/penalties/draft?month=2026-11", headers=GM_OFFICE)
        assert r.status_code == 303
        page = (await client.get("/penalties?month=2026-11&lang=en", headers=GM_OFFICE)).text
        notices = (await client.get("/penalty-notices", params={"month": "2026-11"},
                                    headers=GM_OFFICE)).json()["notices"]
        by_person = {n["person_id"]: n for n in notices}
        e_s1 = by_person["E-S1"]["notice_no"]
        assert f'data-notice="{e_s1}" data-status="draft"' in page
        assert by_person["E-S2"]["reward_amount"] == "300.00"

        r = await client.post(f"/penalty-approvals/notices/{e_s1}", headers=GM)
        assert r.status_code == 303
        page = (await client.get("/penalties?month=2026-11&lang=en", headers=GM_OFFICE)).text
        assert f'data-notice="{e_s1}" data-status="approved"' in page
        assert 'data-action="publish-notice"' in page
        r = await client.post(f"/penalties/notices/{e_s1}/publish", headers=GM_OFFICE)
        assert r.status_code == 303
        page = (await client.get("/penalties?month=2026-11&lang=en", headers=GM_OFFICE)).text
        assert f'data-notice="{e_s1}" data-status="published"' in page

        paper = await client.get(f"/penalty-notices/{e_s1}/pdf?lang=en", headers=GM_OFFICE)
        assert paper.status_code == 200 and paper.headers["content-type"] == "application/pdf"
        text = layout_text(paper.content)
        assert e_s1 in text and "E-S1" in text and case_no in text
        assert "late_delivery" in text and "published" in text
        assert text.count("Copy for:") == 3 and "Copy for: export" in text
        assert "Copy for: Accounting" in text
        assert (await client.get(f"/penalty-notices/{e_s1}/pdf",
                                 headers=SALES)).status_code == 403
        assert (await client.get("/penalty-notices/NOPE-1/pdf",
                                 headers=GM_OFFICE)).status_code == 404
        accountant = await client.get(f"/penalty-notices/{e_s1}/pdf",
                                      headers=token("accountant", "A01"))
        assert accountant.status_code == 200
