"""Customer files merged at intake (SPEC §1): billing's records follow the survivor.

Vouchers, invoices, contracts and extended warranties of the duplicate file are
re-pointed to the surviving customer in one transaction, and the merge is audited, so a
customer's bills and covers are found under one file, as the counter now knows them.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.intake import CustomerMerged

from ..models import BillingVoucher, Contract, ExpiryNotice, ExtendedWarranty, Invoice

_OWNED_BY_CUSTOMER = (BillingVoucher, Invoice, Contract, ExpiryNotice, ExtendedWarranty)


async def customer_merged(ctx: Context, session: AsyncSession, event: CustomerMerged) -> None:
    """Re-point the duplicate's billing records to the survivor (idempotent by nature)."""
    moved: dict[str, int] = {}
    for model in _OWNED_BY_CUSTOMER:
        result = await session.execute(
            update(model).where(model.customer_id == event.duplicate_id)
            .values(customer_id=event.survivor_id)
        )
        moved[model.__tablename__] = result.rowcount or 0
    await ctx.audit.record(session, actor=Actor.system("billing"), action="customer.merged",
                           subject_type="customer", subject_id=event.survivor_id,
                           detail={"duplicate_id": event.duplicate_id, "merged_by": event.merged_by,
                                   "moved": moved})
