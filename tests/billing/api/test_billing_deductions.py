"""Penalty deductions against monthly bonuses, end to end (SPEC P6, P7, P8)."""

from __future__ import annotations

import pytest

from shared.events.complaints import PenaltyNoticePublished
from tests.helpers import eventually, token

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")


def notice(notice_no: str, amount: str, month: str, person: str = "P1") -> PenaltyNoticePublished:
    """One person's economic penalty from a published notice (what complaints sends, P8)."""
    return PenaltyNoticePublished(notice_no=notice_no, case_no="260201", month=month,
                                  person_id=person, unit="assembly", amount=amount)


async def deduction(billing, month: str, person: str = "P1", headers=ACCOUNTANT) -> dict:
    r = await billing.client.get("/deductions", params={"person_id": person, "month": month},
                                 headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_p7_penalty_notice_ends_in_deductions_over_several_months(billing) -> None:
    for month, amount in (("2026-03", "1000.00"), ("2026-04", "1200.00"),
                          ("2026-05", "1000.00")):
        r = await billing.client.put(f"/bonuses/P1/{month}",
                                     json={"amount": amount, "base_points": "3"},
                                     headers=ACCOUNTANT)
        assert r.status_code == 200, r.text
    # Decided in February, published in March (P8): deducted from March on.
    await billing.publish(notice("PN-2602-01", "1500.00", "2026-02"))
    await billing.publish(notice("PN-2602-01", "1500.00", "2026-02"))  # re-sent: once only
    await billing.publish(notice("PN-2603-04", "300.00", "2026-03"))
    await eventually(lambda: billing.drained("penalty-notice"))
    march = await deduction(billing, "2026-03")
    assert (march["bonus"], march["cap"], march["amount"]) == ("1000.00", "500.00", "500.00")
    assert (march["carried_in"], march["carried_forward"]) == ("1500.00", "1000.00")
    april = await deduction(billing, "2026-04")
    assert [(i["notice_no"], i["amount"]) for i in april["instalments"]] == [
        ("PN-2602-01", "600.00")]  # the older penalty fills April's 50 % cap first
    assert (april["carried_in"], april["carried_forward"]) == ("1300.00", "700.00")
    may = await deduction(billing, "2026-05")
    assert [(i["notice_no"], i["amount"]) for i in may["instalments"]] == [
        ("PN-2602-01", "400.00"), ("PN-2603-04", "100.00")]
    assert (may["amount"], may["carried_forward"]) == ("500.00", "200.00")
    june = await deduction(billing, "2026-06")  # no bonus recorded yet: nothing taken
    assert (june["bonus"], june["amount"], june["carried_forward"]) == (None, "0.00", "200.00")
    await billing.client.put("/bonuses/P1/2026-06", json={"amount": "900.00"},
                             headers=ACCOUNTANT)
    june = await deduction(billing, "2026-06", headers=token("technician", "P1"))
    assert (june["amount"], june["carried_forward"]) == ("200.00", "0.00")
    assert [p["remaining"] for p in june["penalties"]] == ["0.00", "0.00"]


async def test_p7_bonus_input_is_checked_and_only_accounting_records_it(billing) -> None:
    r = await billing.client.put("/bonuses/P2/2026-13", json={"amount": "10.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "month"
    r = await billing.client.put("/bonuses/P2/2026-03", json={"amount": "-10.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "amount"
    r = await billing.client.put("/bonuses/P2/2026-03", json={"amount": "10.001"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "amount"
    r = await billing.client.put("/bonuses/P2/2026-03", json={"amount": "10.00"},
                                 headers=token("clerk", "C01"))
    assert r.status_code == 403
    r = await billing.client.get("/deductions", params={"person_id": "P2", "month": "2026-03"},
                                 headers=token("technician", "P1"))
    assert r.status_code == 403  # a person reads only their own deductions
