"""Payments, receipts and voids of invoices (SPEC S10, §8).

Invariants enforced here:

- a payment is positive, at most the balance due, and gets its own gap-free receipt
  number; when the balance reaches zero the invoice becomes ``paid``;
- its ``paid_at`` is a claimed time stored beside ``recorded_at`` (SPEC CT1); beyond the
  branch's desk window only the branch manager records it, with a reason;
- a void never edits: it adds an ``invoice_voids`` row, reverses every journal entry of
  the invoice not yet reversed, and refunds each payment with a negative payment that
  names the receipt it reverses.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.claimed import Claim, accept_claim
from shared.context import Context
from shared.db import get_or_404
from shared.events.billing import InvoiceVoided
from shared.money import ZERO, round_money
from shared.rules import WrongState

from ..domain import ledger
from ..domain.pricing import InvoiceStatus
from ..domain.returns import reverse
from ..models import Invoice, InvoiceVoid, JournalEntry, Payment
from .common import book, entry_lines, next_serial

PAYMENT_METHODS = ("cash", "transfer", "card", "cheque")
# SPEC CT1 [choice]: in billing a payment (or a mailing) keyed later than the branch's
# desk window is approved by the branch manager, who answers for the branch's cash; a
# supervisor runs technicians, not the till.
LATE_ENTRY_APPROVERS = frozenset({"branch_manager"})


async def paid_total(session: AsyncSession, invoice_no: str) -> Decimal:
    """Payments less refunds on an invoice."""
    value = await session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_no == invoice_no)
    )
    return round_money(Decimal(value or 0))


async def payments_of(session: AsyncSession, invoice_no: str) -> list[Payment]:
    """An invoice's payments and refunds in receipt order."""
    rows = await session.scalars(
        select(Payment).where(Payment.invoice_no == invoice_no)
        .order_by(Payment.receipt_no)
    )
    return list(rows)


async def _receipt_no(ctx: Context, session: AsyncSession, invoice: Invoice, at: datetime) -> str:
    year = ctx.branch(invoice.branch).local_date(at).year
    serial = await next_serial(session, kind="receipt", scope=invoice.branch, period=str(year))
    return f"RC-{invoice.branch}-{year:04d}-{serial:06d}"


async def record_payment(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice: Invoice, amount: Decimal,
    method: str, collected_by: str | None, paid_at: datetime | None = None,
    claim: Claim | None = None,
) -> Payment:
    """Record a payment and its receipt; settle the invoice when fully paid (SPEC S10).

    ``invoice`` must have been loaded ``FOR UPDATE`` (one winner on PostgreSQL; SQLite
    serialises writers), so two payments never both see the same balance.
    """
    if invoice.status == InvoiceStatus.VOID:
        raise WrongState("the invoice is void", field="invoice_no", rule="S10")
    if invoice.status == InvoiceStatus.PAID:
        raise WrongState("the invoice is already paid", field="invoice_no", rule="S10")
    paid = await paid_total(session, invoice.invoice_no)
    value = ledger.check_payment(amount=amount, invoice_amount=invoice.amount, paid=paid)
    at = claim.at if claim is not None else paid_at or ctx.now()
    payment = Payment(
        receipt_no=await _receipt_no(ctx, session, invoice, at), invoice_no=invoice.invoice_no,
        amount=value, method=method, collected_by=collected_by, paid_at=at,
        recorded_at=ctx.now(),
        backdate_reason=claim.backdate_reason if claim is not None else None,
        backdate_approved_by=claim.backdate_approved_by if claim is not None else None,
        reverses_receipt=None, recorded_by=actor.user_id, recorded_role=actor.role,
    )
    session.add(payment)
    if ledger.settled(invoice_amount=invoice.amount, paid=paid + value):
        invoice.status = InvoiceStatus.PAID.value
    await session.flush()
    await book(ctx, session, actor=actor, lines=ledger.journal_for_payment(value),
               source_type="payment", source_no=payment.receipt_no,
               memo=f"payment {payment.receipt_no} on {invoice.invoice_no}",
               invoice_no=invoice.invoice_no)
    await ctx.audit.record(
        session, actor=actor, action="invoice.payment_recorded", subject_type="invoice",
        subject_id=invoice.invoice_no,
        detail={"receipt_no": payment.receipt_no, "amount": value, "method": method,
                "collected_by": collected_by, "status": invoice.status, "paid_at": at,
                "backdate_reason": payment.backdate_reason,
                "backdate_approved_by": payment.backdate_approved_by})
    return payment


