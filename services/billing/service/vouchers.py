"""Vouchers billing knows of, from intake's register (SPEC S8, S10, S13)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import get_or_404
from shared.events.intake import CallRegistered

from ..models import BillingVoucher


async def voucher_known(ctx: Context, session: AsyncSession, event: CallRegistered) -> None:
    """Record a new voucher so that paid work on it can be invoiced (SPEC S10, S13)."""
    if await session.get(BillingVoucher, event.voucher_no) is not None:
        return
    session.add(
        BillingVoucher(
            voucher_no=event.voucher_no, call_id=event.call_id, branch=event.branch,
            category=event.category, customer_id=event.customer_id,
            customer_name=event.customer_name, product_id=event.product_id,
            created_at=ctx.now(),
        )
    )


async def get_voucher(session: AsyncSession, voucher_no: str, *, actor: Actor) -> BillingVoucher:
    """One voucher as billing knows it, or 404 naming ``voucher_no``; 403 outside the
    caller's branch."""
    voucher = await get_or_404(session, BillingVoucher, voucher_no, what="voucher",
                               field="voucher_no")
    require_branch(actor, voucher.branch, field="voucher_no")
    return voucher
