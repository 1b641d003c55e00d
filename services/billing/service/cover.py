"""Cover applied to each completed B call (SPEC E3, E4, E5, S6 B).

Intake classifies a call B when a maintenance contract or an extended warranty covers
the product (S6); only the technician learns what failed and why. So billing judges the
cover on ``VoucherCompleted`` (``component``, ``cause``, ``repairable``):

- **E3** misuse, accidental damage or a part outside the cover: the job is A. The
  customer is invoiced exactly as for A work (S10/S13 lines), **[choice]** always
  ``issued`` against the invoice (the technician came for a covered job and collected
  nothing on the spot), and ``CoverRefused`` tells intake, which shows the reason on the
  call;
- covered: the work is costed as an A job would be and claimed against the cover (E5:
  the provider of an extended warranty, or booked against the company's own contract);
- **E4** covered and not repairable, under an extended warranty: ``remedy()`` says
  replace, and a replacement request waits for the branch manager.

A completion billing cannot tie to a cover (voucher or product unknown, no cover on the
completion day) stays as before: not invoiced, audited. One judgement per voucher.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.billing import CoverRefused
from shared.events.dispatch import VoucherCompleted
from shared.rules import RuleBroken

from ..domain import extended_warranty as ew
from ..domain.pricing import CollectionMode, ServiceCategory, price_service, total
from ..models import BillingVoucher, Contract, CoverCheck, ExtendedWarranty, Invoice
from . import invoices
from .claims import open_claim
from .collection import CollectionSettings
from .replacements import open_request

ACTOR = Actor.system("billing")


async def voucher_completed(
    ctx: Context, session: AsyncSession, event: VoucherCompleted, *,
    collection: CollectionSettings = invoices.DEFAULT_COLLECTION,
) -> Invoice | None:
    """Invoice A work (S10/S13); judge the cover of B work (E3–E5)."""
    if event.category == ServiceCategory.B:
        cover = await _cover_of(ctx, session, event)
        if cover is not None:
            return await _judge(ctx, session, event, cover)
    return await invoices.voucher_completed(ctx, session, event, collection=collection)


async def _cover_of(
    ctx: Context, session: AsyncSession, event: VoucherCompleted,
) -> ExtendedWarranty | Contract | None:
    """The extended warranty (first: E4/E5 apply) or contract covering the product on the
    completion's local day."""
    voucher = await session.get(BillingVoucher, event.voucher_no)
    if voucher is None or voucher.product_id is None:
        return None
    day: date = ctx.branch(event.branch).local_date(event.completed_at)
    for model in (ExtendedWarranty, Contract):
        found = await session.scalar(select(model).where(
            model.product_id == voucher.product_id, model.starts_on <= day,
            model.ends_on >= day))
        if found is not None:
            return found
    return None


def _reason(event: VoucherCompleted) -> str | None:
    try:
        return ew.refusal_reason(component=event.component, cause=event.cause)
    except (RuleBroken, ValueError):
        return None  # a value billing does not know is no finding against the cover


async def _judge(
    ctx: Context, session: AsyncSession, event: VoucherCompleted,
    cover: ExtendedWarranty | Contract,
) -> Invoice | None:
    if await session.get(CoverCheck, event.voucher_no) is not None:
        return None  # judged already (a re-publication under a new event id)
    warranty = cover if isinstance(cover, ExtendedWarranty) else None
    kind, ref = (("extended_warranty", cover.warranty_no) if warranty is not None
                 else ("contract", cover.contract_no))  # type: ignore[union-attr]
    lines = price_service(
        price_list=await invoices.price_list(session, event.branch),
        labour_minutes=event.labour_minutes,
        parts=[(p.part_no, p.quantity, Decimal(p.unit_price)) for p in event.parts],
    )
    reason = _reason(event)
    check = CoverCheck(
        voucher_no=event.voucher_no, branch=event.branch, cover_kind=kind, ref=ref,
        component=event.component, cause=event.cause, repairable=event.repairable,
        covered=reason is None, reason=reason, invoice_no=None, checked_at=ctx.now())
    session.add(check)
    invoice = None
    if reason is not None:
        invoice = await _invoice_as_a(ctx, session, event, lines)
        check.invoice_no = invoice.invoice_no if invoice else None
        await ctx.outbox.add(session, CoverRefused(
            voucher_no=event.voucher_no, call_id=event.call_id, branch=event.branch, ref=ref,
            reason=reason))
    else:
        provider = warranty.provider if warranty is not None else None
        await open_claim(ctx, session, actor=ACTOR, branch=event.branch,
                         voucher_no=event.voucher_no, kind="repair", cover_kind=kind, ref=ref,
                         provider=provider, lines=lines)
        if warranty is not None and ew.remedy(repairable=event.repairable) is ew.Remedy.REPLACE:
            await open_request(ctx, session, warranty=warranty, voucher_no=event.voucher_no,
                               technician_id=event.technician_id)
    await ctx.audit.record(
        session, actor=ACTOR, action="cover.refused" if reason else "cover.applied",
        subject_type="voucher", subject_id=event.voucher_no,
        detail={"ref": ref, "kind": kind, "component": event.component, "cause": event.cause,
                "repairable": event.repairable, "reason": reason, "amount": total(lines)})
    return invoice


async def _invoice_as_a(
    ctx: Context, session: AsyncSession, event: VoucherCompleted, lines: list,
) -> Invoice | None:
    """The customer pays for work the cover refused, as for A work (SPEC E3, S10/S13)."""
    if total(lines) <= 0 or await session.scalar(select(Invoice).where(
            Invoice.voucher_no == event.voucher_no, Invoice.status != "void")):
        return None
    voucher = await session.get(BillingVoucher, event.voucher_no)
    invoice = await invoices.raise_invoice(
        ctx, session, actor=ACTOR, branch=event.branch, source=invoices.SERVICE, lines=lines,
        issued_on=ctx.branch(event.branch).local_date(event.completed_at),
        collection=CollectionMode.INVOICE_LATER, voucher_no=event.voucher_no,
        customer_id=voucher.customer_id if voucher else None, service_mode=event.service_mode,
    )
    await invoices.announce(ctx, session, invoice)
    return invoice
