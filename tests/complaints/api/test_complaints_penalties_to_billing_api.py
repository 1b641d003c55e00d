"""A penalty decision in complaints becomes a deduction in billing, through NATS: the
decision names the unit, billing prices it from its register (SPEC P2, P3, P6, P7)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from services.billing.app import create_app as billing_app
from services.complaints.app import create_app as complaints_app
from shared.clock import FixedClock
from tests.helpers import eventually, running, token

from ..support import GM, GM_OFFICE, SALES, SALES_MANAGER, file, step, walk_to_approval

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
ACCOUNTANT = token("accountant", "A01")


async def test_p6_p7_decision_in_complaints_ends_as_a_priced_deduction_in_billing(ns) -> None:
    clock = FixedClock(NOV)
    async with AsyncExitStack() as stack:
        complaints = await stack.enter_async_context(
            running(complaints_app(ns.settings("complaints"), clock=clock)))
        billing = await stack.enter_async_context(
            running(billing_app(ns.settings("billing"), clock=clock)))
        for person, points in (("W1", "2"), ("W2", "1"), ("E-S1", "1")):
            r = await billing.put(f"/staff/{person}", headers=ACCOUNTANT, json={
                "name": person, "unit": "line2" if person != "E-S1" else "export",
                "section": "assembly" if person != "E-S1" else None, "base_points": points,
                "effective_month": "2026-01"})
            assert r.status_code == 200, r.text
            r = await billing.put(f"/bonuses/{person}/2026-11", headers=ACCOUNTANT,
                                  json={"amount": "1000.00"})
            assert r.status_code == 200, r.text

        case_no = (await file(complaints))["case_no"]
        await walk_to_approval(complaints, case_no, handling="allowance")
        await step(complaints, case_no, "approval", SALES_MANAGER, approved=True)
        await step(complaints, case_no, "execution", SALES)
        r = await complaints.post(f"/complaints/{case_no}/penalties/economic",
                                  headers=GM_OFFICE, json={"loss": "1200.00", "parties": [
                                      {"department": "manufacturing", "unit": "assembly",
                                       "group": "line2"}]})
        assert r.status_code == 201, r.text
        r = await complaints.post(f"/complaints/{case_no}/penalties/administrative",
                                  headers=GM_OFFICE, json={
                                      "person_id": "E-S1", "department": "sales",
                                      "unit": "export", "level": "major_demerit",
                                      "ground": "late_delivery"})
        assert r.status_code == 201, r.text
        # SPEC P3b: the GM office's petition is priced only once the GM approves it.
        r = await complaints.post(f"/penalty-decisions/{r.json()['id']}/approve", headers=GM)
        assert r.status_code == 200, r.text

        async def deduction(person: str) -> dict | None:
            r = await billing.get("/deductions", params={"person_id": person,
                                                         "month": "2026-11"},
                                  headers=ACCOUNTANT)
            body = r.json()
            return body if body["instalments"] else None

        w1 = await eventually(lambda: deduction("W1"), within=15)
        # P6: 1,200 over line2's 3 points, W1 holds 2 → 800; P7: half of 1,000 this month
        assert (w1["carried_in"], w1["amount"], w1["carried_forward"]) == (
            "800.00", "500.00", "300.00")
        w2 = await eventually(lambda: deduction("W2"), within=15)
        assert (w2["carried_in"], w2["amount"]) == ("400.00", "400.00")
        es1 = await eventually(lambda: deduction("E-S1"), within=15)
        assert (es1["amount"], es1["instalments"][0]["kind"]) == ("1000.00", "major")  # P3
