"""Selling cover, price lists and the payroll month in the browser (issue 14 deliver 2;
SPEC E1–E4, S6 B, S10/S13, P6, P7): a quote and a counter sale, a maintenance contract,
a branch's price list edited, and the month's deductions per person with carry-over."""

from __future__ import annotations

import re

import pytest

from tests.helpers import eventually, token

from ..api.test_billing_cover import _b, _covered_call
from ..api.test_billing_deductions import bonus, decided, delivered, staff
from ..support import completed
from .test_billing_pages import invoice_of, sign_in

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
COUNTER = token("counter", "K01")


def _cells(html: str, person: str) -> dict[str, str]:
    """The money cells of a person's row in the month's deductions table (digits only)."""
    table = html.split('id="deductions"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'<tr data-person="{person}">', 1)[1].split("</tr>", 1)[0]
    found = re.findall(r'<td class="([a-z-]+)">([^<]*)</td>', row)
    return {name: re.sub(r"[^0-9.,]", "", value) for name, value in found}


async def test_e1_quote_and_counter_sale_in_the_page(console) -> None:
    page = await console.client.get("/warranties", params={"product_price": "6000",
                                                           "years": 2}, headers=COUNTER)
    assert page.status_code == 200 and 'id="quote"' in page.text and "528.00" in page.text
    assert 'id="sell-form"' in page.text and 'for="s-maker"' in page.text
    bad = await console.client.get("/warranties", params={"product_price": "abc", "years": 1},
                                   headers=COUNTER)
    assert bad.status_code == 200 and 'id="quote-error"' in bad.text  # beside the form
    cookies, csrf = await sign_in(console, "M01")  # may quote, may not sell
    page = await console.client.get("/warranties", cookies=cookies)
    assert page.status_code == 200 and 'id="sell-form"' not in page.text
    form = {"customer_id": "9", "product_id": "91", "product_price": "6000.00", "years": "2",
            "maker_warranty_ends_on": "2027-03-15"}
    r = await console.client.post("/warranties", cookies=cookies,
                                  data={**form, "csrf_token": csrf})
    assert r.status_code == 403
    r = await console.client.post("/warranties", headers=COUNTER, data=form)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    warranty_no = location.rsplit("/", 1)[1]
    sold = (await console.client.get(f"/extended-warranties/{warranty_no}",
                                     headers=COUNTER)).json()
    assert (sold["price"], sold["starts_on"], sold["ends_on"]) == ("528.00", "2027-03-16",
                                                                   "2029-03-15")
    page = await console.client.get(location, headers=COUNTER)
    assert page.status_code == 200 and 'id="cover-terms"' in page.text
    found = await console.client.get("/warranties", params={"warranty_no": warranty_no},
                                     headers=COUNTER)
    assert found.status_code == 303 and found.headers["location"] == location
    again = await console.client.post("/warranties", headers=COUNTER, data=form)
    assert again.status_code == 409  # one extended warranty per product (E1)


async def test_s6_b_contract_opened_and_read_in_the_page(console) -> None:
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get("/maintenance-contracts", cookies=cookies)
    assert page.status_code == 200 and 'id="contract-form"' in page.text
    form = {"csrf_token": csrf, "customer_id": "7", "product_id": "71",
            "starts_on": "2026-04-01", "ends_on": "2027-03-31", "fee": "360.00"}
    r = await console.client.post("/maintenance-contracts", cookies=cookies,
                                  data={**form, "ends_on": "2026-03-01"})
    assert r.status_code == 422  # ends before it starts (S6)
    r = await console.client.post("/maintenance-contracts", cookies=cookies, data=form)
    assert r.status_code == 303
    contract_no = r.headers["location"].rsplit("/", 1)[1]
    contract = (await console.client.get(f"/contracts/{contract_no}", headers=ACCOUNTANT)).json()
    assert (contract["product_id"], contract["fee"]) == (71, "360.00")
    page = await console.client.get(r.headers["location"], cookies=cookies)
    assert page.status_code == 200 and contract_no in page.text and "360.00" in page.text
    cookies, csrf = await sign_in(console, "C01")  # the clerk reads, does not open
    page = await console.client.get(f"/maintenance-contracts/{contract_no}", cookies=cookies)
    assert page.status_code == 200 and 'id="contract-form"' not in page.text
    r = await console.client.post("/maintenance-contracts", cookies=cookies,
                                  data={**form, "csrf_token": csrf, "product_id": "72"})
    assert r.status_code == 403
    other = await console.client.get(f"/maintenance-contracts/{contract_no}",
                                     headers=token("accountant", "A02", "SC02"))
    assert other.status_code == 403  # another branch's contract


async def test_s10_price_list_viewed_and_edited_in_the_page(console) -> None:
    cookies, csrf = await sign_in(console, "A01")
    r = await console.client.get("/prices", cookies=cookies)
    assert r.status_code == 303 and r.headers["location"] == "/prices/SC01"
    page = await console.client.get("/prices/SC01", cookies=cookies)
    assert page.status_code == 200 and 'id="prices-form"' in page.text
    r = await console.client.post("/prices/SC01", cookies=cookies, data={
        "csrf_token": csrf, "visit_fee": "88.00", "labour_rate_per_hour": "66.00"})
    assert r.status_code == 303
    stored = (await console.client.get("/price-lists/SC01", headers=ACCOUNTANT)).json()
    assert (stored["visit_fee"], stored["labour_rate_per_hour"], stored["stored"]) == (
        "88.00", "66.00", True)
    r = await console.client.post("/prices/SC02", cookies=cookies, data={
        "csrf_token": csrf, "visit_fee": "1.00", "labour_rate_per_hour": "1.00"})
    assert r.status_code == 403  # another branch's list
    cookies, csrf = await sign_in(console, "M01")
    page = await console.client.get("/prices/SC01", cookies=cookies)
    assert page.status_code == 200 and "88.00" in page.text and 'id="prices-form"' not in (
        page.text)


async def test_p7_payroll_page_shows_the_months_deductions_with_carry_over(
        console) -> None:
    await staff(console, "P41", "export", "1")
    await bonus(console, "P41", "2026-03", "1000.00")
    await delivered(console, decided(month="2026-03", person="P41", share="1500.00"))
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get("/payroll?month=2026-03", cookies=cookies)
    assert page.status_code == 200 and 'id="deductions"' in page.text
    row = _cells(page.text, "P41")
    # Half the bonus is taken (the cap), the rest carries forward (P7).
    assert (row["carried-in"], row["deducted"], row["carried-forward"]) == (
        "1,500.00", "500.00", "1,000.00"), row
    april = await console.client.get("/payroll?month=2026-04", cookies=cookies)
    row = _cells(april.text, "P41")  # carried in from March, nothing taken without a bonus
    assert (row["carried-in"], row["deducted"], row["carried-forward"]) == (
        "1,000.00", "0.00", "1,000.00"), row
    r = await console.client.post("/payroll/close", cookies=cookies,
                                  data={"csrf_token": csrf, "month": "2026-03"})
    assert r.status_code == 303
    page = await console.client.get("/payroll?month=2026-03", cookies=cookies)
    assert 'id="closed-months"' in page.text and "2026-03" in page.text
    assert (await console.client.get("/payroll?month=2026-3",
                                     cookies=cookies)).status_code == 422


async def test_s10_accountant_voids_an_invoice_from_its_page(console) -> None:
    await console.publish(completed("V-VOID14", parts=(("P-FUSE", 1, "20.00"),)))
    invoice = await invoice_of(console, "V-VOID14")
    url = f"/invoices/{invoice['invoice_no']}/page"
    cookies, csrf = await sign_in(console, "M01")  # the branch manager books, never voids
    page = await console.client.get(url, cookies=cookies)
    assert page.status_code == 200 and 'id="void-form"' not in page.text
    assert (await console.client.post(f"{url}/void", cookies=cookies, data={
        "csrf_token": csrf, "reason": "wrong customer"})).status_code == 403
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get(url, cookies=cookies)
    assert 'id="void-form"' in page.text and 'for="void-reason"' in page.text
    r = await console.client.post(f"{url}/void", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "wrong customer"})
    assert r.status_code == 303 and r.headers["location"] == url
    voided = (await console.client.get(f"/invoices/{invoice['invoice_no']}",
                                       headers=ACCOUNTANT)).json()
    assert voided["status"] == "void"
    page = await console.client.get(url, cookies=cookies)
    assert 'id="void-form"' not in page.text and "wrong customer" in page.text
    r = await console.client.post(f"{url}/void", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "once more"})
    assert r.status_code == 409


