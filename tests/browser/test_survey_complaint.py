"""A survey answer with a serious complaint reaches the vice GM, and the customer hears the
outcome by e-mail (issue 14, deliver 6; SPEC Q24–Q28, Q26 函告該客戶).

The clerk registers a call for a customer who gave an e-mail address and reads Traditional
Chinese; the service department (D01) keys the paper survey card in with a serious
complaint and triages it; the complaints service opens a service case from the survey's
event, which waits in the vice GM's (VG01) queue; the vice GM handles it, the supervisor
(S01) records the visit (Q28), the service department records the letter (Q26) and the
case closes. The outcome letter goes out through the letter relay to the SMTP sink process
the services are configured with; the test reads the delivered message there.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import expect

from ..helpers import token
from .conftest import DemoCustomer, System
from .flows import (
    case_json,
    case_url,
    clerk_registers_call,
    complete_step,
    eventually_on_page,
    open_page,
)

pytestmark = pytest.mark.e2e

_phones = itertools.count(1)


async def customer_with_email(system: System, *, name: str, email: str,
                              language: str) -> DemoCustomer:
    """A customer who reads letters in ``language`` at ``email``, with a fridge out of
    warranty (set up through intake's API, as the demo customers are)."""
    phone = f"139{uuid.uuid4().int % 10**4:04d}{next(_phones):04d}"
    async with httpx.AsyncClient(base_url=system.url("intake"), headers=token("clerk", "C01"),
                                 timeout=30) as client:
        customer = (await client.post("/customers", json={
            "name": name, "phone": phone, "address": "18 Tianshan Rd", "district": "Changning",
            "branch": "SC01", "email": email, "language": language})).raise_for_status().json()
        product = (await client.post("/products", json={
            "customer_id": customer["id"], "model": "FR-300L",
            "serial": f"FR300-{uuid.uuid4().hex[:8]}",
            "purchased_on": (date.today() - timedelta(days=900)).isoformat(),
            "warranty_months": 24})).raise_for_status().json()
    return DemoCustomer(customer["id"], product["id"], name, phone, "FR-300L")


async def test_a_serious_survey_complaint_reaches_the_vice_gm_and_the_customer_hears(
        console) -> None:
    system = console.system
    assert system.mail is not None
    address = f"chen.jia.{uuid.uuid4().hex[:6]}@example.test"
    customer = await customer_with_email(system, name="Chen Jia", email=address,
                                         language="zh-Hant")
    clerk = await console.person()
    await console.sign_in(clerk, "C01")
    job = await clerk_registers_call(console, clerk, customer, "ice maker leaks")

    # SPEC Q24/Q25: the day's card for the call; the service department keys in the paper.
    service = await console.person()
    await console.sign_in(service, "D01", service="survey")
    await open_page(console, service, system.url("survey", "/"), "cards-of-the-day")
    row = service.locator(f'tr[data-card][data-voucher="{job.voucher_no}"]')
    await eventually_on_page(service, row)
    card_id = await row.get_attribute("data-card")
    async with service.expect_navigation():
        await row.locator(f'a[href="/cards/{card_id}"]').click()
    form = service.locator(f'#key-in form[action="/cards/{card_id}/answer"]')
    for dimension, level in (("attitude", "1"), ("skill", "2"), ("arrival", "1"),
                             ("follow_through", "1")):
        await form.locator(f'[name="{dimension}"][value="{level}"]').check()
    await form.locator("#comment").fill("came two hours late, left water on the floor")
    await form.locator('[name="complaint_kind"][value="complaint"]').check()
    await form.locator('[name="complaint_severity"][value="serious"]').check()
    await form.locator("#complaint_text").fill("The technician was rude and the leak is back")
    await console.shot(service, "paper-answer-keyed", walkthrough="20-survey-paper-answer",
                       part=service.locator("#key-in"))
    async with service.expect_navigation():
        await form.locator('[data-action="key-in"]').click()
    await expect(service.locator("#card")).to_have_attribute("data-status", "answered")

    # SPEC Q26: triaged serious (as the customer ticked it), it goes at once to the vice GM.
    await open_page(console, service, system.url("survey", "/"), "triage-queue")
    triage = service.locator(f'tr[data-triage="{card_id}"]')
    await expect(triage.locator('[name="severity"][value="serious"]')).to_be_checked()
    await console.shot(service, "triage", walkthrough="21-survey-triage",
                       part=service.locator("#triage"))
    async with service.expect_navigation():
        await triage.locator('[data-action="triage"]').click()
    await open_page(console, service, system.url("survey", f"/cards/{card_id}"), "card")
    case = service.locator("#complaint [data-case]:not([data-case=''])")
    await eventually_on_page(service, case)
    case_no = await case.get_attribute("data-case")
    assert case_no, "the card names no complaint case"
    await console.shot(service, "card-with-case")

    vice_gm = await console.person()
    await console.sign_in(vice_gm, "VG01", service="complaints")
    filed = await case_json(console, vice_gm, case_no)
    assert filed["current_step"] in ("registration", "vice_gm_handling"), filed
    if filed["current_step"] == "registration":  # the service department registers it
        await console.sign_in(service, "D01", service="complaints")
        await complete_step(console, service, case_no, "registration", {})
    await complete_step(console, vice_gm, case_no, "vice_gm_handling", {
        "outcome": "the technician apologises in person; the leak is repaired free of charge"},
        walkthrough="22-vice-gm-handles")

    supervisor = await console.person()
    await console.sign_in(supervisor, "S01", service="complaints")
    await complete_step(console, supervisor, case_no, "supervisor_visit", {
        "visited_by": "S01", "visited_on": date.today().isoformat()})
    await console.sign_in(service, "D01", service="complaints")
    await complete_step(console, service, case_no, "letter_to_customer",
                        {"letter_ref": f"SD-{case_no}"})
    closed = await case_json(console, service, case_no)
    assert closed["status"] == "closed", closed
    await open_page(console, service, case_url(console, case_no), "closed")

    # SPEC Q26: the outcome letter, delivered by the SMTP server, in the customer's language.
    message = await system.mail.message_to(address, subject_has=case_no)
    assert message["Subject"] == f"您的抱怨處理結果（案號 {case_no}）", message["Subject"]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Chen Jia" in text and case_no in text, text
    assert "處理結果：the technician apologises in person" in text, text
    assert f"SD-{case_no}" in text, text

    # The letter shows as sent on complaints' letters page (its keepers: GM office, vice GM).
    await open_page(console, vice_gm, system.url("complaints", "/letters"), "letters")
    letter = vice_gm.locator(
        f'#letters tr[data-kind="complaint_outcome"][data-ref="{case_no}"]')
    await expect(letter.locator('[data-status="sent"]')).to_be_visible()
    await console.shot(vice_gm, "letters", walkthrough="23-outcome-letter-sent",
                       part=vice_gm.locator("#letters"))
