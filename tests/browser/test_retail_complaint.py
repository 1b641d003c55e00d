"""A retail complaint with an allowance, executed at the till (issue 14, deliver 6; SPEC R2,
R2b, §7, C13.1(1)).

A counter (K01) files the complaint at the store ST01; the counter-group leader (L01)
registers it, the counter investigates, the leader grants an allowance within the counter's
authority (no branch approval). The closed case's accounting copy makes billing instruct
ST01's till; the till (the reference POS, ``tests/pos_simulator.py``) verifies the
signature, the cashier pays it and the till sends its signed ``allowance_executed`` event
to intake. The accountant (A01) then sees the instruction confirmed and the allowance
booked in the journal, in billing's pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from ..helpers import eventually
from .conftest import STORE, Console
from .flows import case_json, complete_step, eventually_on_page, file_complaint, open_page

pytestmark = pytest.mark.e2e

ALLOWANCE = "300.00"  # within the counter's 500.00 (SPEC R2 [choice]): no branch approval


async def reloaded_until(console: Console, page: Page, url: str, target: Locator,
                         step: str, *, walkthrough: str | None = None,
                         part: Locator | None = None) -> None:
    """Open ``url`` and look again until ``target`` is there: billing learns of the till's
    confirmation from events, and its pages do not poll by themselves."""
    await open_page(console, page, url, step)
    await eventually_on_page(page, target)
    await console.shot(page, f"{step}-seen", walkthrough=walkthrough, part=part)


async def test_a_retail_allowance_is_executed_at_the_till_and_booked(console) -> None:
    system = console.system
    assert system.till is not None
    counter, lead = await console.person(), await console.person()
    await console.sign_in(counter, "K01", service="complaints")
    await console.sign_in(lead, "L01", service="complaints")

    case_no = await file_complaint(console, counter, {
        "profile": "retail", "market": "domestic", "classification": "quality",
        "customer": "Ms Lin", "demand": "scratched door panel on delivery: an allowance",
        "store_id": STORE, "quantity": "1", "defective_quantity": "1",
    })
    await complete_step(console, lead, case_no, "registration", {"sales_slip_no": "POS-4471"})
    await complete_step(console, counter, case_no, "staff_investigation", {
        "cause": "door panel scratched in transport", "responsible_unit": "delivery"})
    await complete_step(console, lead, case_no, "lead_review", {
        "handling": "allowance", "amount": ALLOWANCE})
    closed = await case_json(console, lead, case_no)
    assert closed["status"] == "closed", closed

    # The till got the signed instruction and its cashier paid it (the simulator answers
    # with the signed allowance_executed event to intake).
    till = system.till

    async def instructed() -> dict[str, Any] | None:
        return next((i for i in till.instructions if i.get("case_no") == case_no), None)

    instruction = await eventually(instructed, within=30)
    assert (instruction["type"], instruction["amount"]) == ("allowance", ALLOWANCE), instruction

    accountant = await console.person()
    await console.sign_in(accountant, "A01")
    row = accountant.locator("#instructions tr[data-instruction]").filter(has_text=case_no)
    await reloaded_until(console, accountant,
                         system.url("billing", "/instructions?status=confirmed"),
                         row.locator(".status-confirmed"), "instructions",
                         walkthrough="25-retail-till-confirmed",
                         part=accountant.locator("#instructions"))
    await expect(row).to_have_attribute("data-instruction", instruction["instruction_id"])

    entries = accountant.locator("#journal tr[data-entry]")
    await reloaded_until(console, accountant,
                         system.url("billing", f"/journal/page?case_no={case_no}"),
                         entries.first, "journal")
    await expect(entries.filter(has_text="300").first).to_be_visible()