async def test_e3_voucher_cover_page_and_a_persons_payroll_page(console) -> None:
    await _covered_call(console, "SC01-V-1414", 1414)
    await console.publish(_b("SC01-V-1414", component="display", cause="misuse",
                             repairable=True))

    async def judged() -> bool:
        r = await console.client.get("/vouchers/SC01-V-1414", headers=ACCOUNTANT)
        return r.status_code == 200 and r.json()["cover"] is not None
    await eventually(judged)
    cookies, _csrf = await sign_in(console, "A01")
    r = await console.client.get("/cover/voucher", params={"voucher_no": "SC01-V-1414"},
                                 cookies=cookies)
    assert r.status_code == 303 and r.headers["location"] == "/vouchers/SC01-V-1414/page"
    page = await console.client.get("/vouchers/SC01-V-1414/page?lang=en", cookies=cookies)
    assert page.status_code == 200 and 'id="cover-check"' in page.text
    judgement = page.text.split('id="cover-judgement">', 1)[1].split("</dd>", 1)[0]
    assert judgement.startswith("not covered")  # misuse is not covered (E3)
    assert (await console.client.get("/vouchers/SC01-V-1414/page",
                                     headers=token("clerk", "C01"))).status_code == 403
    await staff(console, "P42", "export", "1")
    await bonus(console, "P42", "2026-03", "800.00")
    await delivered(console, decided(month="2026-03", person="P42", share="1000.00"))
    page = await console.client.get("/payroll/people/P42?month=2026-03", cookies=cookies)
    assert page.status_code == 200 and 'id="history"' in page.text
    assert 'data-month="2026-03"' in page.text and 'id="penalties"' in page.text
    deducted = page.text.split('class="deducted">', 1)[1].split("<", 1)[0]
    assert "400.00" in deducted  # half the bonus (P7)
    payroll = await console.client.get("/payroll?month=2026-03", cookies=cookies)
    assert 'id="decisions"' in payroll.text and 'href="/payroll/people/P42' in payroll.text
    head_office = await console.client.get("/payroll/people/P42",
                                           headers=token("gm_office", "G01"))
    assert head_office.status_code == 200  # the register is read by head office too
    assert (await console.client.get("/payroll/people/P42",
                                     headers=token("technician", "T01"))).status_code == 403
