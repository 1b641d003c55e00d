"""Abnormality sheets (SPEC C3) and the retail refund / gift-borrowing conditions (SPEC R2b)
over HTTP, with the monthly statistics and the console page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.complaints.support import GM_OFFICE, MFG, SALES
from tests.helpers import running, token

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
COUNTER = token("counter", "K01")
LEAD = token("counter_lead", "L01")
MANAGER = token("branch_manager", "M01")


async def test_c3_sheet_filed_routed_improved_closed_and_reported_beside_complaints(ns) -> None:
    async with running(create_app(ns.settings("complaints"), clock=FixedClock(NOV))) as client:
        body = {"description": "carton print smudged, no loss", "unit_role": "manufacturing"}
        assert (await client.post("/abnormalities", json=body,
                                  headers=token("technician", "T01"))).status_code == 403
        lossy = await client.post("/abnormalities", json={**body, "caused_loss": True},
                                  headers=SALES)
        assert lossy.status_code == 422 and lossy.json()["rule"] == "C3"
        filed = await client.post("/abnormalities", json=body, headers=SALES)
        assert filed.status_code == 201, filed.text
        sheet = filed.json()
        assert (sheet["status"], sheet["form"], sheet["filed_by"]) == (
            "open", "abnormality", "E-S1")
        listed = await client.get("/abnormalities", headers=MFG)
        assert [s["id"] for s in listed.json()] == [sheet["id"]]
        url = f"/abnormalities/{sheet['id']}"
        early = await client.post(url + "/close", headers=SALES)
        assert early.status_code == 409 and early.json()["field"] == "improvement"
        assert (await client.post(url + "/improvement", json={"improvement": "x"},
                                  headers=token("qa", "E-Q1", None))).status_code == 403
        done = await client.post(url + "/improvement", headers=MFG,
                                 json={"improvement": "ink viscosity checked each shift"})
        assert done.status_code == 200 and done.json()["improved_by"] == "E-M1"
        again = await client.post(url + "/improvement", json={"improvement": "y"}, headers=MFG)
        assert again.status_code == 409
        closed = await client.post(url + "/close", json={"note": "ok"}, headers=SALES)
        assert closed.status_code == 200 and closed.json()["status"] == "closed"

        stats = (await client.get("/statistics?month=2026-11", headers=GM_OFFICE)).json()
        assert stats["total"] == 0 and stats["by_unit"] == []  # not counted as complaints
        assert stats["abnormalities"]["total"] == 1
        assert stats["abnormalities"]["by_status"]["closed"] == 1
        assert stats["abnormalities"]["by_unit"] == [{"unit": "manufacturing", "count": 1}]


async def _retail(client) -> str:
    r = await client.post("/complaints", headers=COUNTER, json={
        "profile": "retail", "market": "domestic", "classification": "quality",
        "customer": "Wang", "demand": "refund the TV", "branch": "SC01", "store_id": "ST01",
        "quantity": 1, "defective_quantity": 1})
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    for name, body in (("registration", {}),
                       ("staff_investigation", {"cause": "panel", "responsible_unit": "v"})):
        done = await client.post(f"/complaints/{case_no}/steps/{name}", json=body,
                                 headers=COUNTER)
        assert done.status_code == 200, done.text
    return case_no


async def test_r2b_refund_needs_customer_staff_and_invoice_before_the_pos_instruction(
        ns) -> None:
    async with running(create_app(ns.settings("complaints"), clock=FixedClock(NOV))) as client:
        case_no = await _retail(client)
        url = f"/complaints/{case_no}/steps/lead_review"
        refund = {"handling": "return", "amount": "450.00", "return_quantity": 1,
                  "customer_present": True, "staff_present": "counter"}
        missing = await client.post(url, json=refund, headers=LEAD)
        assert missing.status_code == 422, missing.text
        assert (missing.json()["field"], missing.json()["rule"]) == ("invoice_collected", "R2b")
        case = (await client.get(f"/complaints/{case_no}", headers=LEAD)).json()
        assert case["status"] == "open" and case["current_step"] == "lead_review"
        done = await client.post(url, json={**refund, "invoice_collected": True}, headers=LEAD)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "closed"  # the copy to accounting goes out now
        assert done.json()["decisions"]["lead_review"]["invoice_collected"] is True


async def test_r2b_borrowed_gifts_need_the_branch_organisers_agreement_beforehand(ns) -> None:
    async with running(create_app(ns.settings("complaints"), clock=FixedClock(NOV))) as client:
        case_no = await _retail(client)
        url = f"/complaints/{case_no}/steps/lead_review"
        review = {"handling": "exchange", "amount": "0.00", "borrowed_gifts": "kettle (B)"}
        early = await client.post(url, json=review, headers=LEAD)
        assert early.status_code == 409 and early.json()["rule"] == "R2b"
        asked = await client.post(f"/complaints/{case_no}/gift-borrowings", headers=COUNTER,
                                  json={"vendor": "vendor B", "gifts": "a kettle"})
        assert asked.status_code == 201 and asked.json()["counter_staff"] == "K01"
        agree = f"/complaints/{case_no}/gift-borrowings/{asked.json()['id']}/agree"
        assert (await client.post(agree, headers=LEAD)).status_code == 403
        assert (await client.post(agree, headers=token("branch_manager", "M21", "SC02"))
                ).status_code in (403, 404)
        agreed = await client.post(agree, headers=MANAGER)
        assert agreed.status_code == 200 and agreed.json()["organiser_agreed_by"] == "M01"
        assert (await client.post(agree, headers=MANAGER)).status_code == 409
        done = await client.post(url, json=review, headers=LEAD)
        assert done.status_code == 200, done.text


async def test_c3_the_page_files_a_sheet_and_lists_it_for_the_unit(ns) -> None:
    settings = ns.settings("complaints", accounts_file=DEFAULT_FILE, cookie_secure=False)
    app = create_app(settings, clock=FixedClock(NOV))
    async with running(app) as client:
        sign = await client.post("/login", data={"user": "G01", "password": "demo",
                                                 "next": "/"})
        assert sign.status_code == 303
        csrf = app.state.runtime.sessions.read(sign.cookies[COOKIE]).csrf
        page = await client.get("/abnormality?lang=en")
        assert page.status_code == 200 and 'id="abnormality-form"' in page.text
        filed = await client.post("/abnormality", data={
            "description": "loose screw found at inspection", "unit_role": "manufacturing",
            "csrf_token": csrf})
        assert filed.status_code == 303, filed.text
        unit_page = await client.get("/abnormality?lang=zh-Hant", headers=MFG)
        assert unit_page.status_code == 200 and "loose screw" in unit_page.text
        assert 'action="/abnormality/' in unit_page.text  # the unit's improvement form
        assert "異常處理單" in unit_page.text
