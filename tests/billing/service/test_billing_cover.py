"""Cover applied per call, claims and replacements on fakes (SPEC E3, E4, E5, S6 B).

Issue 13 item 4: before, any call on a covered product was B and free whatever the
cause, nobody was billed for B work and an unrepairable unit had no replacement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from services.billing.models import (
    Base,
    ExtendedWarranty,
    Invoice,
    JournalEntry,
    ReplacementRequest,
    WarrantyClaim,
    plumbing,
)
from services.billing.service import claims, contracts, cover, replacements, vouchers, warranties
from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database
from shared.events.billing import CoverRefused
from shared.events.intake import CallRegistered
from shared.rules import Forbidden, WrongState
from shared.testing import RecordingOutbox, fake_context, memory_database

from ..support import START, completed

ACCOUNTANT = Actor(user_id="A01", role="accountant", branch="SC01")
MANAGER = Actor(user_id="M01", role="branch_manager", branch="SC01")
POS = Actor(user_id="pos:ST01", role="pos")
PARTS = (("P-BOARD", 1, "400.00"),)  # 20 visit + 1 h 100 + 400 = 520.00


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    async with memory_database(Base.metadata) as database:
        yield database


@pytest.fixture
def ctx_outbox() -> tuple[Any, RecordingOutbox]:
    return fake_context(plumbing, clock=FixedClock(START), service="billing")


async def _known(db: Database, ctx: Any, voucher_no: str, product_id: int) -> None:
    event = CallRegistered(
        call_id=abs(hash(voucher_no)) % 100000, voucher_no=voucher_no, branch="SC01",
        customer_id=7, customer_name="Wu Mei", district="Xuhui", product_id=product_id,
        model="TV-55", serial="S1", symptom="no picture", category="B", sla_class="urban",
        received_at=START, arrival_due_at=START, registered_by="C01")
    async with db.transaction() as session:
        await vouchers.voucher_known(ctx, session, event)


async def _warranty(db: Database, ctx: Any, product_id: int, *, store: str | None = "ST01"
                    ) -> ExtendedWarranty:
    async with db.transaction() as session:
        return await warranties.open_warranty(
            ctx, session, actor=POS if store else ACCOUNTANT, branch="SC01", customer_id=7,
            product_id=product_id, product_price=Decimal("6000.00"), years=2,
            maker_warranty_ends_on=date(2026, 1, 31), channel="pos" if store else "counter",
            store_id=store, transaction_id="TX1" if store else None)


def _b(voucher_no: str, **found: Any) -> Any:
    event = completed(voucher_no, category="B", parts=PARTS)
    return event.model_copy(update=found)


@pytest.mark.parametrize(("found", "reason"), [
    ({"component": "main_board", "cause": "misuse"}, "misuse"),
    ({"component": "cabinet", "cause": "accidental_damage"}, "accidental_damage"),
    ({"component": "consumable", "cause": "defect"}, "component:consumable"),
])
async def test_e3_misuse_damage_or_excluded_part_makes_the_call_a_and_invoices_it(
        db, ctx_outbox, found, reason) -> None:
    ctx, outbox = ctx_outbox
    warranty = await _warranty(db, ctx, 70)
    await _known(db, ctx, "SC01-V-E3", 70)
    async with db.transaction() as session:
        invoice = await cover.voucher_completed(ctx, session, _b("SC01-V-E3", **found))
    # Invoiced as A work (S10/S13 lines), against the invoice: nothing was collected.
    assert invoice is not None
    assert (invoice.amount, invoice.status, invoice.collection, invoice.voucher_no) == (
        Decimal("520.00"), "issued", "invoice_later", "SC01-V-E3")
    [refused] = [e for e in outbox.committed if isinstance(e, CoverRefused)]
    assert (refused.voucher_no, refused.ref, refused.reason, refused.category) == (
        "SC01-V-E3", warranty.warranty_no, reason, "A")
    async with db.reading() as session:
        assert list(await session.scalars(select(WarrantyClaim))) == []


async def test_e3_covered_cause_is_not_invoiced_to_the_customer(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    await _warranty(db, ctx, 71)
    await _known(db, ctx, "SC01-V-OK", 71)
    async with db.transaction() as session:
        assert await cover.voucher_completed(ctx, session, _b(
            "SC01-V-OK", component="power_supply", cause="power_surge")) is None
    async with db.reading() as session:
        assert list(await session.scalars(select(Invoice).where(
            Invoice.voucher_no == "SC01-V-OK"))) == []
    assert "billing.cover.refused.v1" not in outbox.types()


async def test_e5_covered_work_is_claimed_from_the_stores_provider(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    warranty = await _warranty(db, ctx, 72)
    assert warranty.provider == "EWP-DEMO"  # shared/reference/stores.json
    await _known(db, ctx, "SC01-V-E5", 72)
    async with db.transaction() as session:
        await cover.voucher_completed(ctx, session, _b(
            "SC01-V-E5", component="display", cause="defect"))
    async with db.reading() as session:
        [claim] = await claims.find_claims(session, actor=ACCOUNTANT, branch=None,
                                           status=None, provider=None)
        lines = await claims.claim_lines(session, claim.claim_no)
    # Costed as the same job invoiced as A work would be (visit, labour, parts).
    assert (claim.claim_no, claim.kind, claim.provider, claim.amount, claim.status) == (
        "WC-SC01-2026-000001", "repair", "EWP-DEMO", Decimal("520.00"), "open")
    assert [x.kind for x in lines] == ["visit", "labour", "part"]
    with pytest.raises(WrongState):  # open → paid skips submission
        async with db.transaction() as session:
            await claims.settle(ctx, session, actor=ACCOUNTANT, claim_no=claim.claim_no,
                                paid=True, note=None)
    async with db.transaction() as session:
        await claims.submit(ctx, session, actor=ACCOUNTANT, claim_no=claim.claim_no,
                            provider_ref="EWP-778")
    async with db.transaction() as session:
        paid = await claims.settle(ctx, session, actor=ACCOUNTANT, claim_no=claim.claim_no,
                                   paid=True, note="remittance 12")
    assert (paid.status, paid.submitted_by, paid.settled_by, paid.provider_ref) == (
        "paid", "A01", "A01", "EWP-778")
    async with db.reading() as session:
        memos = [e.memo for e in await session.scalars(select(JournalEntry).where(
            JournalEntry.source_no == claim.claim_no).order_by(JournalEntry.id))]
    assert len(memos) == 2 and "against provider EWP-DEMO" in memos[0]


async def test_e5_contract_work_is_booked_against_the_contract(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        contract = await contracts.open_contract(
            ctx, session, actor=ACCOUNTANT, branch="SC01", customer_id=7, product_id=73,
            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), fee=Decimal("360.00"))
    await _known(db, ctx, "SC01-V-MC", 73)
    async with db.transaction() as session:
        await cover.voucher_completed(ctx, session, _b(
            "SC01-V-MC", component="compressor", cause="wear"))
    async with db.reading() as session:
        [claim] = list(await session.scalars(select(WarrantyClaim)))
    assert (claim.cover_kind, claim.ref, claim.provider, claim.status, claim.amount) == (
        "contract", contract.contract_no, None, "booked", Decimal("520.00"))


async def test_e4_unrepairable_unit_is_replaced_on_the_branch_managers_approval(
        db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    warranty = await _warranty(db, ctx, 74)
    await _known(db, ctx, "SC01-V-E4", 74)
    async with db.transaction() as session:
        await cover.voucher_completed(ctx, session, _b(
            "SC01-V-E4", component="main_board", cause="defect", repairable=False))
    async with db.reading() as session:
        [request] = await replacements.find_requests(session, actor=ACCOUNTANT, branch=None,
                                                     status="pending")
    assert (request.request_no, request.warranty_no, request.technician_id) == (
        "RR-SC01-V-E4", warranty.warranty_no, "T01")
    with pytest.raises(Forbidden):  # the accountant sees it but does not decide it
        async with db.transaction() as session:
            await replacements.decide(ctx, session, actor=ACCOUNTANT,
                                      request_no=request.request_no, approve=True, note=None)
    async with db.transaction() as session:
        done = await replacements.decide(ctx, session, actor=MANAGER,
                                         request_no=request.request_no, approve=True,
                                         note="no board available", provider_ref="AUTH-9")
    assert (done.status, done.decided_by, done.decided_role, done.decided_at) == (
        "approved", "M01", "branch_manager", START)
    with pytest.raises(WrongState):
        async with db.transaction() as session:
            await replacements.decide(ctx, session, actor=MANAGER,
                                      request_no=request.request_no, approve=False, note="x")
    async with db.reading() as session:
        noted = await session.get(ExtendedWarranty, warranty.warranty_no)
        kinds = sorted((c.kind, c.amount) for c in await session.scalars(
            select(WarrantyClaim)))
        assert (await session.get(ReplacementRequest, request.request_no)).status == "approved"
    assert (noted.replaced_on, noted.replacement_no) == (date(2026, 3, 16), request.request_no)
    assert kinds == [("repair", Decimal("520.00")), ("replacement", Decimal("6000.00"))]


async def test_e4_repairable_or_refused_cover_opens_no_replacement(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    await _warranty(db, ctx, 75)
    await _known(db, ctx, "SC01-V-R1", 75)
    async with db.transaction() as session:
        await cover.voucher_completed(ctx, session, _b(
            "SC01-V-R1", component="main_board", cause="misuse", repairable=False))
    async with db.reading() as session:
        assert list(await session.scalars(select(ReplacementRequest))) == []


async def test_e3_judged_once_per_voucher(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    await _warranty(db, ctx, 76)
    await _known(db, ctx, "SC01-V-2X", 76)
    event = _b("SC01-V-2X", component="main_board", cause="misuse")
    for _ in range(2):  # a re-publication under a new event id
        async with db.transaction() as session:
            await cover.voucher_completed(ctx, session, event)
    assert outbox.types().count("billing.cover.refused.v1") == 1


async def test_e3_a_call_without_a_known_cover_stays_uninvoiced(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        assert await cover.voucher_completed(ctx, session, _b(
            "SC01-V-NONE", component="main_board", cause="misuse")) is None


def test_support_clock_is_the_billing_start() -> None:
    assert datetime(2026, 3, 16, 2, 0, tzinfo=UTC) == START
