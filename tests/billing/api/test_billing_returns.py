"""Returns accounting from closed complaints, end to end (SPEC C13.1, C13.2, C9.14)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.events.billing import BookingReversed, ReturnBooked
from shared.events.complaints import ComplaintCopyIssued
from tests.helpers import eventually, token

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
WAREHOUSE = token("warehouse", "W01")
SALES_MANAGER = token("sales_manager", "SM1")
SIGNED = {"signed_by": "W01 Wang", "note": "asked sales SA1: the customer sent 4 spares"}


async def approve(billing, slip_no: str) -> dict:
    """The (vice) manager's approval a slip needs before the warehouse (C13.1(2)b)."""
    r = await billing.client.post(f"/return-slips/{slip_no}/approve", headers=SALES_MANAGER)
    assert r.status_code == 200, r.text
    return r.json()


def copy(case_no: str, *, handling: str = "return", quantity: int | None = 100,
         amount: str | None = "1000.00", recipient: str = "accounting",
         order_no: str | None = "PO-1", part_no: str | None = "PN-9") -> ComplaintCopyIssued:
    """The accounting copy of a closed complaint form (what complaints publishes, C9.8)."""
    return ComplaintCopyIssued(
        case_no=case_no, recipient=recipient, profile="manufacturer", market="domestic",
        classification="quality", customer="Acme Trading", order_no=order_no, part_no=part_no,
        handling=handling, amount=amount, quantity=quantity, responsible_unit="assembly",
        closed_at=datetime(2026, 3, 12, 8, 0, tzinfo=UTC),
    )


async def _get(billing, url: str, headers=ACCOUNTANT):
    r = await billing.client.get(url, headers=headers)
    return r.json() if r.status_code == 200 else None


