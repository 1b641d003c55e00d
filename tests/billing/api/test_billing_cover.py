"""Extended warranty for real, through HTTP and NATS (SPEC E1, E3, E4, E5, C13.2, CT1;
issue 13 items 1, 4, 5, 8d)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.billing.service.warranty_rule import DEFAULT_FILE
from shared.events.billing import CoverGranted, CoverRefused
from shared.events.complaints import ComplaintFiled
from shared.events.intake import CallRegistered, PosSaleRegistered
from tests.helpers import eventually, token

from ..support import START, completed
from .test_billing_returns import copy

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
MANAGER = token("branch_manager", "M01")
COUNTER = token("counter", "K01")


async def _get(billing, url: str, headers=ACCOUNTANT, **params):
    r = await billing.client.get(url, headers=headers, params=params)
    return r.json() if r.status_code == 200 and r.json() else None


async def _covered_call(billing, voucher_no: str, product_id: int) -> str:
    """A POS sale with a 2-year extended warranty, then a B call on the product."""
    await billing.publish(PosSaleRegistered(
        store_id="ST01", transaction_id=f"TX-{product_id}", branch="SC01", customer_id=7,
        product_id=product_id, model="TV-55", serial=f"SN-{product_id}", price="6000.00",
        sold_on=date(2025, 1, 31), warranty_ends_on=date(2026, 1, 31),
        extended_warranty_years=2))
    await billing.publish(CallRegistered(
        call_id=product_id, voucher_no=voucher_no, branch="SC01", customer_id=7,
        customer_name="Wu Mei", district="Xuhui", product_id=product_id, model="TV-55",
        serial=f"SN-{product_id}", symptom="no picture", category="B", sla_class="urban",
        received_at=START, arrival_due_at=START, registered_by="C01"))
    await eventually(lambda: billing.drained("pos-sale"))
    await eventually(lambda: billing.drained("call-registered"))
    [warranty] = [c for c in await billing.all(CoverGranted) if c.product_id == product_id]
    return warranty.ref


def _b(voucher_no: str, **found) -> object:
    call_id = int(voucher_no.rsplit("-", 1)[1])  # as _covered_call registered it
    return completed(voucher_no, category="B", parts=(("P-BOARD", 1, "400.00"),)).model_copy(
        update={"call_id": call_id, **found})


async def test_e1_changed_price_file_is_quoted_by_the_running_service(
        billing, monkeypatch, tmp_path: Path) -> None:
    file = tmp_path / "extended_warranty.json"
    raw = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    file.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv("AFTERSALES_BILLING_EXTENDED_WARRANTY_FILE", str(file))
    params = {"product_price": "6000", "years": 1}
    r = await billing.client.get("/extended-warranty/quote", params=params, headers=COUNTER)
    assert r.json() == {"years": 1, "price": "279.00"}
    raw["points"][1]["prices"] = ["5000", "9000", "13000", "17000", "21000"]  # 10 % a year
    file.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    r = await billing.client.get("/extended-warranty/quote", params=params, headers=COUNTER)
    assert r.json() == {"years": 1, "price": "600.00"}
    # No band edge: 4,000.00 and 4,000.01 cost the same whole yuan, 8,000 twice 4,000.
    quotes = [(await billing.client.get("/extended-warranty/quote", headers=COUNTER, params={
        "product_price": p, "years": 4})).json()["price"] for p in ("4000.00", "4000.01", "8000")]
    assert quotes == ["1360.00", "1360.00", "2720.00"]


async def test_e3_misuse_makes_a_covered_call_a_and_tells_intake(billing) -> None:
    ref = await _covered_call(billing, "SC01-V-900", 900)
    await billing.publish(_b("SC01-V-900", component="main_board", cause="misuse"))
    refused = await eventually(lambda: billing.last(CoverRefused))
    assert (refused.voucher_no, refused.call_id, refused.ref, refused.reason,
            refused.category) == ("SC01-V-900", 900, ref, "misuse", "A")
    [invoice] = await eventually(lambda: _get(billing, "/invoices", voucher_no="SC01-V-900"))
    assert (invoice["amount"], invoice["status"], invoice["source"]) == (
        "520.00", "issued", "service")
    voucher = await _get(billing, "/vouchers/SC01-V-900")
    assert (voucher["product_id"], voucher["cover"]["covered"], voucher["cover"]["reason"]) == (
        900, False, "misuse")


async def test_e5_e4_covered_unrepairable_unit_claim_and_replacement(billing) -> None:
    ref = await _covered_call(billing, "SC01-V-901", 901)
    await billing.publish(_b("SC01-V-901", component="display", cause="defect",
                             repairable=False))
    [claim] = await eventually(lambda: _get(billing, "/claims", voucher_no="SC01-V-901"))
    assert (claim["kind"], claim["ref"], claim["provider"], claim["amount"], claim["status"]) == (
        "repair", ref, "EWP-DEMO", "520.00", "open")
    assert [x["kind"] for x in claim["lines"]] == ["visit", "labour", "part"]
    url = f"/claims/{claim['claim_no']}"
    assert (await billing.client.post(f"{url}/submit", json={}, headers=MANAGER)).status_code == 403
    r = await billing.client.post(f"{url}/settle", json={"outcome": "paid"}, headers=ACCOUNTANT)
    assert (r.status_code, r.json()["rule"]) == (409, "E5")
    r = await billing.client.post(f"{url}/submit", json={"provider_ref": "EWP-1"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = await billing.client.post(f"{url}/settle", json={"outcome": "rejected", "note": "late"},
                                  headers=ACCOUNTANT)
    assert (r.json()["status"], r.json()["settled_by"]) == ("rejected", "A01")

    [request] = await eventually(lambda: _get(billing, "/replacements", status="pending"))
    assert (request["request_no"], request["warranty_no"]) == ("RR-SC01-V-901", ref)
    approve = f"/replacements/{request['request_no']}/approve"
    assert (await billing.client.post(approve, json={}, headers=ACCOUNTANT)).status_code == 403
    r = await billing.client.post(approve, json={"note": "panel discontinued"}, headers=MANAGER)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decided_by"], r.json()["decided_role"]) == (
        "approved", "M01", "branch_manager")
    again = await billing.client.post(f"/replacements/{request['request_no']}/refuse",
                                      json={"reason": "changed mind"}, headers=MANAGER)
    assert (again.status_code, again.json()["rule"]) == (409, "E4")
    warranty = await _get(billing, f"/extended-warranties/{ref}")
    assert (warranty["replaced_on"], warranty["replacement_no"]) == (
        "2026-03-16", request["request_no"])
    kinds = sorted((c["kind"], c["amount"]) for c in await _get(
        billing, "/claims", voucher_no="SC01-V-901"))
    assert kinds == [("repair", "520.00"), ("replacement", "6000.00")]
    other = token("accountant", "A21", "SC02")
    assert (await billing.client.get(url, headers=other)).status_code == 403
    assert await _get(billing, "/claims", headers=other) is None


async def test_c13_2_1_order_ratio_frozen_while_a_return_is_pending(billing) -> None:
    await billing.publish(copy("260399", order_no="PO-99"))
    await eventually(lambda: _get(billing, "/return-slips/RS-260399"))
    r = await billing.client.put("/orders/PO-99/over-acceptance-ratio", json={"ratio": "0.5"},
                                 headers=token("sales", "SA1"))
    assert (r.status_code, r.json()["rule"], r.json()["field"]) == (409, "C13.2(1)", "ratio")
    slip = await _get(billing, "/return-slips/RS-260399")
    assert slip["ratio"] == "0.0500"  # frozen when the slip opened


async def test_c13_2_3_receivable_left_out_from_filing(billing) -> None:
    await billing.publish(ComplaintFiled(
        case_no="260400", profile="manufacturer", classification="quality",
        filed_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC), part_no="PN-400", order_no="PO-4",
        customer="Acme Trading", market="domestic"))
    await eventually(lambda: billing.drained("complaint-filed"))
    body = {"salesperson": "SA1", "month": "2026-03", "part_no": "PN-400", "order_no": "PO-4",
            "amount_due": "1000.00", "amount_collected": "0.00"}
    assert (await billing.client.post("/receivables", json=body,
                                      headers=ACCOUNTANT)).status_code == 201
    rate = await _get(billing, "/collection-rate", salesperson="SA1", month="2026-03")
    assert [x["case_no"] for x in rate["excluded"]] == ["260400"] and rate["rate"] is None


async def test_ct1_late_payment_needs_the_branch_manager_and_a_reason(billing) -> None:
    await billing.publish(completed("SC01-V-902", parts=(("P-X", 1, "1000.00"),)))
    [invoice] = await eventually(lambda: _get(billing, "/invoices", voucher_no="SC01-V-902"))
    url = f"/invoices/{invoice['invoice_no']}/payments"
    late = (START - timedelta(days=3)).isoformat()
    r = await billing.client.post(url, json={"amount": "100.00", "paid_at": late,
                                             "backdate_reason": "found"}, headers=ACCOUNTANT)
    assert (r.status_code, r.json()["rule"], r.json()["field"]) == (422, "CT1", "paid_at")
    r = await billing.client.post(url, json={"amount": "100.00", "paid_at": late},
                                  headers=MANAGER)
    assert (r.status_code, r.json()["field"]) == (422, "backdate_reason")
    r = await billing.client.post(url, json={"amount": "100.00", "paid_at": late,
                                             "backdate_reason": "cheque found in the safe"},
                                  headers=MANAGER)
    assert r.status_code == 201, r.text
    assert (r.json()["backdated"], r.json()["backdate_approved_by"]) == (True, "M01")
    read = await _get(billing, f"/invoices/{invoice['invoice_no']}")
    [payment] = read["payments"]
    assert (payment["paid_at"], payment["recorded_at"], payment["backdate_reason"]) == (
        "2026-03-13T02:00:00Z", "2026-03-16T02:00:00Z", "cheque found in the safe")
