"""Complaint delays on a salesperson's collection rate (SPEC C13.2(3)).

Invariant: a delay opens once per case, when accounting receives the closed complaint's
copy naming a part number, and ends the day the case's adjustment is booked, whichever
way it was executed (paper documents of C13.1 or a store's POS, SPEC §7).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context

from ..models import CollectionDelay


async def open_delay(
    session: AsyncSession, *, case_no: str, part_no: str | None, order_no: str | None,
    opened_on: date,
) -> None:
    """The complaint delays collection on its part number from ``opened_on`` (C13.2(3))."""
    if part_no and await session.get(CollectionDelay, case_no) is None:
        session.add(CollectionDelay(case_no=case_no, part_no=part_no, order_no=order_no,
                                    opened_on=opened_on, resolved_on=None))


async def end_delay(ctx: Context, session: AsyncSession, case_no: str) -> None:
    """The complaint no longer delays collection once its adjustment is booked (C13.2(3))."""
    delay = await session.get(CollectionDelay, case_no)
    if delay is not None and delay.resolved_on is None:
        delay.resolved_on = ctx.now().date()
