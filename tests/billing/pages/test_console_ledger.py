"""The journal, reversals, the collection rate and the POS instructions in the browser
(issue 14 deliver 2; SPEC C13.2, C13.2(3), §7, §8)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.billing.models import PosInstruction, PosOrphanConfirmation
from tests.helpers import eventually, token

from ..api.test_billing_returns import approve, copy
from .test_billing_pages import sign_in

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
WAREHOUSE = token("warehouse", "W01")
AT = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)


async def _json(console, url: str) -> object | None:
    r = await console.client.get(url, headers=ACCOUNTANT)
    return r.json() if r.status_code == 200 and r.json() else None


async def _booked_return(app, case_no: str) -> dict:
    await app.publish(copy(case_no, quantity=10, amount="500.00"))
    await eventually(lambda: _json(app, f"/return-slips/RS-{case_no}"))
    await approve(app, f"RS-{case_no}")
    r = await app.client.post(f"/return-slips/RS-{case_no}/receipt",
                              json={"received_qty": 10}, headers=WAREHOUSE)
    assert r.status_code == 200, r.text
    r = await app.client.post(f"/return-slips/RS-{case_no}/book", headers=ACCOUNTANT,
                              json={"proof": "stamped_original_invoice", "amount": "500.00"})
    assert r.status_code == 200, r.text
    [entry] = await _json(app, f"/journal?case_no={case_no}")  # type: ignore[misc]
    return entry


async def test_c13_2_journal_page_reverses_an_entry_with_a_reason(console) -> None:
    entry = await _booked_return(console, "261411")
    entry_id = entry["entry_id"]
    cookies, csrf = await sign_in(console, "M01")  # the branch manager reads, never books
    page = await console.client.get("/journal/page", cookies=cookies)
    assert page.status_code == 200 and f'data-entry="{entry_id}"' in page.text
    assert 'data-action="reverse-entry"' not in page.text
    r = await console.client.post(f"/journal/page/{entry_id}/reverse", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "wrong order"})
    assert r.status_code == 403
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get("/journal/page?case_no=261411", cookies=cookies)
    assert 'data-action="reverse-entry"' in page.text and f'for="why-{entry_id}"' in page.text
    r = await console.client.post(f"/journal/page/{entry_id}/reverse", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "x"})
    assert r.status_code == 422  # a reason of at least three characters (§8)
    r = await console.client.post(f"/journal/page/{entry_id}/reverse", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "booked on the wrong order"})
    assert r.status_code == 303 and r.headers["location"] == "/journal/page?case_no=261411"
    entries = await _json(console, "/journal?case_no=261411")
    assert [e["reverses_entry_id"] for e in entries] == [None, entry_id]  # type: ignore[union-attr]
    assert entries[0] == entry  # type: ignore[index]  # the original is never edited
    assert (await _json(console, "/return-slips/RS-261411"))["status"] == "reversed"  # type: ignore[index]
    page = await console.client.get("/journal/page?case_no=261411", cookies=cookies)
    assert 'data-action="reverse-entry"' not in page.text  # neither can be reversed again
    r = await console.client.post(f"/journal/page/{entry_id}/reverse", cookies=cookies,
                                  data={"csrf_token": csrf, "reason": "twice over"})
    assert r.status_code == 409


async def test_c13_2_3_receivables_recorded_and_rate_charted_by_month(console) -> None:
    cookies, csrf = await sign_in(console, "A01")
    for month, due, collected in (("2026-02", "1000.00", "500.00"),
                                  ("2026-03", "400.00", "300.00")):
        r = await console.client.post("/collection/receivables", cookies=cookies, data={
            "csrf_token": csrf, "salesperson": "SA7", "month": month, "part_no": "PN-1",
            "order_no": "", "customer": "", "amount_due": due, "amount_collected": collected})
        assert r.status_code == 303 and r.headers["location"] == "/collection?salesperson=SA7"
    r = await console.client.post("/collection/receivables", cookies=cookies, data={
        "csrf_token": csrf, "salesperson": "SA7", "month": "2026-3", "part_no": "PN-1",
        "amount_due": "1.00", "amount_collected": "0.00"})
    assert r.status_code == 422
    page = await console.client.get("/collection?salesperson=SA7&lang=en", cookies=cookies)
    assert page.status_code == 200 and "<svg" in page.text
    assert "Collection rate by month" in page.text
    assert 'data-month="2026-02"' in page.text and "50.00%" in page.text
    assert 'data-month="2026-03"' in page.text and "75.00%" in page.text
    cookies, csrf = await sign_in(console, "SM01")  # reads the rate, records nothing
    page = await console.client.get("/collection?salesperson=SA7", cookies=cookies)
    assert page.status_code == 200 and 'id="receivable-form"' not in page.text
    r = await console.client.post("/collection/receivables", cookies=cookies, data={
        "csrf_token": csrf, "salesperson": "SA7", "month": "2026-03", "part_no": "PN-2",
        "amount_due": "1.00", "amount_collected": "0.00"})
    assert r.status_code == 403
    r = await console.client.get("/collection", headers=token("technician", "T01"))
    assert r.status_code == 403


async def test_s7_held_pos_booking_reviewed_in_the_page_and_orphans_listed(console) -> None:
    async with console.rt.db.transaction() as session:
        session.add(PosInstruction(
            instruction_id="PI-261421", case_no="261421", store_id="ST01", branch="SC01",
            type="refund", amount=Decimal("100.00"), customer="Walk-in", status="confirmed",
            attempts=1, executed_amount=Decimal("90.00"), confirmed_at=AT,
            hold_reason="executed 90.00 of 100.00", created_at=AT))
        session.add(PosOrphanConfirmation(
            event_id="ev-orphan-1", store_id="ST01", transaction_id="TX-9",
            instruction_id="PI-UNKNOWN", kind="refund", amount="12.00", executed_at=AT,
            reason="no such instruction", received_at=AT))
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get("/instructions", cookies=cookies)
    assert page.status_code == 200
    assert 'id="held-instructions"' in page.text and "PI-261421" in page.text
    assert "PI-UNKNOWN" in page.text and "no such instruction" in page.text
    r = await console.client.post("/instructions/PI-261421/review", cookies=cookies,
                                  data={"csrf_token": csrf, "note": "the till gave 90, agreed"})
    assert r.status_code == 303
    row = await _json(console, "/pos/instructions/PI-261421")
    assert (row["reviewed_by"], row["held_for_review"]) == ("A01", False)  # type: ignore[index]
    page = await console.client.get("/instructions", cookies=cookies)
    assert 'id="held-instructions"' not in page.text
    r = await console.client.post("/instructions/PI-261421/review", cookies=cookies,
                                  data={"csrf_token": csrf, "note": "once more"})
    assert r.status_code == 409
    cookies, _csrf = await sign_in(console, "M01")
    assert (await console.client.get("/instructions", cookies=cookies)).status_code == 403


async def test_every_new_billing_page_renders_in_three_languages(console) -> None:
    cookies, _csrf = await sign_in(console, "A01")
    for path in ("/returns", "/instructions", "/journal/page", "/collection?salesperson=SA0",
                 "/warranties", "/maintenance-contracts", "/prices/SC01",
                 "/payroll?month=2026-03"):
        for lang, word in (("en", "Billing pages"), ("zh-Hans", "会计页面"),
                           ("zh-Hant", "會計頁面")):
            sep = "&" if "?" in path else "?"
            r = await console.client.get(f"{path}{sep}lang={lang}", cookies=cookies)
            assert r.status_code == 200 and word in r.text, (path, lang)
    r = await console.client.get("/returns", cookies=(await sign_in(console, "T01"))[0])
    assert r.status_code == 403 and "<html" in r.text
