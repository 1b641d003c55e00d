"""SPEC S20 with issue 14 in the accountant's console: the issued expiry notice shows its
letter to the holder (e-mail pending, or to print), and prints as a PDF in the holder's
language, naming them and their address (CONTRACT "Console": text extractable)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.events.intake import CallRegistered
from tests.helpers import eventually, pdf_text, token

from .test_billing_pages import sign_in

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")


def _call(customer_id: int, at: datetime, **contact: str | None) -> CallRegistered:
    return CallRegistered(
        call_id=customer_id, voucher_no=f"SC01-V{customer_id:06d}", branch="SC01",
        customer_id=customer_id, customer_name="陳靜", district="Xuhui", product_id=80,
        model="TV-55", serial="S1", symptom="no picture", category="C", sla_class="urban",
        received_at=at, arrival_due_at=at, registered_by="C01", occurred_at=at, **contact)



async def test_s20_notice_letter_status_on_the_page_and_the_printed_notice(console) -> None:
    await console.publish(_call(8, console.clock.now(), customer_email="chen@example.com",
                                customer_language="zh-Hant",
                                customer_address="台北市信義路五段7號"))
    await eventually(lambda: console.drained("call-registered"))
    opened = []
    for customer_id, product_id in ((8, 80), (9, 90)):  # 9: billing knows no contact
        r = await console.client.post("/contracts", headers=ACCOUNTANT, json={
            "branch": "SC01", "customer_id": customer_id, "product_id": product_id,
            "starts_on": "2025-05-01", "ends_on": "2026-04-30", "fee": "0.00"})
        assert r.status_code == 201, r.text
        opened.append(r.json()["contract_no"])
    emailed, unknown = opened
    early = await console.client.get(f"/contracts/{emailed}/expiry-notice/pdf",
                                     headers=ACCOUNTANT)
    assert early.status_code == 404  # not issued yet (S20)

    console.clock.advance(timedelta(days=14))  # past 30 March 00:00 in Shanghai
    await console.rt.watchers["contract-expiry"].tick()
    cookies, _csrf = await sign_in(console)
    page = await console.client.get("/expiry-notices", cookies=cookies)
    issued = page.text.split('id="notices"')[1]
    # no SMTP server is configured here: the e-mail waits; the unknown holder's is to print
    row = issued.split(f'data-contract="{emailed}"')[1].split("</tr>")[0]
    assert 'data-letter-status="pending"' in row
    assert f'href="/contracts/{emailed}/expiry-notice/pdf"' in row
    other = issued.split(f'data-contract="{unknown}"')[1].split("</tr>")[0]
    assert 'data-letter-status="postal"' in other

    printed = await console.client.get(f"/contracts/{emailed}/expiry-notice/pdf",
                                       cookies=cookies)
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed.content)
    for said in ("保養到期通知書", emailed, "陳靜", "台北市信義路五段7號", "2026-04-30",
                 "續約"):  # the holder's language: Traditional
        assert said in text, said
    bearer = await console.client.get(f"/contracts/{unknown}/expiry-notice/pdf",
                                      headers=ACCOUNTANT)
    assert bearer.status_code == 200
    assert "保养到期通知书" in pdf_text(bearer.content)  # the branch's: Simplified
    for who in (token("clerk", "C01"), token("accountant", "A21", "SC02")):
        refused = await console.client.get(f"/contracts/{emailed}/expiry-notice/pdf",
                                           headers=who)
        assert refused.status_code == 403