async def pay(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice_no: str, amount: Decimal,
    method: str, collected_by: str | None, paid_at: datetime | None,
    backdate_reason: str | None = None,
) -> tuple[Invoice, Payment, Decimal]:
    """An accountant records a payment: the invoice (locked, the caller's branch), the
    payment and the balance left (SPEC S10). ``paid_at`` is a claimed time (SPEC CT1):
    not in the future nor before 2000, and older than the branch's desk window only when
    the branch manager records it with a reason (stored with the payment)."""
    invoice = await _locked_invoice(session, actor, invoice_no)
    claim = accept_claim(
        paid_at, now=ctx.now(), window=ctx.branch(invoice.branch).claim_windows.desk,
        field="paid_at", actor_role=actor.role, actor_id=actor.user_id,
        reason=backdate_reason, approvers=LATE_ENTRY_APPROVERS, what="the payment")
    payment = await record_payment(ctx, session, actor=actor, invoice=invoice, amount=amount,
                                   method=method, collected_by=collected_by, claim=claim)
    balance = invoice.amount - await paid_total(session, invoice_no)
    return invoice, payment, balance


async def void(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice_no: str, reason: str
) -> Invoice:
    """An accountant voids an invoice of their branch (SPEC S10, §8)."""
    invoice = await _locked_invoice(session, actor, invoice_no)
    return await void_invoice(ctx, session, actor=actor, invoice=invoice, reason=reason)


async def _locked_invoice(session: AsyncSession, actor: Actor, invoice_no: str) -> Invoice:
    # Locked FOR UPDATE before its state is checked: one winner on PostgreSQL too.
    invoice = await get_or_404(session, Invoice, invoice_no, what="invoice",
                               field="invoice_no", lock=True)
    require_branch(actor, invoice.branch, field="invoice_no")
    return invoice


async def void_invoice(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice: Invoice, reason: str
) -> Invoice:
    """Void an invoice by reversing records: refunds, reversing entries (SPEC S10, §8)."""
    if invoice.status == InvoiceStatus.VOID:
        raise WrongState("the invoice is already void", field="invoice_no", rule="S10")
    now = ctx.now()
    for payment in await payments_of(session, invoice.invoice_no):
        if payment.amount > ZERO and not await _refunded(session, payment.receipt_no):
            session.add(Payment(
                receipt_no=await _receipt_no(ctx, session, invoice, now),
                invoice_no=invoice.invoice_no, amount=-payment.amount, method=payment.method,
                collected_by=None, paid_at=now, reverses_receipt=payment.receipt_no,
                recorded_by=actor.user_id, recorded_role=actor.role,
            ))
    await reverse_entries(ctx, session, actor=actor, invoice_no=invoice.invoice_no, reason=reason)
    session.add(InvoiceVoid(
        invoice_no=invoice.invoice_no, amount=-invoice.amount, reason=reason,
        voided_by=actor.user_id, voided_role=actor.role, voided_at=now,
    ))
    invoice.status = InvoiceStatus.VOID.value
    await ctx.audit.record(session, actor=actor, action="invoice.voided",
                           subject_type="invoice", subject_id=invoice.invoice_no,
                           detail={"reason": reason})
    await ctx.outbox.add(session, InvoiceVoided(
        invoice_no=invoice.invoice_no, voucher_no=invoice.voucher_no, branch=invoice.branch,
        amount=str(invoice.amount), reason=reason, voided_by=actor.user_id,
    ))
    return invoice


async def _refunded(session: AsyncSession, receipt_no: str) -> bool:
    found = await session.scalar(select(Payment).where(Payment.reverses_receipt == receipt_no))
    return found is not None


async def reverse_entries(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice_no: str, reason: str
) -> None:
    """Reverse every booked entry of an invoice that is not reversed yet (SPEC §8)."""
    entries = list(await session.scalars(
        select(JournalEntry).where(JournalEntry.invoice_no == invoice_no,
                                   JournalEntry.reverses_id.is_(None))
        .order_by(JournalEntry.id)
    ))
    reversed_ids = set(await session.scalars(
        select(JournalEntry.reverses_id).where(JournalEntry.invoice_no == invoice_no,
                                               JournalEntry.reverses_id.is_not(None))
    ))
    for entry in entries:
        if entry.id in reversed_ids:
            continue
        await book(ctx, session, actor=actor, lines=reverse(await entry_lines(session, entry.id)),
                   source_type=entry.source_type, source_no=entry.source_no,
                   memo=f"reversal of #{entry.id}: {reason}", invoice_no=invoice_no,
                   reverses_id=entry.id)
