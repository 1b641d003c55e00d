"""Issue 11: billing honours the token's branch, and refuses bad input with a 4xx.

SC01's records are refused (403, the same answer everywhere in billing) to SC02 staff,
and listings cover only the caller's branch; a branchless head-office token sees all.
"""

from __future__ import annotations

import pytest

from shared.events.intake import CallRegistered
from tests.helpers import eventually, token

from ..support import completed

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
OTHER = token("accountant", "A21", "SC02")
OTHER_CLERK = token("clerk", "C21", "SC02")
HEAD_OFFICE = token("service_dept", "SD1", None)


async def _invoice(billing, voucher_no: str) -> dict:
    async def probe() -> list[dict] | None:
        r = await billing.client.get("/invoices", params={"voucher_no": voucher_no},
                                     headers=ACCOUNTANT)
        return r.json() if r.status_code == 200 and r.json() else None
    return (await eventually(probe))[0]


async def test_issue11_other_branch_cannot_read_or_write_sc01_invoices(billing) -> None:
    await billing.publish(completed("V-SC01"))
    invoice = await _invoice(billing, "V-SC01")
    number = invoice["invoice_no"]
    for headers in (OTHER, OTHER_CLERK):
        r = await billing.client.get("/invoices", params={"voucher_no": "V-SC01"},
                                     headers=headers)
        assert r.status_code == 200 and r.json() == []  # filtered to the caller's branch
        r = await billing.client.get(f"/invoices/{number}", headers=headers)
        assert r.status_code == 403 and r.json()["field"] == "invoice_no"
        r = await billing.client.get("/invoices", params={"branch": "SC01"}, headers=headers)
        assert r.status_code == 403
    r = await billing.client.post(f"/invoices/{number}/mailed", json={}, headers=OTHER)
    assert r.status_code == 403
    r = await billing.client.post(f"/invoices/{number}/void", json={"reason": "not mine"},
                                  headers=OTHER)
    assert r.status_code == 403
    r = await billing.client.get("/journal", params={"invoice_no": number},
                                 headers=token("accountant", "A21", "SC02"))
    assert r.status_code == 403
    again = (await billing.client.get(f"/invoices/{number}", headers=ACCOUNTANT)).json()
    assert again["mailed_at"] is None and again["status"] == "paid"  # nothing was written
    r = await billing.client.get(f"/invoices/{number}", headers=HEAD_OFFICE)
    assert r.status_code == 200
    r = await billing.client.get("/invoices", params={"voucher_no": "V-SC01"},
                                 headers=HEAD_OFFICE)
    assert [i["invoice_no"] for i in r.json()] == [number]


async def test_issue11_other_branch_cannot_read_sc01_vouchers(billing) -> None:
    await billing.publish(CallRegistered(
        call_id=7001, voucher_no="V-KNOWN", branch="SC01", customer_id=5,
        customer_name="Wu Mei", district="Xuhui", product_id=9, model="TV-1", serial="S1",
        symptom="no picture", category="A", sla_class="urban",
        received_at=billing.clock.now(), arrival_due_at=billing.clock.now(),
        registered_by="C01"))

    async def known() -> dict | None:
        r = await billing.client.get("/vouchers/V-KNOWN", headers=ACCOUNTANT)
        return r.json() if r.status_code == 200 else None

    assert (await eventually(known))["branch"] == "SC01"
    r = await billing.client.get("/vouchers/V-KNOWN", headers=OTHER)
    assert r.status_code == 403 and r.json()["field"] == "voucher_no"


async def test_issue11_inputs_are_refused_with_a_4xx(billing) -> None:
    r = await billing.client.get("/extended-warranty/quote",
                                 params={"product_price": "1e26", "years": 1},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "product_price"
    r = await billing.client.get("/extended-warranty/quote",
                                 params={"product_price": "6000.005", "years": 1},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "product_price"
    await billing.publish(completed("V-INPUT", minutes=240, parts=(("P-PANEL", 1, "2000.00"),)))
    number = (await _invoice(billing, "V-INPUT"))["invoice_no"]
    url = f"/invoices/{number}/payments"
    for paid_at in ("0001-01-01T00:00:00+00:00", "2099-01-01T00:00:00+00:00"):
        r = await billing.client.post(url, json={"amount": "10.00", "paid_at": paid_at},
                                      headers=ACCOUNTANT)
        assert r.status_code == 422, (paid_at, r.text)
        assert r.json()["field"] == "paid_at" or "paid_at" in r.json()["detail"]
    for amount in (10.5, "10.005", "NaN", "1e26", True):
        r = await billing.client.post(url, json={"amount": amount}, headers=ACCOUNTANT)
        assert r.status_code == 422, (amount, r.text)
    r = await billing.client.post(url, json={"amount": "10.00", "collected_by": "A\x0001"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 422
    r = await billing.client.post(f"/invoices/{number}/void", json={"reason": "bad\x00input"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 422
    r = await billing.client.post("/contracts", json={
        "branch": "SC01", "customer_id": 2**31, "product_id": 1, "starts_on": "2026-04-01",
        "ends_on": "2027-03-31", "fee": "100.00"}, headers=ACCOUNTANT)
    assert r.status_code == 422
    r = await billing.client.post("/contracts", json={
        "branch": "SC01", "customer_id": True, "product_id": 1, "starts_on": "2026-04-01",
        "ends_on": "2027-03-31", "fee": "100.00"}, headers=ACCOUNTANT)
    assert r.status_code == 422
    r = await billing.client.post("/journal/99999999999/reverse", json={"reason": "typo"},
                                  headers=ACCOUNTANT)
    assert r.status_code in (404, 422)
    r = await billing.client.get("/invoices/SC01%002026", headers=ACCOUNTANT)
    assert r.status_code in (404, 422)
    [unchanged] = (await billing.client.get("/invoices", params={"voucher_no": "V-INPUT"},
                                            headers=ACCOUNTANT)).json()
    assert unchanged["payments"] == [] and unchanged["status"] == "issued"
