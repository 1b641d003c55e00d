"""Helpers every intake use case shares: rule errors to HTTP errors, loading records."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import get_or_404
from shared.rules import RuleBroken, WrongState

from ..models import Call, Customer


async def load_call(session: AsyncSession, call_id: int, *, lock: bool = False) -> Call:
    """The call, or 404."""
    return await get_or_404(session, Call, call_id, what="call", field="id", lock=lock)


async def live_customer(session: AsyncSession, customer_id: int, *, field: str) -> Customer:
    """A customer file that can take new products and calls (422 if unknown, 409 if merged)."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise RuleBroken(f"no customer {customer_id}", field=field)
    if customer.merged_into is not None:
        raise WrongState(
            f"customer {customer_id} was merged into {customer.merged_into}; use that file",
            field=field, rule="§1",
        )
    return customer
