"""The staff register, decisions priced from it, the stored schedule and the month close,
end to end on NATS and a real database (SPEC P2, P3, P6, P7)."""

from __future__ import annotations

from itertools import count

import pytest

from shared.events.complaints import PenaltyDecided
from tests.helpers import eventually, token

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
GM_OFFICE = token("gm_office", "G01")
_ids = count(1)


def decided(*, month: str, person: str | None = None, unit: str | None = None,
            share: str | None = None, grade: str | None = None, amount: str | None = None,
            supersedes: int | None = None, decision_id: int | None = None) -> PenaltyDecided:
    """What complaints publishes for one decision (references, not numbers)."""
    kind = "economic" if share is not None else "administrative"
    return PenaltyDecided(
        decision_id=decision_id or next(_ids), case_no="261101", kind=kind, month=month,
        department="manufacturing", unit=unit, person_id=person, loss_share=share,
        grade=grade, amount=amount, supersedes=supersedes,
        reason="corrected" if supersedes else None, decided_by="G01")


async def staff(billing, person: str, unit: str, points: str, month: str = "2026-01",
                section: str | None = None) -> dict:
    r = await billing.client.put(f"/staff/{person}", headers=ACCOUNTANT, json={
        "name": person, "unit": unit, "section": section, "base_points": points,
        "effective_month": month})
    assert r.status_code == 200, r.text
    return r.json()


async def bonus(billing, person: str, month: str, amount: str, status: int = 200) -> None:
    r = await billing.client.put(f"/bonuses/{person}/{month}", json={"amount": amount},
                                 headers=ACCOUNTANT)
    assert r.status_code == status, r.text


