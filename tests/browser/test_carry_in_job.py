"""A carry-in job in the browser (issue 12 item 10): not fixable on site, the technician
takes the product back with a pick-up receipt and a drawn signature, logs the repair on
the repair card, the supervisor inspects it, the product goes back against the receipt,
and the accountant sees the invoice issued; the receipt and the card print as PDFs."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .conftest import PHONE
from .flows import (
    PARTS,
    accountant_sees_invoice,
    board_was_not_reloaded,
    call_category,
    clerk_registers_call,
    fetch_pdf,
    open_board,
    supervisor_assigns,
    supervisor_inspects,
    technician_arrives,
    technician_carries_in,
    technician_logs_work,
    technician_opens_voucher,
    technician_returns,
)

pytestmark = pytest.mark.e2e


async def test_a_carry_in_job_through_inspection_and_return(console) -> None:
    system = console.system
    customer = system.customers[3]  # Sun Hao's fridge, out of warranty: category A
    supervisor = await console.person()
    await open_board(console, supervisor)

    clerk = await console.person()
    await console.sign_in(clerk, "C01")
    job = await clerk_registers_call(console, clerk, customer, "compressor does not start")
    assert await call_category(clerk) == "A"

    await supervisor_assigns(console, supervisor, job)
    await board_was_not_reloaded(supervisor)

    tech = await console.person(viewport=PHONE)
    await console.sign_in(tech, "T01")
    await technician_opens_voucher(console, tech, job)
    await technician_arrives(console, tech)
    await technician_carries_in(console, tech, job)
    assert job.repair_card_no and job.pickup_receipt_no, job
    await technician_logs_work(console, tech, job)

    await supervisor_inspects(console, supervisor, job)
    await technician_returns(console, tech, job)

    accountant = await console.person()
    await console.sign_in(accountant, "A01")
    await accountant_sees_invoice(console, accountant, job, "issued")

    receipt_url = system.url("dispatch", f"/pickup-receipts/{job.pickup_receipt_no}/pdf")
    text, images = await fetch_pdf(console, tech, receipt_url, "pickup-receipt")
    assert job.pickup_receipt_no in text and job.voucher_no in text, text
    assert "客户商品领取收据" in text, text
    assert [row for row in images.splitlines()[2:] if row.strip()], (
        "the pick-up receipt carries no image (the customer's signature)")

    card_url = system.url("dispatch", f"/repair-cards/{job.repair_card_no}/pdf")
    text, _images = await fetch_pdf(console, tech, card_url, "repair-card")
    assert job.repair_card_no in text and PARTS[0][0] in text, text
    assert "修护卡" in text, text

    # The returned card is read-only for the technician: no more work or return forms.
    await expect(tech.locator("#work-form")).to_have_count(0)
