"""The accountant's console in the browser: the day's invoices and on-site collections,
an invoice's page with its payment and mailing forms, expiry notices, the invoice PDF
(issue 12 item 8; SPEC S10, S13, S20)."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta

import pytest

from shared.web.sessions import COOKIE
from tests.helpers import eventually, token

from ..support import completed

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
OTHER_BRANCH = token("accountant", "A02", "SC02")


async def sign_in(console, user: str = "A01") -> tuple[dict[str, str], str]:
    """The session cookie and its CSRF token."""
    r = await console.client.post("/login", data={"user": user, "password": "demo",
                                                  "next": "/"})
    assert r.status_code == 303, r.text
    cookie = r.cookies[COOKIE]
    return {COOKIE: cookie}, console.rt.sessions.read(cookie).csrf


async def invoice_of(console, voucher_no: str) -> dict:
    async def found() -> dict | None:
        r = await console.client.get("/invoices", params={"voucher_no": voucher_no},
                                     headers=ACCOUNTANT)
        assert r.status_code == 200, r.text
        return r.json()[0] if r.json() else None
    return await eventually(found)


async def test_pages_need_a_session_and_render_for_the_accountant(console) -> None:
    for path in ("/", "/expiry-notices", "/invoices/SC01-2026-000001/page"):
        r = await console.client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    cookies, _csrf = await sign_in(console)
    for path in ("/", "/?date=2026-03-16", "/expiry-notices", "/?lang=en", "/?lang=zh-Hant"):
        r = await console.client.get(path, cookies=cookies)
        assert r.status_code == 200 and "<html" in r.text, (path, r.text)
    assert "當日發票" in (await console.client.get("/", cookies=cookies)).text  # remembered
    assert "当日发票" in (await console.client.get("/?lang=zh-Hans", cookies=cookies)).text
    en = await console.client.get("/?lang=en", headers=ACCOUNTANT)
    assert "The day's invoices" in en.text
    technician = await console.client.get("/", headers=token("technician", "T01"))
    assert technician.status_code == 403 and "<html" in technician.text


async def test_an_invoice_from_a_completed_voucher_is_on_the_day_page(console) -> None:
    await console.publish(completed("V-PAGE1", parts=(("P-FUSE", 2, "45.50"),)))
    invoice = await invoice_of(console, "V-PAGE1")
    cookies, _csrf = await sign_in(console)
    page = await console.client.get("/", cookies=cookies)  # today in Shanghai: 16 March
    assert page.status_code == 200
    assert f'data-invoice="{invoice["invoice_no"]}"' in page.text
    assert 'data-voucher="V-PAGE1"' in page.text
    # Collected on the spot by T01 (S10): among the on-site collections, not mailed yet.
    collections = page.text.split('id="collections"')[1]
    assert "RC-SC01-2026-000001" in collections and "T01" in collections
    assert "211.00" in collections
    other_day = await console.client.get("/?date=2026-03-15", cookies=cookies)
    assert invoice["invoice_no"] not in other_day.text
    fragment = await console.client.get("/?date=2026-03-16", cookies=cookies,
                                        headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="day">')
    assert invoice["invoice_no"] in fragment.text
    detail = await console.client.get(f"/invoices/{invoice['invoice_no']}/page",
                                      cookies=cookies)
    assert detail.status_code == 200 and 'data-action="mark-mailed"' in detail.text
    assert 'data-action="record-payment"' not in detail.text  # paid already


async def test_a_payment_through_the_page_form_records_exactly_one(console) -> None:
    # 20 + 4 h × 100 + 2,000 = 2,420 > 500: issued for later (S10).
    await console.publish(completed("V-PAGE2", minutes=240,
                                    parts=(("P-PANEL", 1, "2000.00"),)))
    invoice = await invoice_of(console, "V-PAGE2")
    url = f"/invoices/{invoice['invoice_no']}/page"
    cookies, csrf = await sign_in(console)
    page = await console.client.get(url, cookies=cookies)
    assert 'data-action="record-payment"' in page.text and 'name="csrf_token"' in page.text
    form = {"amount": "1000.00", "method": "transfer", "paid_at": "2026-03-16T09:30"}
    refused = await console.client.post(f"{url}/payments", data=form, cookies=cookies)
    assert refused.status_code == 403
    r = await console.client.post(f"{url}/payments", data={**form, "csrf_token": csrf},
                                  cookies=cookies)
    assert r.status_code == 303 and r.headers["location"] == url
    read = await console.client.get(f"/invoices/{invoice['invoice_no']}", headers=ACCOUNTANT)
    [payment] = read.json()["payments"]
    assert (payment["amount"], payment["method"], payment["recorded_by"]) == (
        "1000.00", "transfer", "A01")
    assert payment["paid_at"] == "2026-03-16T01:30:00Z"  # 09:30 in Shanghai
    assert read.json()["balance"] == "1420.00" and read.json()["status"] == "issued"
    # Too much is refused by the use case, shown as a page, nothing recorded.
    too_much = await console.client.post(
        f"{url}/payments", data={"amount": "5000.00", "csrf_token": csrf}, cookies=cookies)
    assert too_much.status_code == 422 and "<html" in too_much.text
    # htmx: the message and the refreshed invoice out of band.
    rest = await console.client.post(
        f"{url}/payments", data={"amount": "1420.00", "method": "cash"}, cookies=cookies,
        headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert rest.status_code == 200 and "RC-SC01-2026-000002" in rest.text
    assert 'hx-swap-oob="true"' in rest.text
    read = await console.client.get(f"/invoices/{invoice['invoice_no']}", headers=ACCOUNTANT)
    assert len(read.json()["payments"]) == 2 and read.json()["status"] == "paid"


async def test_marking_mailed_through_the_page(console) -> None:
    await console.publish(completed("V-PAGE3"))
    invoice = await invoice_of(console, "V-PAGE3")
    url = f"/invoices/{invoice['invoice_no']}/page"
    cookies, csrf = await sign_in(console)
    r = await console.client.post(f"{url}/mailed", data={"csrf_token": csrf}, cookies=cookies)
    assert r.status_code == 303
    read = await console.client.get(f"/invoices/{invoice['invoice_no']}", headers=ACCOUNTANT)
    assert read.json()["mailed_at"] is not None
    page = await console.client.get(url, cookies=cookies)
    assert 'data-action="mark-mailed"' not in page.text
    again = await console.client.post(f"{url}/mailed", data={"csrf_token": csrf},
                                      cookies=cookies, headers={"HX-Request": "true"})
    assert again.status_code == 409 and 'class="error"' in again.text


async def test_another_branch_sees_nothing_of_sc01(console) -> None:
    await console.publish(completed("V-PAGE4"))
    invoice = await invoice_of(console, "V-PAGE4")
    number = invoice["invoice_no"]
    detail = await console.client.get(f"/invoices/{number}/page", headers=OTHER_BRANCH)
    assert detail.status_code in (403, 404)
    day = await console.client.get("/?date=2026-03-16", headers=OTHER_BRANCH)
    assert day.status_code == 200 and number not in day.text
    pay = await console.client.post(f"/invoices/{number}/page/payments",
                                    data={"amount": "1.00"}, headers=OTHER_BRANCH)
    assert pay.status_code in (403, 404)
    mail = await console.client.post(f"/invoices/{number}/page/mailed", headers=OTHER_BRANCH)
    assert mail.status_code in (403, 404)
    pdf = await console.client.get(f"/invoices/{number}/pdf", headers=OTHER_BRANCH)
    assert pdf.status_code in (403, 404)
    cross = await console.client.get("/expiry-notices", params={"branch": "SC01"},
                                     headers=OTHER_BRANCH)
    assert cross.status_code == 403


async def test_the_invoice_pdf_shows_its_number_and_amount(console, tmp_path) -> None:
    await console.publish(completed("V-PAGE5", parts=(("P-FUSE", 2, "45.50"),)))
    invoice = await invoice_of(console, "V-PAGE5")
    cookies, _csrf = await sign_in(console)
    r = await console.client.get(f"/invoices/{invoice['invoice_no']}/pdf", cookies=cookies)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    path = tmp_path / "invoice.pdf"
    path.write_bytes(r.content)
    done = await asyncio.to_thread(subprocess.run, ["pdftotext", str(path), "-"],
                                   capture_output=True, text=True, check=True)
    text = done.stdout
    assert invoice["invoice_no"] in text and "211.00" in text
    assert "发票" in text and "收据" in text and "RC-SC01-2026-000001" in text
    bearer = await console.client.get(f"/invoices/{invoice['invoice_no']}/pdf",
                                      headers=ACCOUNTANT)
    assert bearer.status_code == 200 and bearer.content[:5] == b"%PDF-"


async def test_expiry_notices_issued_and_coming(console) -> None:
    body = {"branch": "SC01", "customer_id": 8, "product_id": 80, "starts_on": "2025-05-01",
            "ends_on": "2026-04-30", "fee": "0.00"}
    r = await console.client.post("/contracts", json=body, headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    contract_no = r.json()["contract_no"]
    cookies, _csrf = await sign_in(console)
    page = await console.client.get("/expiry-notices", cookies=cookies)
    coming = page.text.split('id="coming"')
    assert len(coming) == 2 and f'data-contract="{contract_no}"' in coming[1]
    console.clock.advance(timedelta(days=14))  # past 30 March 00:00 in Shanghai
    await console.rt.watchers["contract-expiry"].tick()
    page = await console.client.get("/expiry-notices", cookies=cookies)
    assert 'id="coming"' not in page.text
    issued = page.text.split('id="notices"')[1]
    assert f'data-contract="{contract_no}"' in issued
