"""Billing's service layer without servers: invoice raising and payments (SPEC S10, S13).

``shared.testing`` fakes: a fixed clock, a recording outbox and an in-memory SQLite unit
of work holding billing's real tables, so the use cases run their real statements.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from services.billing.models import Base, Invoice, Payment, plumbing
from services.billing.service import invoices, payments
from services.billing.service.collection import CollectionSettings
from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database
from shared.rules import Forbidden, RuleBroken, WrongState
from shared.testing import RecordingOutbox, fake_context, memory_database

from ..support import START, completed

ACCOUNTANT = Actor(user_id="A01", role="accountant", branch="SC01")
OTHER_BRANCH = Actor(user_id="A21", role="accountant", branch="SC02")


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    async with memory_database(Base.metadata) as database:
        yield database


@pytest.fixture
def ctx_outbox() -> tuple[Any, RecordingOutbox]:
    return fake_context(plumbing, clock=FixedClock(START), service="billing")


async def audit_actions(db: Database, subject_id: str | None = None) -> list[str]:
    async with db.reading() as session:
        query = select(plumbing.audit_log.c.action).order_by(plumbing.audit_log.c.id)
        if subject_id is not None:
            query = query.where(plumbing.audit_log.c.subject_id == subject_id)
        return list(await session.scalars(query))


async def test_s10_on_site_job_under_threshold_is_paid_on_the_spot(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    # 20 visit + 1 h labour 100 + 2 × 45.50 = 211.00 ≤ 500.00 → collected on the spot.
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(
            ctx, session, completed("V-1", parts=(("P-FUSE", 2, "45.50"),)))
    assert invoice is not None
    assert (invoice.invoice_no, invoice.amount, invoice.status, invoice.collection) == (
        "SC01-2026-000001", Decimal("211.00"), "paid", "on_site")
    async with db.reading() as session:
        [payment] = list(await session.scalars(select(Payment)))
    assert (payment.receipt_no, payment.amount, payment.collected_by) == (
        "RC-SC01-2026-000001", Decimal("211.00"), "T01")
    assert outbox.types() == ["billing.invoice.raised.v1"]
    assert outbox.committed[0].status == "paid"  # type: ignore[attr-defined]
    actions = Counter(await audit_actions(db))
    assert (actions["invoice.raised"], actions["invoice.payment_recorded"]) == (1, 1)
    assert actions["journal.booked"] == 2  # the invoice and the payment


async def test_s10_above_threshold_is_issued_for_later(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(
            ctx, session, completed("V-BIG", minutes=240, parts=(("P-PANEL", 1, "2000.00"),)))
    assert invoice is not None
    assert (invoice.amount, invoice.status, invoice.collection) == (
        Decimal("2420.00"), "issued", "invoice_later")
    async with db.reading() as session:
        assert list(await session.scalars(select(Payment))) == []
    assert outbox.types() == ["billing.invoice.raised.v1"]
    assert (await audit_actions(db, invoice.invoice_no)).count("invoice.raised") == 1


async def test_s10_threshold_is_billings_own_setting(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    strict = CollectionSettings(onsite_threshold="500.00", onsite_thresholds={"SC01": "100.00"})
    assert strict.threshold("SC01") == Decimal("100.00")
    assert strict.threshold("SC02") == Decimal("500.00")
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(
            ctx, session, completed("V-2", parts=(("P-FUSE", 2, "45.50"),)), collection=strict)
    assert invoice is not None and invoice.status == "issued"  # 211.00 > 100.00
    with pytest.raises(RuleBroken):
        CollectionSettings(onsite_threshold="100.005")


async def test_s6_covered_work_is_audited_not_invoiced(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    async with db.transaction() as session:
        assert await invoices.voucher_completed(ctx, session, completed("V-B", category="B")) \
            is None
    assert outbox.types() == []
    assert await audit_actions(db, "V-B") == ["voucher.not_invoiced"]


async def test_s10_voucher_completed_twice_raises_one_invoice(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    for _ in range(2):
        async with db.transaction() as session:
            await invoices.voucher_completed(ctx, session, completed("V-TWICE"))
    async with db.reading() as session:
        assert len(list(await session.scalars(select(Invoice)))) == 1
    assert outbox.types() == ["billing.invoice.raised.v1"]


async def _issued(db: Database, ctx: Any) -> Invoice:
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(
            ctx, session, completed("V-PAY", minutes=240, parts=(("P-PANEL", 1, "2000.00"),)))
    assert invoice is not None
    return invoice


async def test_s10_payment_records_receipt_and_settles(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    invoice = await _issued(db, ctx)
    async with db.transaction() as session:
        _, first, balance = await payments.pay(
            ctx, session, actor=ACCOUNTANT, invoice_no=invoice.invoice_no,
            amount=Decimal("1000.00"), method="transfer", collected_by=None, paid_at=None)
    assert (first.receipt_no, balance) == ("RC-SC01-2026-000001", Decimal("1420.00"))
    with pytest.raises(RuleBroken) as err:  # over the balance
        async with db.transaction() as session:
            await payments.pay(ctx, session, actor=ACCOUNTANT, invoice_no=invoice.invoice_no,
                               amount=Decimal("2000.00"), method="cash", collected_by=None,
                               paid_at=None)
    assert (err.value.field, err.value.rule) == ("amount", "S10")
    async with db.transaction() as session:
        paid, second, balance = await payments.pay(
            ctx, session, actor=ACCOUNTANT, invoice_no=invoice.invoice_no,
            amount=Decimal("1420.00"), method="cash", collected_by="A01", paid_at=None)
    assert (paid.status, second.receipt_no, balance) == (
        "paid", "RC-SC01-2026-000002", Decimal("0.00"))
    with pytest.raises(WrongState):
        async with db.transaction() as session:
            await payments.pay(ctx, session, actor=ACCOUNTANT, invoice_no=invoice.invoice_no,
                               amount=Decimal("1.00"), method="cash", collected_by=None,
                               paid_at=None)
    assert (await audit_actions(db, invoice.invoice_no)).count(
        "invoice.payment_recorded") == 2


@pytest.mark.parametrize("paid_at", [
    datetime(2099, 1, 1, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC),
    datetime(1999, 12, 31, tzinfo=UTC),
])
async def test_s10_payment_dated_implausibly_is_refused(db, ctx_outbox, paid_at) -> None:
    ctx, _ = ctx_outbox
    invoice = await _issued(db, ctx)
    with pytest.raises(RuleBroken) as err:
        async with db.transaction() as session:
            await payments.pay(ctx, session, actor=ACCOUNTANT, invoice_no=invoice.invoice_no,
                               amount=Decimal("10.00"), method="cash", collected_by=None,
                               paid_at=paid_at)
    assert (err.value.field, err.value.rule) == ("paid_at", "CT1")


async def test_s10_payment_on_another_branchs_invoice_is_forbidden(db, ctx_outbox) -> None:
    ctx, _ = ctx_outbox
    invoice = await _issued(db, ctx)
    with pytest.raises(Forbidden):
        async with db.transaction() as session:
            await payments.pay(ctx, session, actor=OTHER_BRANCH, invoice_no=invoice.invoice_no,
                               amount=Decimal("10.00"), method="cash", collected_by=None,
                               paid_at=None)
    with pytest.raises(Forbidden):
        async with db.transaction() as session:
            await invoices.mark_mailed(ctx, session, actor=OTHER_BRANCH,
                                       invoice_no=invoice.invoice_no, at=None)


async def test_s10_void_refunds_and_announces(db, ctx_outbox) -> None:
    ctx, outbox = ctx_outbox
    async with db.transaction() as session:
        invoice = await invoices.voucher_completed(ctx, session, completed("V-VOID"))
    assert invoice is not None and invoice.status == "paid"
    async with db.transaction() as session:
        voided = await payments.void(ctx, session, actor=ACCOUNTANT,
                                     invoice_no=invoice.invoice_no, reason="wrong customer")
    assert voided.status == "void"
    async with db.reading() as session:
        amounts = sorted(p.amount for p in await session.scalars(select(Payment)))
    assert amounts == [Decimal("-120.00"), Decimal("120.00")]
    assert outbox.types() == ["billing.invoice.raised.v1", "billing.invoice.voided.v1"]
