"""Vouchers billing knows of, from intake's register (SPEC S8, S10, S13)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import get_or_404, is_sqlite
from shared.events.intake import CallRegistered

from ..models import BillingVoucher


async def voucher_known(ctx: Context, session: AsyncSession, event: CallRegistered) -> None:
    """Record a new voucher so that paid work on it can be invoiced (SPEC S10, S13); one
    that is known already is left as it is (one statement, issue 17)."""
    await session.execute(_insert_new(is_sqlite(session)), {
        "voucher_no": event.voucher_no, "call_id": event.call_id, "branch": event.branch,
        "category": event.category, "customer_id": event.customer_id,
        "customer_name": event.customer_name, "product_id": event.product_id,
        "created_at": ctx.now()})


@cache
def _insert_new(sqlite_engine: bool) -> Any:
    """``INSERT … ON CONFLICT (voucher_no) DO NOTHING``, built once per engine."""
    dialect: Any = sqlite if sqlite_engine else postgresql
    table = BillingVoucher.__table__
    return dialect.insert(table).on_conflict_do_nothing(index_elements=[table.c.voucher_no])


async def get_voucher(session: AsyncSession, voucher_no: str, *, actor: Actor) -> BillingVoucher:
    """One voucher as billing knows it, or 404 naming ``voucher_no``; 403 outside the
    caller's branch."""
    voucher = await get_or_404(session, BillingVoucher, voucher_no, what="voucher",
                               field="voucher_no")
    require_branch(actor, voucher.branch, field="voucher_no")
    return voucher
