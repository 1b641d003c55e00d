"""Through HTTP: claimed times (SPEC CT1) on the timeline, and approval on the record
(C9.4, C9.11): a higher authority approves a lower amount, a lower one is 403, execution
above the approved amount is 422, and the case answer shows who approved what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.helpers import running

from ..support import GM, GM_OFFICE, MFG, QA, SALES, SALES_MANAGER, file, step, walk_to_approval

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


async def test_ct1_timeline_shows_receipt_and_back_dated_entries(ns) -> None:
    clock = FixedClock(T0)
    async with running(create_app(ns.settings("complaints"), clock=clock)) as client:
        case_no = (await file(client))["case_no"]
        clock.advance(timedelta(days=1))
        typed = (T0 + timedelta(hours=2)).isoformat()
        r = await client.post(f"/complaints/{case_no}/steps/registration", headers=GM_OFFICE,
                              json={"at": typed})
        assert (r.status_code, r.json()["field"], r.json()["rule"]) == (
            422, "backdate_reason", "CT1")
        await step(client, case_no, "registration", GM_OFFICE, at=typed,
                   backdate_reason="keyed from the paper register")
        clock.advance(timedelta(hours=10))
        r = await client.post(f"/complaints/{case_no}/steps/qa_analysis", headers=QA, json={
            "cause": "voids", "responsible_unit": "assembly", "rnd_required": False,
            "at": (clock.now() - timedelta(hours=9)).isoformat(), "backdate_reason": "late"})
        assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "at", "CT1")
        r = await client.post("/complaints", headers=SALES, json={
            "profile": "manufacturer", "market": "domestic", "classification": "quality",
            "customer": "Acme", "order_no": "SO-1", "part_no": "P-1", "ship_date": "2026-10-01",
            "quantity": 5, "demand": "refund",
            "received_at": (clock.now() - timedelta(days=2)).isoformat()})
        assert (r.status_code, r.json()["field"], r.json()["rule"]) == (
            422, "received_at", "CT1")
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        [entry] = case["timeline"]
        assert datetime.fromisoformat(entry["at"]) == T0 + timedelta(hours=2)
        assert datetime.fromisoformat(entry["recorded_at"]) == T0 + timedelta(days=1)
        assert entry["backdated"] is True and entry["backdate_approved_by"] == "E-G1"
        assert datetime.fromisoformat(case["received_recorded_at"]) == T0
        assert case["received_backdated"] is False
        assert case["step_due_provisional"] is False and case["case_due_provisional"] is False


async def test_c9_4_c9_11_approval_by_authority_and_execution_within_it(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        small = (await file(client))["case_no"]
        await walk_to_approval(client, small, amount="1000.00")
        await step(client, small, "approval", GM, approved=True)  # a higher authority may
        r = await client.post(f"/complaints/{small}/steps/execution", headers=SALES,
                              json={"amount": "1000.01"})
        assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "amount", "C9.11")
        closed = await step(client, small, "execution", SALES)
        assert closed["status"] == "closed"
        assert (closed["approved_amount"], closed["approved_by"], closed["approved_role"]) == (
            "1000.00", "E-GM", "gm")

        big = (await file(client))["case_no"]
        await walk_to_approval(client, big, amount="60000.00")
        r = await client.post(f"/complaints/{big}/steps/approval", headers=SALES_MANAGER,
                              json={"approved": True})
        assert r.status_code == 403

        over = (await file(client))["case_no"]
        await step(client, over, "registration", GM_OFFICE)
        await step(client, over, "qa_analysis", QA, cause="voids", rnd_required=False,
                   responsible_unit="assembly")
        await step(client, over, "manufacturing_countermeasure", MFG, countermeasure="x")
        r = await client.post(f"/complaints/{over}/steps/sales_negotiation", headers=SALES,
                              json={"handling": "allowance", "amount": "99999999.00"})
        assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "amount", "C9.11")