async def deduction(billing, month: str, person: str = "P1", headers=ACCOUNTANT) -> dict:
    r = await billing.client.get("/deductions", params={"person_id": person, "month": month},
                                 headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def delivered(billing, *events: PenaltyDecided) -> None:
    for event in events:
        await billing.publish(event)
    await eventually(lambda: billing.drained("penalty-decided"))


async def test_p6_unit_share_priced_from_the_register_by_base_points(billing) -> None:
    await staff(billing, "W1", "line2", "2", section="assembly")
    await staff(billing, "W2", "line2", "1", section="assembly")
    await staff(billing, "W3", "line3", "1", section="assembly")
    for person in ("W1", "W2", "W3"):
        await bonus(billing, person, "2026-03", "4000.00")
    await delivered(billing, decided(month="2026-03", unit="line2", share="900.00"),
                    decided(month="2026-03", unit="assembly", share="400.00"))
    assert (await deduction(billing, "2026-03", "W1"))["amount"] == "800.00"  # 600 + 200
    assert (await deduction(billing, "2026-03", "W2"))["amount"] == "400.00"  # 300 + 100
    w3 = await deduction(billing, "2026-03", "W3")
    assert w3["amount"] == "100.00"
    assert w3["penalties"][0]["basis"].startswith("400.00 ÷ 4")


async def test_p6_a_unit_the_register_does_not_know_is_held_then_priced(billing) -> None:
    held = decided(month="2026-03", unit="packing", share="300.00")
    await delivered(billing, held)
    r = await billing.client.get("/deductions/decisions", params={"status": "held"},
                                 headers=GM_OFFICE)
    assert [d["decision_id"] for d in r.json()] == [held.decision_id]
    await staff(billing, "K1", "packing", "1")
    r = await billing.client.post(f"/deductions/decisions/{held.decision_id}/price",
                                  headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["status"] == "priced"
    assert (await deduction(billing, "2026-03", "K1"))["carried_in"] == "300.00"


async def test_p3_major_demerit_takes_the_whole_months_bonus_in_that_month_uncapped(
    billing,
) -> None:
    await staff(billing, "P1", "export", "1.5")
    await bonus(billing, "P1", "2026-03", "3000.00")
    await bonus(billing, "P1", "2026-04", "3000.00")
    await delivered(billing, decided(month="2026-03", person="P1", grade="major_demerit"),
                    decided(month="2026-03", person="P1", grade="minor_demerit"),
                    decided(month="2026-03", person="P1", share="1000.00"))
    march = await deduction(billing, "2026-03")
    kinds = {i["kind"]: i["amount"] for i in march["instalments"]}
    # the whole March bonus (not 50 % over two months) plus 800 × 1.5 base points, no cap;
    # the bonus is gone, so the economic share waits for April
    assert kinds == {"major": "3000.00", "administrative": "1200.00"}
    assert march["amount"] == "4200.00"
    april = await deduction(billing, "2026-04")
    assert [(i["kind"], i["amount"]) for i in april["instalments"]] == [
        ("economic", "1000.00")]


async def test_p7_economic_capped_at_half_carried_over_from_the_decisions_month(billing) -> None:
    await staff(billing, "P1", "export", "1")
    for month, amount in (("2026-03", "1000.00"), ("2026-04", "1200.00"),
                          ("2026-05", "1000.00")):
        await bonus(billing, "P1", month, amount)
    first = decided(month="2026-03", person="P1", share="1500.00")
    await delivered(billing, first, first)  # delivered twice: priced once
    await delivered(billing, decided(month="2026-04", person="P1", share="300.00"))
    march = await deduction(billing, "2026-03")  # the decision's month, not the month after
    assert (march["bonus"], march["cap"], march["amount"]) == ("1000.00", "500.00", "500.00")
    assert (march["carried_in"], march["carried_forward"]) == ("1500.00", "1000.00")
    april = await deduction(billing, "2026-04")
    assert [i["amount"] for i in april["instalments"]] == ["600.00"]  # the older one first
    may = await deduction(billing, "2026-05")
    assert [i["amount"] for i in may["instalments"]] == ["400.00", "100.00"]
    assert (may["amount"], may["carried_forward"]) == ("500.00", "200.00")
    june = await deduction(billing, "2026-06")  # no bonus recorded yet: nothing taken
    assert (june["bonus"], june["amount"], june["carried_forward"]) == (None, "0.00", "200.00")
    await bonus(billing, "P1", "2026-06", "900.00")
    june = await deduction(billing, "2026-06", headers=token("technician", "P1"))
    assert (june["amount"], june["carried_forward"]) == ("200.00", "0.00")


async def test_p7_month_close_is_immutable_corrections_go_to_the_earliest_open_month(
    billing,
) -> None:
    await staff(billing, "P1", "export", "1")
    await bonus(billing, "P1", "2026-02", "1000.00")
    await bonus(billing, "P1", "2026-03", "1000.00")
    original = decided(month="2026-02", person="P1", share="800.00")
    await delivered(billing, original)
    assert (await deduction(billing, "2026-02"))["amount"] == "500.00"
    r = await billing.client.post("/deductions/months/2026-02/close", headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["closed_through"] == "2026-02"
    r = await billing.client.post("/deductions/months/2026-04/close", headers=ACCOUNTANT)
    assert (r.status_code, r.json()["rule"]) == (409, "P7")  # in order: March first
    # Editing a closed month's bonus is refused; its deduction stays as closed.
    await bonus(billing, "P1", "2026-02", "400.00", status=409)
    r = await billing.client.put("/staff/P1", headers=ACCOUNTANT, json={
        "name": "P1", "unit": "export", "base_points": "2", "effective_month": "2026-02"})
    assert r.status_code == 409
    feb = await deduction(billing, "2026-02")
    assert (feb["amount"], feb["closed"]) == ("500.00", True)
    # A correction of the February decision: reversal + new entry, in March (open).
    await delivered(billing, decided(month="2026-03", person="P1", share="300.00",
                                     supersedes=original.decision_id))
    feb = await deduction(billing, "2026-02")
    assert feb["amount"] == "500.00"  # untouched
    march = await deduction(billing, "2026-03")
    assert sorted((i["reversal"], i["amount"]) for i in march["instalments"]) == [
        (False, "300.00"), (True, "-500.00")]  # repay February's 500, take the new 300
    assert march["amount"] == "-200.00" and march["carried_forward"] == "0.00"
    # A changed open-month bonus re-plans only the open month.
    await bonus(billing, "P1", "2026-03", "400.00")
    march = await deduction(billing, "2026-03")
    assert sorted(i["amount"] for i in march["instalments"]) == ["-500.00", "200.00"]
    assert (await deduction(billing, "2026-02"))["amount"] == "500.00"
    r = await billing.client.get("/deductions/decisions", headers=GM_OFFICE)
    assert {d["decision_id"]: d["status"] for d in r.json()}[original.decision_id] == (
        "superseded")


async def test_p6_register_keeps_history_and_only_accounting_writes_it(billing) -> None:
    await staff(billing, "P2", "export", "1", month="2026-01")
    await staff(billing, "P2", "export", "1.5", month="2026-03")
    await bonus(billing, "P2", "2026-03", "10.00")
    await bonus(billing, "P2", "2026-03", "20.00")
    r = await billing.client.get("/staff/P2", headers=GM_OFFICE)
    body = r.json()
    assert body["base_points"] == "1.50"
    assert [(h["effective_month"], h["base_points"]) for h in body["history"]] == [
        ("2026-01", "1.00"), ("2026-03", "1.50")]
    assert [(c["amount"], c["before"]) for c in body["bonus_changes"]] == [
        ("10.00", None), ("20.00", "10.00")]
    r = await billing.client.put("/bonuses/P2/2026-13", json={"amount": "10.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "month"
    for wrong in ({"amount": "-10.00"}, {"amount": "10.001"},
                  {"amount": "10.00", "base_points": "3"}):
        r = await billing.client.put("/bonuses/P2/2026-03", json=wrong, headers=ACCOUNTANT)
        assert r.status_code == 422, wrong
    r = await billing.client.put("/bonuses/P9/2026-03", json={"amount": "10.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 404  # not in the register
    for role in ("clerk", "gm_office"):
        r = await billing.client.put("/bonuses/P2/2026-03", json={"amount": "10.00"},
                                     headers=token(role, "X1"))
        assert r.status_code == 403
    r = await billing.client.get("/deductions", params={"person_id": "P2", "month": "2026-03"},
                                 headers=token("technician", "P1"))
    assert r.status_code == 403  # a person reads only their own deductions
