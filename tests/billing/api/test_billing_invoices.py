"""Invoices for paid work against real NATS and PostgreSQL (SPEC S10, S13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.events.billing import InvoiceRaised, InvoiceVoided
from tests.helpers import eventually, token

from ..support import completed

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")


async def invoices_of(billing, voucher_no: str) -> list[dict]:
    r = await billing.client.get("/invoices", params={"voucher_no": voucher_no},
                                 headers=ACCOUNTANT)
    assert r.status_code == 200, r.text
    return r.json()


async def test_s10_paid_on_site_job_ends_in_paid_invoice(billing) -> None:
    # 20 visit + 1 h labour 100 + part 2 × 45.50 = 211.00 ≤ 500 → collected on the spot.
    await billing.publish(completed("V-ONSITE", parts=(("P-FUSE", 2, "45.50"),)))
    found = await eventually(lambda: invoices_of(billing, "V-ONSITE"))
    invoice = found[0]
    assert (invoice["amount"], invoice["status"], invoice["collection"]) == (
        "211.00", "paid", "on_site")
    assert invoice["invoice_no"] == "SC01-2026-000001"
    assert invoice["issued_on"] == "2026-03-16" and invoice["balance"] == "0.00"
    assert [(x["kind"], x["amount"]) for x in invoice["lines"]] == [
        ("visit", "20.00"), ("labour", "100.00"), ("part", "91.00")]
    [payment] = invoice["payments"]
    assert payment["receipt_no"] == "RC-SC01-2026-000001"
    assert (payment["amount"], payment["collected_by"], payment["method"]) == (
        "211.00", "T01", "cash")
    assert invoice["mailed_at"] is None  # S10: mailed afterwards
    raised = await eventually(lambda: billing.last(InvoiceRaised))
    assert (raised.invoice_no, raised.status, raised.amount) == (
        "SC01-2026-000001", "paid", "211.00")
    journal = await billing.client.get("/journal", params={"invoice_no": invoice["invoice_no"]},
                                       headers=ACCOUNTANT)
    assert [e["source_type"] for e in journal.json()] == ["invoice", "payment"]
    mailed = await billing.client.post(f"/invoices/{invoice['invoice_no']}/mailed", json={},
                                       headers=ACCOUNTANT)
    assert mailed.status_code == 200 and mailed.json()["mailed_at"] is not None


async def test_s10_above_threshold_issued_same_day_then_collected(billing) -> None:
    # 20 + 4 h × 100 + 2,000 part = 2,420 (the seed's example) > 500 → issued for later.
    await billing.publish(completed("V-BIG", minutes=240, parts=(("P-PANEL", 1, "2000.00"),),
                                    at=datetime(2026, 3, 16, 17, 0, tzinfo=UTC)))
    invoice = (await eventually(lambda: invoices_of(billing, "V-BIG")))[0]
    # 17:00Z is 01:00 on the 17th in Shanghai: the branch's day decides the issue date.
    assert (invoice["amount"], invoice["status"], invoice["issued_on"]) == (
        "2420.00", "issued", "2026-03-17")
    assert invoice["payments"] == []
    url = f"/invoices/{invoice['invoice_no']}/payments"
    r = await billing.client.post(url, json={"amount": "2500.00"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "amount" and r.json()["rule"] == "S10"
    r = await billing.client.post(url, json={"amount": "20.00"}, headers=token("technician", "T01"))
    assert r.status_code == 403
    r = await billing.client.post(url, json={"amount": "1000.00", "method": "transfer"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["balance"]) == ("issued", "1420.00")
    r = await billing.client.post(url, json={"amount": "1420.00"}, headers=ACCOUNTANT)
    assert (r.json()["status"], r.json()["balance"], r.json()["receipt_no"]) == (
        "paid", "0.00", "RC-SC01-2026-000002")
    r = await billing.client.post(url, json={"amount": "1.00"}, headers=ACCOUNTANT)
    assert r.status_code == 409 and r.json()["rule"] == "S10"
    [again] = await invoices_of(billing, "V-BIG")
    assert again["status"] == "paid" and len(again["payments"]) == 2


async def test_s13_carry_in_invoiced_on_return_day(billing) -> None:
    # A cheap carry-in job is still invoiced (issued) on the day the product came back.
    await billing.publish(completed("V-CARRY", mode="carry_in", minutes=30,
                                    at=datetime(2026, 3, 20, 3, 0, tzinfo=UTC)))
    invoice = (await eventually(lambda: invoices_of(billing, "V-CARRY")))[0]
    assert (invoice["status"], invoice["issued_on"], invoice["service_mode"]) == (
        "issued", "2026-03-20", "carry_in")
    assert invoice["amount"] == "70.00"  # 20 visit + 0.5 h × 100


async def test_s10_price_list_per_branch_and_covered_work_not_invoiced(billing) -> None:
    r = await billing.client.put("/price-lists/SC01",
                                 json={"visit_fee": "30.00", "labour_rate_per_hour": "120.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["stored"] is True
    # Issue 11: accountants are branch staff (no branchless token); another branch than
    # the caller's is refused before it is looked up (403; was 422 for a branchless one).
    r = await billing.client.put("/price-lists/NOPE", json={"visit_fee": "1",
                                 "labour_rate_per_hour": "1"}, headers=ACCOUNTANT)
    assert r.status_code == 403
    r = await billing.client.get("/price-lists/NOPE", headers=token("admin", "ADM", None))
    assert r.status_code == 422 and r.json()["field"] == "branch"
    await billing.publish(completed("V-CONTRACT", category="B"))
    await billing.publish(completed("V-WARRANTY", category="C"))
    await billing.publish(completed("V-PRICED", minutes=60))
    invoice = (await eventually(lambda: invoices_of(billing, "V-PRICED")))[0]
    assert invoice["amount"] == "150.00"  # 30 + 120
    for covered in ("V-CONTRACT", "V-WARRANTY"):  # S6 B/C: covered, recorded, not invoiced
        audit = await eventually(lambda v=covered: _audit(billing, "voucher", v))
        assert audit[0]["action"] == "voucher.not_invoiced"
        assert await invoices_of(billing, covered) == []


async def _audit(billing, subject_type: str, subject_id: str) -> list[dict]:
    r = await billing.client.get(f"/admin/audit/{subject_type}/{subject_id}",
                                 headers=token("admin", "ADM", None))
    return r.json() if r.status_code == 200 else []


async def test_s10_void_is_a_reversing_record_and_numbers_stay_gap_free(billing) -> None:
    await billing.publish(completed("V-1", minutes=15))
    await billing.publish(completed("V-2", minutes=15))
    second = (await eventually(lambda: invoices_of(billing, "V-2")))[0]
    first = (await eventually(lambda: invoices_of(billing, "V-1")))[0]
    # Consumers may apply the two in either order; the numbers are the first two, no gap.
    assert {first["invoice_no"], second["invoice_no"]} == {"SC01-2026-000001",
                                                           "SC01-2026-000002"}
    url = f"/invoices/{first['invoice_no']}/void"
    r = await billing.client.post(url, json={"reason": "x"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = await billing.client.post(url, json={"reason": "wrong customer"}, headers=ACCOUNTANT)
    assert r.status_code == 200, r.text
    voided = r.json()
    assert voided["status"] == "void" and voided["void"]["amount"] == "-45.00"
    assert voided["lines"] == first["lines"]  # never edited
    assert [p["amount"] for p in voided["payments"]] == ["45.00", "-45.00"]  # refund
    journal = (await billing.client.get("/journal", params={"invoice_no": first["invoice_no"]},
                                        headers=ACCOUNTANT)).json()
    assert len(journal) == 4 and sum(e["reverses_entry_id"] is not None for e in journal) == 2
    net = {}
    for entry in journal:
        for line in entry["lines"]:
            net[line["account"]] = net.get(line["account"], 0) + float(line["debit"]) - float(
                line["credit"])
    assert all(v == 0 for v in net.values())
    r = await billing.client.post(url, json={"reason": "again"}, headers=ACCOUNTANT)
    assert r.status_code == 409
    voided_event = await eventually(lambda: billing.last(InvoiceVoided))
    assert voided_event.reason == "wrong customer"
    audit = await _audit(billing, "invoice", first["invoice_no"])
    assert (audit[-1]["action"], audit[-1]["by"]) == ("invoice.voided", "A01")


async def test_s10_invoice_queries_need_a_filter_and_a_token(billing) -> None:
    r = await billing.client.get("/invoices", headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "voucher_no"
    assert (await billing.client.get("/invoices", params={"voucher_no": "V"})).status_code == 401
    r = await billing.client.get("/invoices/SC01-2026-999999", headers=ACCOUNTANT)
    assert r.status_code == 404 and r.json()["field"] == "invoice_no"


async def test_s13_invoice_numbers_gap_free_under_concurrent_completions(billing) -> None:
    vouchers = [f"V-C{i:02d}" for i in range(12)]
    for voucher_no in vouchers:  # consumed in batches, applied concurrently
        await billing.publish(completed(voucher_no, minutes=15))

    async def all_invoiced() -> list[dict] | None:
        r = await billing.client.get("/invoices", params={"branch": "SC01"}, headers=ACCOUNTANT)
        return r.json() if len(r.json()) == len(vouchers) else None

    invoices = await eventually(all_invoiced)
    assert sorted(i["invoice_no"] for i in invoices) == [
        f"SC01-2026-{n:06d}" for n in range(1, 13)]
    assert sorted(i["voucher_no"] for i in invoices) == vouchers
    receipts = sorted(i["payments"][0]["receipt_no"] for i in invoices)
    assert receipts == [f"RC-SC01-2026-{n:06d}" for n in range(1, 13)]
