"""Invoices for paid work: raise, collect, void (SPEC S10, S13).

Invariants enforced here:

- only category A work is invoiced, once per voucher (a void invoice may be followed by a
  new one); on-site work at or under the branch threshold is collected on the spot: the
  invoice is ``paid`` with the technician's payment and receipt recorded, and is mailed
  afterwards; above it the invoice is ``issued`` the same (branch-local) day; carry-in
  work is ``issued`` on the day the product is returned **[choice: S13 names no on-the-
  spot collection for carry-in; the customer pays against the invoice]**;
- an invoice's lines never change; payments never exceed the balance due; a void is a
  reversing record (``invoice_voids``, reversing journal entries, refunds as negative
  payments), never an edit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch, scoped_branch
from shared.claimed import accept_claim
from shared.context import Context
from shared.db import get_or_404
from shared.events.billing import InvoiceRaised
from shared.events.dispatch import VoucherCompleted
from shared.keyset import after_mark, mark_of
from shared.money import ZERO
from shared.rules import WrongState

from ..domain import ledger
from ..domain.pricing import (
    CollectionMode,
    InvoiceStatus,
    PriceList,
    collection_mode,
    format_invoice_no,
    invoice_status_for,
    price_service,
    total,
)
from ..domain.pricing import InvoiceLine as LineSpec
from ..models import BillingVoucher, Invoice, InvoiceLine, InvoiceVoid, PriceListRow
from .collection import CollectionSettings
from .common import book, next_serial
from .payments import LATE_ENTRY_APPROVERS, payments_of, record_payment

SERVICE = "service"
DEFAULT_COLLECTION = CollectionSettings()


async def price_list(session: AsyncSession, branch: str) -> PriceList:
    """The branch's price list: its stored row, else the defaults (SPEC S10/S13)."""
    row = await session.get(PriceListRow, branch)
    if row is None:
        return PriceList(branch=branch)
    return PriceList(
        branch=branch, visit_fee=row.visit_fee, labour_rate_per_hour=row.labour_rate_per_hour
    )


async def has_own_price_list(session: AsyncSession, branch: str) -> bool:
    """Whether the branch stored its own price list (else the defaults apply)."""
    return await session.get(PriceListRow, branch) is not None


async def set_price_list(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, visit_fee: Decimal,
    labour_rate_per_hour: Decimal,
) -> PriceList:
    """Override a branch's fees for paid work (SPEC S10/S13 [choice])."""
    ctx.branch(branch)
    require_branch(actor, branch)
    prices = PriceList(
        branch=branch, visit_fee=visit_fee, labour_rate_per_hour=labour_rate_per_hour
    )
    row = await session.get(PriceListRow, branch, with_for_update=True)
    if row is None:
        row = PriceListRow(branch=branch)
        session.add(row)
    row.visit_fee, row.labour_rate_per_hour = prices.visit_fee, prices.labour_rate_per_hour
    row.updated_by, row.updated_at = actor.user_id, ctx.now()
    await ctx.audit.record(
        session, actor=actor, action="price_list.set", subject_type="price_list",
        subject_id=branch, detail={"visit_fee": prices.visit_fee,
                                   "labour_rate_per_hour": prices.labour_rate_per_hour})
    return prices


