"""Returns accounting in the browser (issue 14 deliver 2; SPEC C13.1, C13.2(1), C13.2(4)/(5)):
a return slip approved, received with the warehouse's signature, held, released and booked
with its proof; an allowance certificate approved at both levels, signed and booked; an
order's over-acceptance ratio; the two papers as PDF with their copies' holders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import eventually, pdf_text, token

from ..api.test_billing_returns import copy
from .test_billing_pages import sign_in

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
WAREHOUSE = token("warehouse", "W01")


async def _json(console, url: str) -> dict | None:
    r = await console.client.get(url, headers=ACCOUNTANT)
    return r.json() if r.status_code == 200 else None



async def test_c13_return_slip_through_approval_receipt_review_and_booking_in_pages(
        console, tmp_path: Path) -> None:
    await console.publish(copy("261401", quantity=100, amount="1000.00", order_no="PO-14"))
    await eventually(lambda: _json(console, "/return-slips/RS-261401"))
    page_url = "/returns/slips/RS-261401"
    # Roles: a technician has no returns page; the accountant sees it without the approval.
    assert (await console.client.get("/returns",
                                     headers=token("technician", "T01"))).status_code == 403
    cookies, csrf = await sign_in(console, "A01")
    listing = await console.client.get("/returns", cookies=cookies)
    assert listing.status_code == 200 and 'href="/returns/slips/RS-261401"' in listing.text
    page = await console.client.get(page_url, cookies=cookies)
    assert page.status_code == 200 and 'data-action="approve-slip"' not in page.text
    r = await console.client.post(f"{page_url}/approve", cookies=cookies,
                                  data={"csrf_token": csrf})
    assert r.status_code == 403  # only the (vice) manager approves (C13.1(2)b)
    # The manufacturer's sales manager approves in the page; four copies are routed.
    cookies, csrf = await sign_in(console, "SM01")
    page = await console.client.get(page_url, cookies=cookies)
    assert 'data-action="approve-slip"' in page.text
    r = await console.client.post(f"{page_url}/approve", cookies=cookies,
                                  data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == page_url
    slip = await _json(console, "/return-slips/RS-261401")
    assert (slip["status"], slip["approved_by"]) == ("awaiting_receipt", "SM01")
    # The warehouse signs for 120 of 100 (beyond the 5% default): held for review.
    form = await console.client.get(page_url, headers=WAREHOUSE)
    assert 'id="receipt-form"' in form.text and 'for="rc-qty"' in form.text
    r = await console.client.post(f"{page_url}/receipt", headers=WAREHOUSE,
                                  data={"received_qty": "120"})
    assert r.status_code == 422  # a different quantity needs a signature and a note
    r = await console.client.post(f"{page_url}/receipt", headers=WAREHOUSE, data={
        "received_qty": "120", "signed_by": "W01 Wang", "note": "asked SM01: keep all"})
    assert r.status_code == 303, r.text
    slip = await _json(console, "/return-slips/RS-261401")
    assert (slip["status"], slip["received_qty"], slip["signed_by"]) == ("held", 120,
                                                                         "W01 Wang")
    # The accountant reviews: books 110 at 1100.00, with a proof.
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get(page_url, cookies=cookies)
    assert 'data-action="release-slip"' in page.text and "W01 Wang" in page.text
    r = await console.client.post(f"{page_url}/release", cookies=cookies, data={
        "csrf_token": csrf, "book_qty": "110", "book_amount": "", "note": "agreed with SM01"})
    assert r.status_code == 303
    page = await console.client.get(page_url, cookies=cookies)
    assert 'data-action="book-slip"' in page.text and 'value="stamped_original_invoice"' in (
        page.text)
    r = await console.client.post(f"{page_url}/book", cookies=cookies, data={
        "csrf_token": csrf, "proof": "a phone call", "amount": "1100.00"})
    assert r.status_code == 422  # not a proof C13.2(4) accepts
    r = await console.client.post(f"{page_url}/book", cookies=cookies, data={
        "csrf_token": csrf, "proof": "sales_return_certificate", "amount": "1100.00"})
    assert r.status_code == 303
    slip = await _json(console, "/return-slips/RS-261401")
    assert (slip["status"], slip["book_qty"], slip["proof"]) == (
        "booked", 110, "sales_return_certificate")
    assert len(slip["copies"]) == 7  # 4 routed on approval, 3 on receipt
    # Its paper: four copies, each naming its holder, in Chinese, text extractable.
    r = await console.client.get("/return-slips/RS-261401/pdf?lang=zh-Hans", cookies=cookies)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "成品退货单" in text and "RS-261401" in text and "W01 Wang" in text
    for holder in ("第一联", "第二联", "第三联", "第四联"):
        assert holder in text, holder
    assert text.count("RS-261401") >= 4


async def test_c13_1_1_allowance_approved_signed_and_booked_in_pages(
        console, tmp_path: Path) -> None:
    await console.publish(copy("261402", handling="allowance", quantity=None, amount="350.00"))
    await eventually(lambda: _json(console, "/allowances/AC-261402"))
    url = "/returns/allowances/AC-261402"
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get(url, cookies=cookies)
    assert page.status_code == 200 and 'id="missing"' in page.text
    r = await console.client.post(f"{url}/book", cookies=cookies, data={
        "csrf_token": csrf, "proof": "allowance_certificate_signed_back"})
    assert r.status_code == 409  # approvals and the signature are missing (C13.1(1))
    for user in ("SM01", "VG01"):
        cookies, csrf = await sign_in(console, user)
        page = await console.client.get(url, cookies=cookies)
        assert 'data-action="approve-allowance"' in page.text, user
        r = await console.client.post(f"{url}/approve", cookies=cookies,
                                      data={"csrf_token": csrf})
        assert r.status_code == 303, user
        page = await console.client.get(url, cookies=cookies)
        assert 'data-action="approve-allowance"' not in page.text  # this level is done
    cookies, csrf = await sign_in(console, "U01")  # sales takes the customer's signature
    page = await console.client.get(url, cookies=cookies)
    assert 'for="sg-name"' in page.text
    r = await console.client.post(f"{url}/sign", cookies=cookies,
                                  data={"csrf_token": csrf, "signed_by": "Acme Trading"})
    assert r.status_code == 303
    allowance = await _json(console, "/allowances/AC-261402")
    assert (allowance["status"], allowance["missing"]) == ("ready", [])
    cookies, csrf = await sign_in(console, "A01")
    r = await console.client.post(f"{url}/book", cookies=cookies, data={
        "csrf_token": csrf, "proof": "sales_return_certificate"})
    assert r.status_code == 422  # a return's proof does not prove an allowance (C13.2(5))
    r = await console.client.post(f"{url}/book", cookies=cookies, data={
        "csrf_token": csrf, "proof": "allowance_certificate_signed_back"})
    assert r.status_code == 303
    assert (await _json(console, "/allowances/AC-261402"))["status"] == "booked"
    r = await console.client.get("/allowances/AC-261402/pdf?lang=zh-Hant", cookies=cookies)
    text = pdf_text(r.content)
    assert "銷貨折讓證明單" in text and "AC-261402" in text and "Acme Trading" in text
    assert "第一聯" in text and "第二聯" in text and "SM01" in text and "VG01" in text
    technician = await console.client.get("/allowances/AC-261402/pdf",
                                          headers=token("technician", "T01"))
    assert technician.status_code == 403


async def test_c13_2_1_order_ratio_set_in_the_page_and_frozen_while_a_slip_is_pending(
        console) -> None:
    cookies, csrf = await sign_in(console, "SM01")
    r = await console.client.post("/returns/orders/ratio", cookies=cookies,
                                  data={"csrf_token": csrf, "order_no": "PO-R1",
                                        "ratio": "0.10"})
    assert r.status_code == 303
    await console.publish(copy("261403", order_no="PO-R1", quantity=100))
    slip = await eventually(lambda: _json(console, "/return-slips/RS-261403"))
    assert slip["status"] == "awaiting_approval"
    r = await console.client.post("/returns/orders/ratio", cookies=cookies,
                                  data={"csrf_token": csrf, "order_no": "PO-R1",
                                        "ratio": "0.20"})
    assert r.status_code == 409  # frozen while its slip is pending (C13.2(1))
    r = await console.client.post("/returns/orders/ratio", cookies=cookies,
                                  data={"order_no": "PO-R2", "ratio": "0.10"})
    assert r.status_code == 403  # no CSRF token
    cookies, csrf = await sign_in(console, "M01")
    r = await console.client.post("/returns/orders/ratio", cookies=cookies,
                                  data={"csrf_token": csrf, "order_no": "PO-R2",
                                        "ratio": "0.10"})
    assert r.status_code == 403  # the branch manager does not set order ratios
