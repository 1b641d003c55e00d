"""Billing's controls on fakes: claimed payment times (CT1), the collection-rate
exclusion from filing to closing (C13.2(3)) and the frozen over-acceptance ratio
(C13.2(1)) — issue 13 items 1, 5 and 8d."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.models import Base, plumbing
from services.billing.service import bookings, delays, invoices, ledger, payments, returns
from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database
from shared.events.complaints import ComplaintCopyIssued, ComplaintFiled
from shared.rules import RuleBroken, WrongState
from shared.testing import RecordingOutbox, fake_context, memory_database

from ..support import START, completed

ACCOUNTANT = Actor(user_id="A01", role="accountant", branch="SC01")
MANAGER = Actor(user_id="M01", role="branch_manager", branch="SC01")
SUPERVISOR = Actor(user_id="S01", role="supervisor", branch="SC01")
WAREHOUSE = Actor(user_id="W01", role="warehouse")
SALES = Actor(user_id="SA1", role="sales")
SALES_MANAGER = Actor(user_id="SM1", role="sales_manager")
SIGNED = {"signed_by": "Wang Wei", "note": "asked SA1: as the customer sent them"}


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    async with memory_database(Base.metadata) as database:
        yield database


@pytest.fixture
def ctx_outbox() -> tuple[Any, RecordingOutbox]:
    return fake_context(plumbing, clock=FixedClock(START), service="billing")


async def _issued(db: Database, ctx: Any) -> str:
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(
            ctx, session, completed("V-CT1", parts=(("P-X", 1, "1000.00"),)))
    assert invoice is not None and invoice.status == "issued"
    return invoice.invoice_no


async def _pay(db: Database, ctx: Any, invoice_no: str, actor: Actor, at: datetime,
               reason: str | None = None) -> Any:
    async with db.transaction() as session:
        _invoice, payment, _ = await payments.pay(
            ctx, session, actor=actor, invoice_no=invoice_no, amount=Decimal("10.00"),
            method="cash", collected_by=None, paid_at=at, backdate_reason=reason)
        return payment


async def test_ct1_payment_older_than_the_desk_window_needs_the_branch_manager(
        db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    number = await _issued(db, ctx)
    late = START - timedelta(days=3)
    for actor, reason, field in ((ACCOUNTANT, "found in the drawer", "paid_at"),
                                 (SUPERVISOR, "found in the drawer", "paid_at"),
                                 (MANAGER, None, "backdate_reason")):
        with pytest.raises(RuleBroken) as err:
            await _pay(db, ctx, number, actor, late, reason)
        assert (err.value.rule, err.value.field) == ("CT1", field)
    payment = await _pay(db, ctx, number, MANAGER, late, "found in the drawer")
    assert (payment.paid_at, payment.recorded_at) == (late, START)
    assert (payment.backdate_approved_by, payment.backdate_reason) == (
        "M01", "found in the drawer")


async def test_ct1_payment_within_the_desk_window_is_taken_as_claimed(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    number = await _issued(db, ctx)
    at = START - timedelta(hours=7)  # the branch's desk window: 8 h (branches file)
    payment = await _pay(db, ctx, number, ACCOUNTANT, at)
    assert (payment.paid_at, payment.recorded_at, payment.backdate_approved_by) == (
        at, START, None)


async def test_ct1_mailing_older_than_the_window_needs_the_branch_manager(
        db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    number = await _issued(db, ctx)
    late = START - timedelta(days=2)
    with pytest.raises(RuleBroken) as err:
        async with db.transaction() as session:
            await invoices.mark_mailed(ctx, session, actor=ACCOUNTANT, invoice_no=number,
                                       at=late)
    assert (err.value.rule, err.value.field) == ("CT1", "at")
    async with db.transaction() as session:
        invoice = await invoices.mark_mailed(ctx, session, actor=MANAGER, invoice_no=number,
                                             at=late, backdate_reason="post book")
    assert (invoice.mailed_at, invoice.mailed_recorded_at,
            invoice.mailed_backdate_approved_by) == (late, START, "M01")


def _filed(case_no: str, at: datetime, part_no: str = "P-100") -> ComplaintFiled:
    return ComplaintFiled(case_no=case_no, profile="manufacturer", classification="quality",
                          filed_at=at, part_no=part_no, order_no="SO-1", customer="ACME",
                          market="domestic")


def _copy(case_no: str, handling: str | None, at: datetime, quantity: int | None = None,
          part_no: str = "P-100") -> ComplaintCopyIssued:
    return ComplaintCopyIssued(
        case_no=case_no, recipient="accounting", profile="manufacturer", market="domestic",
        classification="quality", customer="ACME", order_no="SO-1", part_no=part_no,
        handling=handling, amount="500.00" if handling else None, quantity=quantity,
        responsible_unit=None, closed_at=at)


async def _rate(db: Database, ctx: Any, month: str) -> dict[str, Any]:
    async with db.transaction() as session:
        await ledger.add_receivable(ctx, session, actor=ACCOUNTANT, salesperson="SA1",
                                    month=month, part_no="P-100", order_no="SO-1",
                                    customer="ACME", amount_due=Decimal("1000.00"),
                                    amount_collected=Decimal("0.00"))
        await ledger.add_receivable(ctx, session, actor=ACCOUNTANT, salesperson="SA1",
                                    month=month, part_no="P-200", order_no=None,
                                    customer="ACME", amount_due=Decimal("1000.00"),
                                    amount_collected=Decimal("1000.00"))
    async with db.reading() as session:
        return await ledger.collection_rate(session, salesperson="SA1", month=month)


async def test_c13_2_3_part_excluded_from_filing_until_the_case_closes(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        await delays.complaint_filed(ctx, session, _filed("C-1", datetime(2026, 3, 2, tzinfo=UTC)))
    # March: the complaint is open, no copy has reached accounting yet.
    march = await _rate(db, ctx, "2026-03")
    assert march["rate"] == Decimal("1.0000") and [x["case_no"] for x in march["excluded"]] == [
        "C-1"]
    async with db.transaction() as session:  # closed not valid in April (C9.14)
        await returns.copy_issued(ctx, session, _copy("C-1", "not_valid",
                                                      datetime(2026, 4, 20, tzinfo=UTC)))
    assert [x["case_no"] for x in (await _rate(db, ctx, "2026-04"))["excluded"]] == ["C-1"]
    may = await _rate(db, ctx, "2026-05")
    assert may["excluded"] == [] and may["rate"] == Decimal("0.5000")


async def test_c13_2_3_a_return_keeps_the_exclusion_until_it_is_booked(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        await delays.complaint_filed(ctx, session, _filed("C-2", datetime(2026, 3, 2, tzinfo=UTC)))
        await returns.copy_issued(ctx, session, _copy("C-2", "return",
                                                      datetime(2026, 3, 10, tzinfo=UTC), 10))
    async with db.reading() as session:
        delay = await session.get(delays.CollectionDelay, "C-2")
    assert (delay.opened_on.isoformat(), delay.resolved_on) == ("2026-03-02", None)


async def test_c13_2_1_ratio_is_frozen_on_the_slip_while_a_return_is_pending(
        db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        await returns.set_order_ratio(ctx, session, actor=SALES, order_no="SO-1",
                                      ratio=Decimal("0.10"))
        await returns.copy_issued(ctx, session, _copy("C-3", "return",
                                                      datetime(2026, 3, 10, tzinfo=UTC), 100))
    with pytest.raises(WrongState) as err:
        async with db.transaction() as session:
            await returns.set_order_ratio(ctx, session, actor=SALES, order_no="SO-1",
                                          ratio=Decimal("0.50"))
    assert (err.value.rule, err.value.field) == ("C13.2(1)", "ratio")
    async with db.transaction() as session:
        await bookings.approve_slip(ctx, session, actor=SALES_MANAGER, slip_no="RS-C-3")
        slip = await bookings.receive(ctx, session, actor=WAREHOUSE, slip_no="RS-C-3",
                                      received_qty=108, **SIGNED)
    assert (slip.status, slip.ratio, slip.book_qty) == ("received", Decimal("0.1000"), 108)


async def test_c13_2_1_reprocess_slip_with_quantity_is_held_only_beyond_tolerance(
        db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    async with db.transaction() as session:
        await returns.copy_issued(ctx, session, _copy("C-4", "reprocess",
                                                      datetime(2026, 3, 10, tzinfo=UTC), 40,
                                                      part_no="P-300"))
        await returns.copy_issued(ctx, session, _copy("C-5", "reprocess",
                                                      datetime(2026, 3, 10, tzinfo=UTC), 40,
                                                      part_no="P-300"))
    async with db.transaction() as session:
        for slip_no in ("RS-C-4", "RS-C-5"):
            await bookings.approve_slip(ctx, session, actor=SALES_MANAGER, slip_no=slip_no)
        ok = await bookings.receive(ctx, session, actor=WAREHOUSE, slip_no="RS-C-4",
                                    received_qty=41, **SIGNED)
        held = await bookings.receive(ctx, session, actor=WAREHOUSE, slip_no="RS-C-5",
                                      received_qty=30, **SIGNED)
    assert (ok.approved_qty, ok.status, ok.ratio) == (40, "received", Decimal("0.0500"))
    assert held.status == "held" and "beyond tolerance" in held.decision