async def raise_invoice(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, source: str,
    lines: list[LineSpec], issued_on: date, collection: CollectionMode,
    voucher_no: str | None = None, ref: str | None = None, customer_id: int | None = None,
    service_mode: str | None = None,
) -> Invoice:
    """Number, record and journal an ``issued`` invoice (SPEC S10/S13)."""
    ctx.branch(branch)
    amount = total(lines)
    serial = await next_serial(session, kind="invoice", scope=branch, period=str(issued_on.year))
    invoice = Invoice(
        invoice_no=format_invoice_no(branch, issued_on.year, serial), branch=branch,
        year=issued_on.year, serial=serial, source=source, voucher_no=voucher_no, ref=ref,
        customer_id=customer_id, service_mode=service_mode, collection=collection.value,
        amount=amount, status=InvoiceStatus.ISSUED.value, issued_on=issued_on,
        raised_at=ctx.now(), raised_by=actor.user_id, mailed_at=None,
    )
    session.add(invoice)
    session.add_all(
        InvoiceLine(invoice_no=invoice.invoice_no, position=i, kind=x.kind.value,
                    description=x.description, quantity=x.quantity, unit_price=x.unit_price,
                    amount=x.amount)
        for i, x in enumerate(lines)
    )
    await session.flush()
    await book(ctx, session, actor=actor, lines=ledger.journal_for_invoice(amount, source=source),
               source_type="invoice", source_no=invoice.invoice_no,
               memo=f"invoice {invoice.invoice_no} ({source})", invoice_no=invoice.invoice_no)
    await ctx.audit.record(
        session, actor=actor, action="invoice.raised", subject_type="invoice",
        subject_id=invoice.invoice_no,
        detail={"voucher_no": voucher_no, "ref": ref, "amount": amount,
                "collection": collection.value, "issued_on": issued_on})
    return invoice


async def announce(ctx: Context, session: AsyncSession, invoice: Invoice) -> None:
    """Publish ``InvoiceRaised`` with the invoice's status after any on-site payment."""
    await ctx.outbox.add(session, InvoiceRaised(
        invoice_no=invoice.invoice_no, voucher_no=invoice.voucher_no, branch=invoice.branch,
        amount=str(invoice.amount), status=invoice.status, source=invoice.source,
        ref=invoice.ref, issued_on=invoice.issued_on,
    ))


async def voucher_completed(
    ctx: Context, session: AsyncSession, event: VoucherCompleted, *,
    collection: CollectionSettings = DEFAULT_COLLECTION,
) -> Invoice | None:
    """Invoice a completed paid job: on site per S10, carry-in on the return day per S13."""
    actor = Actor.system("billing")
    if await _open_invoice(session, event.voucher_no):
        return None
    branch = ctx.branch(event.branch)
    lines = price_service(
        price_list=await price_list(session, event.branch), labour_minutes=event.labour_minutes,
        parts=[(p.part_no, p.quantity, Decimal(p.unit_price)) for p in event.parts],
    )
    # SPEC S10: billing's own threshold (service/collection.py), not the branches file.
    mode = collection_mode(category=event.category, amount=total(lines),
                           threshold=collection.threshold(event.branch))
    if mode is CollectionMode.NONE:
        await ctx.audit.record(
            session, actor=actor, action="voucher.not_invoiced", subject_type="voucher",
            subject_id=event.voucher_no,
            detail={"category": event.category, "signed_by": event.signed_by})
        return None
    if event.service_mode == "carry_in":
        mode = CollectionMode.INVOICE_LATER  # SPEC S13
    voucher = await session.get(BillingVoucher, event.voucher_no)
    invoice = await raise_invoice(
        ctx, session, actor=actor, branch=event.branch, source=SERVICE, lines=lines,
        issued_on=branch.local_date(event.completed_at), collection=mode,
        voucher_no=event.voucher_no, customer_id=voucher.customer_id if voucher else None,
        service_mode=event.service_mode,
    )
    if invoice_status_for(mode) is InvoiceStatus.PAID:
        await record_payment(
            ctx, session, actor=actor, invoice=invoice, amount=invoice.amount, method="cash",
            collected_by=event.technician_id, paid_at=event.completed_at,
        )
    await announce(ctx, session, invoice)
    return invoice


async def _open_invoice(session: AsyncSession, voucher_no: str) -> Invoice | None:
    return await session.scalar(
        select(Invoice).where(Invoice.voucher_no == voucher_no, Invoice.status != "void")
    )


