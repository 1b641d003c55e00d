"""Issue 11: one winner on both engines (SQLite and PostgreSQL).

The same request sent 20 times at once leaves exactly one effect and one audit entry;
the others answer 409 (or, for an idempotent PUT, the same answer). The record whose
state is checked is locked FOR UPDATE first (PostgreSQL); SQLite serialises writers with
``BEGIN IMMEDIATE`` (shared.db).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from sqlalchemy import func, select

from services.billing.app import create_app
from services.billing.models import Base, JournalEntry, PosInstruction, plumbing
from services.billing.service import pos
from shared.clock import FixedClock
from shared.db import Database
from shared.events.complaints import ComplaintCopyIssued
from shared.events.intake import PosInstructionExecuted
from shared.testing import fake_context
from tests.helpers import eventually, running, token
from tests.infra import ENGINES

from ..support import START, Billing, completed

pytestmark = pytest.mark.integration

N = 20
ACCOUNTANT = token("accountant", "A01")
ADMIN = token("admin", "ADM", None)



@pytest.fixture(params=ENGINES)
async def engine_billing(request: Any, ns: Any) -> AsyncIterator[Billing]:
    clock = FixedClock(START)
    app = create_app(ns.on_engine("billing", request.param), clock=clock)
    async with running(app) as client:
        nc = await nats.connect(ns.infra.nats_url)
        try:
            yield Billing(app=app, client=client, clock=clock, nc=nc, prefix=ns.tag,
                          stream=ns.tag.upper())
        finally:
            await nc.close()


async def _burst(billing: Billing, method: str, url: str, **kwargs: Any) -> Counter[int]:
    responses = await asyncio.gather(*(
        billing.client.request(method, url, **kwargs) for _ in range(N)))
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses]
    return Counter(r.status_code for r in responses)


async def _audit(billing: Billing, subject_type: str, subject_id: str) -> Counter[str]:
    r = await billing.client.get(f"/admin/audit/{subject_type}/{subject_id}", headers=ADMIN)
    return Counter(e["action"] for e in r.json()) if r.status_code == 200 else Counter()


async def _invoice(billing: Billing, voucher_no: str) -> dict[str, Any]:
    async def probe() -> list[dict[str, Any]] | None:
        r = await billing.client.get("/invoices", params={"voucher_no": voucher_no},
                                     headers=ACCOUNTANT)
        return r.json() or None
    return (await eventually(probe))[0]


async def test_issue11_one_payment_and_one_mailing_under_a_burst(engine_billing) -> None:
    billing = engine_billing
    await billing.publish(completed("V-BURST", minutes=240, parts=(("P-PANEL", 1, "2000.00"),)))
    number = (await _invoice(billing, "V-BURST"))["invoice_no"]
    codes = await _burst(billing, "POST", f"/invoices/{number}/payments",
                         json={"amount": "2420.00"}, headers=ACCOUNTANT)
    assert codes == Counter({201: 1, 409: N - 1})
    invoice = await _invoice(billing, "V-BURST")
    assert len(invoice["payments"]) == 1 and invoice["status"] == "paid"
    codes = await _burst(billing, "POST", f"/invoices/{number}/mailed", json={},
                         headers=ACCOUNTANT)
    assert codes == Counter({200: 1, 409: N - 1})
    audit = await _audit(billing, "invoice", number)
    assert (audit["invoice.payment_recorded"], audit["invoice.mailed"]) == (1, 1)


async def test_issue11_one_approval_and_one_signature_under_a_burst(engine_billing) -> None:
    billing = engine_billing
    await billing.publish(ComplaintCopyIssued(
        case_no="260399", recipient="accounting", profile="manufacturer", market="domestic",
        classification="quality", customer="Acme Trading", order_no="PO-1", part_no="PN-9",
        handling="allowance", amount="300.00", quantity=None, responsible_unit="assembly",
        closed_at=datetime(2026, 3, 12, 8, 0, tzinfo=UTC)))

    async def opened() -> bool:
        r = await billing.client.get("/allowances/AC-260399", headers=ACCOUNTANT)
        return r.status_code == 200

    await eventually(opened)
    codes = await _burst(billing, "POST", "/allowances/AC-260399/approve",
                         headers=token("branch_manager", "M01"))
    assert codes == Counter({200: 1, 409: N - 1})
    codes = await _burst(billing, "POST", "/allowances/AC-260399/sign",
                         json={"signed_by": "Acme buyer"}, headers=ACCOUNTANT)
    assert codes == Counter({200: 1, 409: N - 1})
    audit = await _audit(billing, "allowance", "AC-260399")
    assert (audit["allowance.approved"], audit["allowance.signed"]) == (1, 1)
    r = await billing.client.get("/allowances/AC-260399", headers=ACCOUNTANT)
    assert len(r.json()["approvals"]) == 1


async def test_issue11_one_bonus_record_under_a_burst_of_the_same_put(engine_billing) -> None:
    billing = engine_billing
    r = await billing.client.put("/staff/T01", headers=ACCOUNTANT, json={
        "name": "Technician Li", "unit": "SC01-field", "base_points": "10",
        "effective_month": "2026-01"})  # P6: base points live in the staff register
    assert r.status_code == 200, r.text
    codes = await _burst(billing, "PUT", "/bonuses/T01/2026-04",
                         json={"amount": "800.00"}, headers=ACCOUNTANT)
    assert codes == Counter({200: N})  # idempotent: the same answer
    audit = await _audit(billing, "person", "T01")
    assert audit["bonus.recorded"] == 1


@pytest.mark.parametrize("engine", ENGINES)
async def test_issue11_one_booking_for_a_burst_of_pos_confirmations(ns, engine) -> None:
    """20 confirmations of one instruction (distinct events, the same POS transaction)
    applied at once: one booking, one audit entry, one ``ReturnBooked`` (SPEC §7)."""
    db = Database(ns.on_engine("billing", engine).sqlalchemy_url())
    from shared.db import ensure_database

    await ensure_database(db.url)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    ctx, outbox = fake_context(plumbing, clock=FixedClock(START), service="billing")
    try:
        async with db.transaction() as session:
            await pos.instruct_store(ctx, session, ComplaintCopyIssued(
                case_no="260398", recipient="accounting", profile="retail", market="domestic",
                classification="quality", customer="Wu Mei", order_no=None, part_no="PN-1",
                handling="return", amount="120.00", quantity=1, responsible_unit=None,
                closed_at=datetime(2026, 3, 12, 8, 0, tzinfo=UTC), store_id="ST07",
                branch="SC01"))

        async def confirm() -> None:
            event = PosInstructionExecuted(
                store_id="ST07", transaction_id="TX-1", instruction_id="PI-260398",
                kind="return_executed", amount="120.00", executed_at=START)
            async with db.transaction() as session:
                await pos.execution_reported(ctx, session, event)

        await asyncio.gather(*(confirm() for _ in range(N)))
        async with db.reading() as session:
            entries = await session.scalar(select(func.count()).select_from(JournalEntry))
            row = await session.get(PosInstruction, "PI-260398")
            audit = list(await session.scalars(select(plumbing.audit_log.c.action).where(
                plumbing.audit_log.c.action == "pos_instruction.confirmed")))
        assert row is not None and row.status == "confirmed"
        assert (entries, len(audit)) == (1, 1)
        assert outbox.types().count("billing.return.booked.v1") == 1
    finally:
        await db.dispose()