async def test_c13_2_1_closed_complaint_with_return_ends_in_booked_return(billing) -> None:
    await billing.publish(copy("260301"))
    slip = await eventually(lambda: _get(billing, "/return-slips/RS-260301"))
    assert (slip["status"], slip["approved_qty"], slip["amount"]) == (
        "awaiting_approval", 100, "1000.00")
    await approve(billing, "RS-260301")
    r = await billing.client.post("/return-slips/RS-260301/book",
                                  json={"proof": "sales_return_certificate",
                                        "amount": "1040.00"}, headers=ACCOUNTANT)
    assert r.status_code == 409 and r.json()["rule"] == "C13.2(1)"  # not received yet
    r = await billing.client.post("/return-slips/RS-260301/receipt",
                                  json={"received_qty": 104, **SIGNED}, headers=ACCOUNTANT)
    assert r.status_code == 403  # only the warehouse receives goods
    r = await billing.client.post("/return-slips/RS-260301/receipt",
                                  json={"received_qty": 104, **SIGNED}, headers=WAREHOUSE)
    assert r.status_code == 200, r.text
    # 4 over 100 is inside the default 5 %: the actual 104 is what gets booked.
    assert (r.json()["status"], r.json()["book_qty"], r.json()["ratio"]) == (
        "received", 104, "0.0500")
    r = await billing.client.post("/return-slips/RS-260301/book",
                                  json={"proof": "", "amount": "1040.00"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and (r.json()["field"], r.json()["rule"]) == (
        "proof", "C13.2(4)")
    r = await billing.client.post("/return-slips/RS-260301/book",
                                  json={"proof": "allowance_certificate_signed_back",
                                        "amount": "1040.00"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["rule"] == "C13.2(4)"
    r = await billing.client.post("/return-slips/RS-260301/book",
                                  json={"proof": "sales_return_certificate",
                                        "amount": "1040.00"}, headers=WAREHOUSE)
    assert r.status_code == 403  # only accountants book
    r = await billing.client.post("/return-slips/RS-260301/book",
                                  json={"proof": "sales_return_certificate",
                                        "amount": "1040.00"}, headers=ACCOUNTANT)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["proof"]) == ("booked", "sales_return_certificate")
    [entry] = await _get(billing, "/journal?case_no=260301")
    assert entry["booked_by"] == "A01" and entry["source_no"] == "RS-260301"
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("sales_returns_and_allowances", "1040.00", "0.00"),
        ("accounts_receivable", "0.00", "1040.00")]
    booked = await eventually(lambda: billing.last(ReturnBooked))
    assert (booked.case_no, booked.kind, booked.amount, booked.quantity) == (
        "260301", "return", "1040.00", 104)
    again = await billing.client.post("/return-slips/RS-260301/book",
                                      json={"proof": "sales_return_certificate",
                                            "amount": "1040.00"}, headers=ACCOUNTANT)
    assert again.status_code == 409


async def test_c13_2_1_beyond_order_ratio_held_for_review(billing) -> None:
    r = await billing.client.put("/orders/PO-7/over-acceptance-ratio", json={"ratio": "0.02"},
                                 headers=token("sales", "SA1"))
    assert r.status_code == 200, r.text
    await billing.publish(copy("260302", order_no="PO-7"))
    await eventually(lambda: _get(billing, "/return-slips/RS-260302"))
    await approve(billing, "RS-260302")
    r = await billing.client.post("/return-slips/RS-260302/receipt",
                                  json={"received_qty": 104, **SIGNED}, headers=WAREHOUSE)
    # The order's own 2 % applies instead of the default 5 %: 4 over is held.
    assert (r.json()["status"], r.json()["book_qty"], r.json()["ratio"]) == (
        "held", None, "0.0200")
    r = await billing.client.post("/return-slips/RS-260302/book",
                                  json={"proof": "stamped_original_invoice",
                                        "amount": "1020.00"}, headers=ACCOUNTANT)
    assert r.status_code == 409
    r = await billing.client.post("/return-slips/RS-260302/release",
                                  json={"book_qty": 102, "note": "2 units kept by customer"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["status"] == "received"
    r = await billing.client.post("/return-slips/RS-260302/book",
                                  json={"proof": "stamped_original_invoice",
                                        "amount": "1020.00"}, headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["book_qty"] == 102
    [entry] = await _get(billing, "/journal?case_no=260302")
    assert entry["lines"][0]["debit"] == "1020.00"


async def test_c13_1_1_allowance_needs_both_approvals_and_signature(billing) -> None:
    await billing.publish(copy("260303", handling="allowance", quantity=None, amount="350.00"))
    allowance = await eventually(lambda: _get(billing, "/allowances/AC-260303"))
    assert allowance["missing"] == ["manager_approval", "gm_approval", "customer_signature"]
    book = "/allowances/AC-260303/book"
    proof = {"proof": "allowance_certificate_signed_back"}
    r = await billing.client.post(book, json=proof, headers=ACCOUNTANT)
    assert r.status_code == 409 and r.json()["rule"] == "C13.1(1)"
    r = await billing.client.post("/allowances/AC-260303/approve", headers=ACCOUNTANT)
    assert r.status_code == 403
    r = await billing.client.post("/allowances/AC-260303/approve",
                                  headers=token("sales_manager", "SM1"))
    assert r.status_code == 200 and r.json()["missing"] == ["gm_approval", "customer_signature"]
    r = await billing.client.post("/allowances/AC-260303/approve",
                                  headers=token("branch_manager", "M01"))
    assert r.status_code == 409  # manager level already approved
    r = await billing.client.post("/allowances/AC-260303/approve", headers=token("vice_gm", "VG"))
    assert r.json()["missing"] == ["customer_signature"]
    r = await billing.client.post("/allowances/AC-260303/sign", json={"signed_by": "Mr Acme"},
                                  headers=token("sales", "SA1"))
    assert (r.json()["status"], r.json()["missing"]) == ("ready", [])
    r = await billing.client.post(book, json={"proof": "sales_return_certificate"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["rule"] == "C13.2(5)"
    r = await billing.client.post(book, json=proof, headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["status"] == "booked"
    assert [a["approved_by"] for a in r.json()["approvals"]] == ["SM1", "VG"]
    booked = await eventually(lambda: billing.last(ReturnBooked))
    assert (booked.kind, booked.amount, booked.document_no) == ("allowance", "350.00",
                                                                "AC-260303")
    [entry] = await _get(billing, "/journal?case_no=260303")
    assert entry["lines"][0] == {"account": "sales_returns_and_allowances", "debit": "350.00",
                                 "credit": "0.00"}


async def test_c13_2_booked_entry_corrected_by_reversal_never_edited(billing) -> None:
    await billing.publish(copy("260304", quantity=10, amount="500.00"))
    await eventually(lambda: _get(billing, "/return-slips/RS-260304"))
    await approve(billing, "RS-260304")
    await billing.client.post("/return-slips/RS-260304/receipt", json={"received_qty": 10},
                              headers=WAREHOUSE)
    await billing.client.post("/return-slips/RS-260304/book",
                              json={"proof": "stamped_invoice_copy_with_quantities",
                                    "amount": "500.00"}, headers=ACCOUNTANT)
    [entry] = await _get(billing, "/journal?case_no=260304")
    r = await billing.client.post(f"/journal/{entry['entry_id']}/reverse",
                                  json={"reason": "booked against the wrong order"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    assert r.json()["reverses_entry_id"] == entry["entry_id"]
    entries = await _get(billing, "/journal?case_no=260304")
    assert entries[0] == entry  # the original is untouched
    assert [(x["debit"], x["credit"]) for x in entries[1]["lines"]] == [
        ("0.00", "500.00"), ("500.00", "0.00")]
    r = await billing.client.post(f"/journal/{entry['entry_id']}/reverse",
                                  json={"reason": "twice"}, headers=ACCOUNTANT)
    assert r.status_code == 409
    assert (await _get(billing, "/return-slips/RS-260304"))["status"] == "reversed"
    reversed_event = await eventually(lambda: billing.last(BookingReversed))
    assert reversed_event.reverses_entry_id == entry["entry_id"]


async def test_c13_2_3_complaint_delay_excluded_from_collection_rate(billing) -> None:
    for part, due, collected in (("PN-9", "1000.00", "0.00"), ("PN-1", "400.00", "300.00")):
        r = await billing.client.post("/receivables", json={
            "salesperson": "SA1", "month": "2026-03", "part_no": part, "order_no": "PO-1",
            "amount_due": due, "amount_collected": collected}, headers=ACCOUNTANT)
        assert r.status_code == 201, r.text
    rate = await _get(billing, "/collection-rate?salesperson=SA1&month=2026-03")
    assert rate["rate"] == "0.2143"  # 300 / 1400 before billing knows of the complaint
    await billing.publish(copy("260305", part_no="PN-9"))
    await eventually(lambda: _get(billing, "/return-slips/RS-260305"))
    rate = await _get(billing, "/collection-rate?salesperson=SA1&month=2026-03",
                      headers=token("sales_manager", "SM1"))
    assert (rate["rate"], rate["amount_due"]) == ("0.7500", "400.00")
    assert [(x["part_no"], x["case_no"]) for x in rate["excluded"]] == [("PN-9", "260305")]
    r = await billing.client.get("/collection-rate", params={"salesperson": "SA1",
                                 "month": "2026-3"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "month"


async def test_c9_14_not_valid_and_other_copies_open_nothing(billing) -> None:
    await billing.publish(copy("260306", handling="not_valid"))
    await billing.publish(copy("260307", recipient="qa"))
    await billing.publish(copy("260308", handling="reprocess"))
    slip = await eventually(lambda: _get(billing, "/return-slips/RS-260308"))
    assert slip["handling"] == "reprocess"  # C13.1(2): reprocess goes on a return slip too
    await eventually(lambda: billing.drained("complaint-copy"))
    assert [s["case_no"] for s in await _get(billing, "/return-slips")] == ["260308"]
    assert await _get(billing, "/allowances") == []


async def test_c13_1_2b_slip_approved_by_the_profiles_manager_before_the_warehouse(
        billing) -> None:
    await billing.publish(copy("260309", quantity=20, amount="400.00"))
    slip = await eventually(lambda: _get(billing, "/return-slips/RS-260309"))
    assert (slip["status"], slip["copies"], slip["approved_by"]) == (
        "awaiting_approval", [], None)
    url = "/return-slips/RS-260309"
    r = await billing.client.post(f"{url}/receipt", json={"received_qty": 20}, headers=WAREHOUSE)
    assert (r.status_code, r.json()["rule"]) == (409, "C13.1(2)b")  # not approved yet
    r = await billing.client.post(f"{url}/approve", headers=token("branch_manager", "M01"))
    assert (r.status_code, r.json()["rule"]) == (403, "C13.1(2)b")  # manufacturer: sales
    r = await billing.client.post(f"{url}/approve", headers=ACCOUNTANT)
    assert r.status_code == 403
    slip = await approve(billing, "RS-260309")
    assert (slip["status"], slip["approved_by"], slip["approved_role"]) == (
        "awaiting_receipt", "SM1", "sales_manager")
    assert slip["approved_at"] is not None
    assert [(c["copy_no"], c["holder"], c["purpose"]) for c in slip["copies"]] == [
        (1, "sales", "follow_up"), (2, "warehouse", "receive_goods"),
        (3, "warehouse", "receive_goods"), (4, "warehouse", "receive_goods")]
    r = await billing.client.post(f"{url}/approve", headers=SALES_MANAGER)
    assert r.status_code == 409  # approved once
    # The actual quantity differs: the warehouse asks, notes the answer and signs for it.
    r = await billing.client.post(f"{url}/receipt", json={"received_qty": 19},
                                  headers=WAREHOUSE)
    assert (r.status_code, r.json()["rule"], r.json()["field"]) == (422, "C13.1(2)b", "note")
    r = await billing.client.post(f"{url}/receipt", json={
        "received_qty": 19, "note": "asked SA1: one unit scrapped at the customer"},
        headers=WAREHOUSE)
    assert (r.status_code, r.json()["field"]) == (422, "signed_by")
    r = await billing.client.post(f"{url}/receipt", json={
        "received_qty": 19, "signed_by": "Wang Wei",
        "note": "asked SA1: one unit scrapped at the customer"}, headers=WAREHOUSE)
    assert r.status_code == 200, r.text
    slip = r.json()
    assert (slip["signed_by"], slip["received_by"], slip["receipt_note"], slip["status"]) == (
        "Wang Wei", "W01", "asked SA1: one unit scrapped at the customer", "received")
    assert [(c["copy_no"], c["holder"]) for c in slip["copies"][4:]] == [
        (2, "warehouse"), (3, "accounting"), (4, "sales")]


async def test_c13_1_2b_retail_slip_is_approved_by_its_branch_manager(billing) -> None:
    event = copy("260310", quantity=2, amount="90.00").model_copy(
        update={"profile": "retail", "branch": "SC01"})
    await billing.publish(event)
    await eventually(lambda: _get(billing, "/return-slips/RS-260310"))
    url = "/return-slips/RS-260310/approve"
    r = await billing.client.post(url, headers=SALES_MANAGER)
    assert (r.status_code, r.json()["rule"]) == (403, "C13.1(2)b")
    r = await billing.client.post(url, headers=token("branch_manager", "M02", "SC02"))
    assert r.status_code == 403  # another branch's manager
    r = await billing.client.post(url, headers=token("branch_manager", "M01", "SC01"))
    assert r.status_code == 200 and r.json()["approved_role"] == "branch_manager"
    # Same quantity as approved: no note needed, the receiving user signs.
    r = await billing.client.post("/return-slips/RS-260310/receipt", json={"received_qty": 2},
                                  headers=WAREHOUSE)
    assert (r.status_code, r.json()["signed_by"], r.json()["receipt_note"]) == (200, "W01", None)


async def test_c13_2_1b_amount_unlike_the_approved_handling_is_held_for_review(
        billing) -> None:
    await billing.publish(copy("260311", quantity=10, amount="500.00"))
    await eventually(lambda: _get(billing, "/return-slips/RS-260311"))
    await approve(billing, "RS-260311")
    await billing.client.post("/return-slips/RS-260311/receipt", json={"received_qty": 10},
                              headers=WAREHOUSE)
    book = "/return-slips/RS-260311/book"
    proof = "stamped_invoice_copy_with_quantities"
    # A cent off the approved 500.00 is a mismatch: held, nothing booked.
    r = await billing.client.post(book, json={"proof": proof, "amount": "499.99"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["stated_amount"]) == ("held", "499.99")
    assert "differs from approved 500.00" in r.json()["decision"]
    assert await _get(billing, "/journal?case_no=260311") == []
    r = await billing.client.post(book, json={"proof": proof, "amount": "499.99"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 409  # held until reviewed
    r = await billing.client.post("/return-slips/RS-260311/release", json={
        "book_qty": 10, "note": "invoice rounding agreed with SA1", "book_amount": "499.99"},
        headers=ACCOUNTANT)
    assert (r.status_code, r.json()["review_amount"]) == (200, "499.99")
    r = await billing.client.post(book, json={"proof": proof, "amount": "499.99"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 200 and r.json()["status"] == "booked"
    [entry] = await _get(billing, "/journal?case_no=260311")
    assert entry["lines"][0]["debit"] == "499.99"