async def get_invoice(
    session: AsyncSession, invoice_no: str, *, actor: Actor | None = None, lock: bool = False
) -> Invoice:
    """One invoice, or 404 naming ``invoice_no``; 403 if it is not ``actor``'s branch's."""
    invoice = await get_or_404(
        session, Invoice, invoice_no, what="invoice", field="invoice_no", lock=lock,
    )
    if actor is not None:
        require_branch(actor, invoice.branch, field="invoice_no")
    return invoice


async def find_invoices(
    session: AsyncSession, *, actor: Actor, voucher_no: str | None, ref: str | None,
    branch: str | None, issued_on: date | None, after: str | None = None,
    limit: int | None = None,
) -> list[Invoice]:
    """Invoices by voucher, contract/warranty reference, branch or day, within the
    caller's branch (CONTRACT Billing), by time raised then number, from after the invoice
    ``after``, at most ``limit`` (all when None; CONTRACT "Lists")."""
    scope = scoped_branch(actor, branch)
    mark = await mark_of(session, Invoice, after, what="invoice",
                         visible=lambda i: scope is None or i.branch == scope)
    query = select(Invoice)
    for column, value in ((Invoice.voucher_no, voucher_no), (Invoice.ref, ref),
                          (Invoice.branch, scope), (Invoice.issued_on, issued_on)):
        if value is not None:
            query = query.where(column == value)
    query = after_mark(query, order=Invoice.raised_at, key=Invoice.invoice_no, mark=mark,
                       limit=limit)
    return list(await session.scalars(query))


async def mark_mailed(
    ctx: Context, session: AsyncSession, *, actor: Actor, invoice_no: str, at: datetime | None,
    backdate_reason: str | None = None,
) -> Invoice:
    """Record that a collected-on-site invoice was mailed to the customer (SPEC S10);
    ``at`` is a claimed time (SPEC CT1, as a payment's ``paid_at``)."""
    invoice = await get_invoice(session, invoice_no, actor=actor, lock=True)
    if invoice.mailed_at is not None:
        raise WrongState("already mailed", field="invoice_no", rule="S10")
    claim = accept_claim(
        at, now=ctx.now(), window=ctx.branch(invoice.branch).claim_windows.desk, field="at",
        actor_role=actor.role, actor_id=actor.user_id, reason=backdate_reason,
        approvers=LATE_ENTRY_APPROVERS, what="the mailing")
    invoice.mailed_at, invoice.mailed_recorded_at = claim.at, claim.received_at
    invoice.mailed_backdate_reason = claim.backdate_reason
    invoice.mailed_backdate_approved_by = claim.backdate_approved_by
    await ctx.audit.record(session, actor=actor, action="invoice.mailed",
                           subject_type="invoice", subject_id=invoice_no,
                           detail={"at": claim.at, "backdate_reason": claim.backdate_reason,
                                   "backdate_approved_by": claim.backdate_approved_by})
    return invoice


async def describe(session: AsyncSession, invoice: Invoice) -> dict[str, object]:
    """An invoice with its lines, payments, balance and any void record (CONTRACT Billing)."""
    lines = await session.scalars(
        select(InvoiceLine).where(InvoiceLine.invoice_no == invoice.invoice_no)
        .order_by(InvoiceLine.position)
    )
    payments = await payments_of(session, invoice.invoice_no)
    paid = sum((p.amount for p in payments), ZERO)
    void = await session.get(InvoiceVoid, invoice.invoice_no)
    return {
        **{c: getattr(invoice, c) for c in _INVOICE_FIELDS},
        "paid": paid,
        "balance": ZERO if invoice.status == "void" else ledger.balance_due(invoice.amount, paid),
        "lines": list(lines),
        "payments": payments,
        "void": void,
    }


_INVOICE_FIELDS = (
    "invoice_no", "voucher_no", "ref", "source", "branch", "customer_id", "service_mode",
    "collection", "amount", "status", "issued_on", "raised_at", "raised_by", "mailed_at",
    "mailed_recorded_at", "mailed_backdate_reason", "mailed_backdate_approved_by",
)
