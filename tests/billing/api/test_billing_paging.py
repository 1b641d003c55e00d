"""Every billing list pages (CONTRACT "Lists", issue 17): ``limit`` (default 100, at most
1000) and a ``Link: rel="next"`` to follow while there is more; the body stays a list.

Each list gets more rows than a small ``limit``; walking the ``Link`` headers to the end
gives the unpaged list exactly, with no gap or repeat, and the last page has no ``Link``.
Rows made on the fixed test clock share their time, so the lists ordered by a time are
cut on their tie-breaking document number.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.models import (
    PosInstruction,
    PosOrphanConfirmation,
    ReplacementRequest,
    WarrantyClaim,
)
from shared.events.complaints import PenaltyDecided
from tests.helpers import eventually, list_pages, token

from ..support import START, completed
from .test_billing_returns import copy

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
ADMIN = token("admin", "ADM", None)
OTHER_BRANCH = token("accountant", "A02", "SC02")
NEXT = re.compile(r'<(/[^>]*)>; rel="next"')


async def walk(billing, url: str, *, params: dict[str, Any], headers: dict[str, str],
               limit: int = 2) -> list[list[dict[str, Any]]]:
    """The pages of a list at ``limit``, following ``Link: rel="next"`` to the end."""
    return await list_pages(billing.client, url, headers=headers,
                            params={**params, "limit": limit})


async def check_paging(billing, url: str, key: str, *, params: dict[str, Any] | None = None,
                       headers: dict[str, str] = ACCOUNTANT, rows: int = 5) -> list[Any]:
    """The list pages at 2 to exactly its unpaged order; limit 0 and 1001 are 422."""
    params = params or {}
    whole = await billing.client.get(url, params=params, headers=headers)
    assert whole.status_code == 200, whole.text
    assert "link" not in whole.headers  # under the default limit: one page
    expected = [row[key] for row in whole.json()]
    assert len(expected) == rows and len(set(expected)) == rows
    pages = await walk(billing, url, params=params, headers=headers)
    assert [len(p) for p in pages] == [2] * (rows // 2) + ([rows % 2] if rows % 2 else [])
    assert [row[key] for p in pages for row in p] == expected  # no gap, no repeat
    assert [row for p in pages for row in p] == whole.json()  # the same bodies
    exact = await billing.client.get(url, params={**params, "limit": rows}, headers=headers)
    assert exact.json() == whole.json() and "link" not in exact.headers
    for bad in (0, 1001):
        r = await billing.client.get(url, params={**params, "limit": bad}, headers=headers)
        assert r.status_code == 422, (bad, r.text)
    return expected


async def add_rows(billing, *rows: object) -> None:
    async with billing.rt.db.transaction() as session:
        session.add_all(rows)


async def count_of(billing, url: str, n: int, *, params: dict[str, Any],
                   headers: dict[str, str] = ACCOUNTANT) -> bool:
    r = await billing.client.get(url, params={**params, "limit": 1000}, headers=headers)
    return r.status_code == 200 and len(r.json()) == n


# -- the big lists --------------------------------------------------------------------

async def test_lists_invoices_page_by_time_raised_then_number(billing) -> None:
    for i in range(5):
        await billing.publish(completed(f"V-PAGE{i}"))
    await eventually(lambda: count_of(billing, "/invoices", 5, params={"branch": "SC01"}))
    numbers = await check_paging(billing, "/invoices", "invoice_no", params={"branch": "SC01"})
    assert numbers == sorted(numbers)  # same time raised (fixed clock): by number
    # An unknown cursor, or another branch's invoice as one, is a 404 naming the cursor.
    r = await billing.client.get("/invoices", params={"branch": "SC01", "after": "NOPE"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 404 and r.json()["field"] == "after"
    r = await billing.client.get("/invoices", params={"ref": "X", "after": numbers[0]},
                                 headers=OTHER_BRANCH)
    assert r.status_code == 404 and r.json()["field"] == "after"
    r = await billing.client.get("/invoices", params={"branch": "SC01", "after": "a b"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422


async def test_lists_journal_pages_in_booking_order(billing) -> None:
    # 20 + 4 h × 100 + 2,000 = 2,420 > 500: issued, then paid in four parts.
    await billing.publish(completed("V-JPAGE", minutes=240, parts=(("P-PANEL", 1, "2000.00"),)))
    await eventually(lambda: count_of(billing, "/invoices", 1, params={"voucher_no": "V-JPAGE"}))
    invoice_no = (await billing.client.get("/invoices", params={"voucher_no": "V-JPAGE"},
                                           headers=ACCOUNTANT)).json()[0]["invoice_no"]
    for amount in ("100.00", "200.00", "300.00", "400.00"):
        r = await billing.client.post(f"/invoices/{invoice_no}/payments",
                                      json={"amount": amount}, headers=ACCOUNTANT)
        assert r.status_code == 201, r.text
    ids = await check_paging(billing, "/journal", "entry_id",
                             params={"invoice_no": invoice_no})
    assert ids == sorted(ids)
    r = await billing.client.get("/journal", params={"invoice_no": invoice_no,
                                                     "after_id": -1}, headers=ACCOUNTANT)
    assert r.status_code == 422 and "after_id" in r.text


async def test_lists_pos_instructions_page_oldest_first(billing) -> None:
    await add_rows(billing, *(PosInstruction(
        instruction_id=f"PI-26050{i}", case_no=f"26050{i}", store_id="ST-1", branch="SC01",
        type="refund", amount=Decimal("10.00"), customer="Acme", status="confirmed",
        attempts=1, created_at=START) for i in (3, 1, 4, 0, 2)))
    ids = await check_paging(billing, "/pos/instructions", "instruction_id")
    assert ids == [f"PI-26050{i}" for i in range(5)]
    r = await billing.client.get("/pos/instructions", params={"after": "PI-NONE"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 404 and r.json()["field"] == "after"
    r = await billing.client.get("/pos/instructions", params={"after": "PI-260501"},
                                 headers=OTHER_BRANCH)
    assert r.status_code == 404 and r.json()["field"] == "after"


async def test_lists_return_slips_and_allowances_page_oldest_first(billing) -> None:
    for i in range(5):
        await billing.publish(copy(f"26070{i}"))
        await billing.publish(copy(f"26080{i}", handling="allowance", quantity=None))
    await eventually(lambda: count_of(billing, "/return-slips", 5, params={}))
    await eventually(lambda: count_of(billing, "/allowances", 5, params={}))
    slips = await check_paging(billing, "/return-slips", "slip_no")
    assert slips == [f"RS-26070{i}" for i in range(5)]
    allowances = await check_paging(billing, "/allowances", "allowance_no")
    assert allowances == [f"AC-26080{i}" for i in range(5)]
    for url in ("/return-slips", "/allowances"):
        r = await billing.client.get(url, params={"after": "XX-1"}, headers=ACCOUNTANT)
        assert r.status_code == 404 and r.json()["field"] == "after"


async def test_lists_claims_and_replacements_page_oldest_first(billing) -> None:
    opened = [START + timedelta(minutes=m) for m in (0, 0, 5, 5, 9)]
    await add_rows(billing, *(WarrantyClaim(
        claim_no=f"CL-SC01-{i}", branch="SC01", voucher_no=f"V-CL{i}", kind="repair",
        cover_kind="contract", ref="MC-1", provider=None, amount=Decimal("50.00"),
        status="open", opened_at=at) for i, at in zip((4, 2, 3, 1, 0), opened, strict=True)))
    await add_rows(billing, *(ReplacementRequest(
        request_no=f"RR-SC01-{i}", branch="SC01", voucher_no=f"V-RR{i}", warranty_no="EW-1",
        customer_id=1, product_id=1, status="pending", requested_at=START,
        technician_id="T01") for i in (2, 0, 4, 1, 3)))
    claims = await check_paging(billing, "/claims", "claim_no")
    assert claims == ["CL-SC01-2", "CL-SC01-4", "CL-SC01-1", "CL-SC01-3", "CL-SC01-0"]
    requests = await check_paging(billing, "/replacements", "request_no")
    assert requests == [f"RR-SC01-{i}" for i in range(5)]
    for url, mark in (("/claims", "CL-SC01-2"), ("/replacements", "RR-SC01-0")):
        r = await billing.client.get(url, params={"after": mark}, headers=OTHER_BRANCH)
        assert r.status_code == 404 and r.json()["field"] == "after"


# -- the rest -------------------------------------------------------------------------

async def test_lists_orphan_confirmations_page_newest_first(billing) -> None:
    await add_rows(billing, *(PosOrphanConfirmation(
        event_id=f"ev-{i}", store_id="ST-1", transaction_id=f"TX-{i}",
        instruction_id=f"PI-UNKNOWN-{i}", kind="refund", amount="1.00", executed_at=START,
        reason="no such instruction", received_at=START) for i in range(5)))
    ids = await check_paging(billing, "/pos/orphan-confirmations", "id", headers=ADMIN)
    assert ids == sorted(ids, reverse=True)


async def test_lists_expiry_notices_page_oldest_first(billing) -> None:
    for product in range(5):
        r = await billing.client.post("/contracts", headers=ACCOUNTANT, json={
            "branch": "SC01", "customer_id": 8, "product_id": 80 + product,
            "starts_on": "2025-05-01", "ends_on": "2026-04-30", "fee": "0.00"})
        assert r.status_code == 201, r.text
    billing.clock.advance(timedelta(days=14))  # past the notices' due time (S20)
    await billing.rt.watchers["contract-expiry"].tick()
    # The cursor is the notice's id (in the Link only); a notice is its contract's.
    contracts = await check_paging(billing, "/contracts/expiry-notices", "contract_no",
                                   params={"branch": "SC01"},
                                   headers=token("supervisor", "S01"))
    assert contracts == sorted(contracts)  # issued in due order, then by number


async def test_lists_decisions_and_closed_months_page_in_order(billing) -> None:
    for decision_id in (14, 11, 15, 12, 13):
        await billing.publish(PenaltyDecided(
            decision_id=decision_id, case_no="261101", kind="administrative",
            month="2026-02", department="manufacturing", unit="nobody-here",
            person_id=None, loss_share=None, grade="warning", amount=None, supersedes=None,
            reason=None, decided_by="G01"))
    await eventually(lambda: count_of(billing, "/deductions/decisions", 5, params={}))
    ids = await check_paging(billing, "/deductions/decisions", "decision_id")
    assert ids == [11, 12, 13, 14, 15]
    for month in ("2025-11", "2025-12", "2026-01", "2026-02", "2026-03"):
        r = await billing.client.post(f"/deductions/months/{month}/close", headers=ACCOUNTANT)
        assert r.status_code == 200, r.text
    months = await check_paging(billing, "/deductions/months", "month")
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    r = await billing.client.get("/deductions/months", params={"after": "March"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 422 and "after" in r.text


async def test_lists_staff_register_pages_by_person(billing) -> None:
    for person in ("P3", "P1", "P5", "P2", "P4"):
        r = await billing.client.put(f"/staff/{person}", headers=ACCOUNTANT, json={
            "name": person, "unit": "SC01-field", "base_points": "10",
            "effective_month": "2026-01"})
        assert r.status_code == 200, r.text
    people = await check_paging(billing, "/staff", "person_id")
    assert people == ["P1", "P2", "P3", "P4", "P5"]
    assert await check_paging(billing, "/staff", "person_id",
                              params={"unit": "SC01-field"}) == people

