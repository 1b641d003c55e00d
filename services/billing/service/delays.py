"""Complaint delays on a salesperson's collection rate (SPEC C13.2(3)).

Invariant: a delay opens once per case naming a part number, **when the complaint is
filed** (``ComplaintFiled``: the customer withholds payment from then on), and ends
when the case closes (its accounting copy, ``ComplaintCopyIssued``) with nothing left
for accounting to book; when closing opens an adjustment (return slip, allowance
certificate or POS instruction) it ends the day that adjustment is booked, whichever way
it was executed (paper documents of C13.1 or a store's POS, SPEC §7). A case whose
filing billing never heard of opens its delay from the accounting copy, as before.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context
from shared.events.complaints import ComplaintFiled

from ..models import CollectionDelay


def local_day(ctx: Context, branch: str | None, at: datetime) -> date:
    """The day of ``at`` in the case's branch, else in UTC (head-office cases)."""
    if branch and branch in ctx.branches:
        return ctx.branch(branch).local_date(at)
    return at.date()


async def open_delay(
    session: AsyncSession, *, case_no: str, part_no: str | None, order_no: str | None,
    opened_on: date,
) -> None:
    """The complaint delays collection on its part number from ``opened_on`` (C13.2(3))."""
    if part_no and await session.get(CollectionDelay, case_no) is None:
        session.add(CollectionDelay(case_no=case_no, part_no=part_no, order_no=order_no,
                                    opened_on=opened_on, resolved_on=None))


async def complaint_filed(ctx: Context, session: AsyncSession, event: ComplaintFiled) -> None:
    """A complaint on a part number suspends its receivable from filing (C13.2(3))."""
    at = event.filed_at or event.occurred_at
    await open_delay(session, case_no=event.case_no, part_no=event.part_no,
                     order_no=event.order_no, opened_on=local_day(ctx, event.branch, at))


async def close_delay(session: AsyncSession, case_no: str, *, on: date) -> None:
    """The case closed with nothing to book: collection resumes from ``on`` (C13.2(3))."""
    delay = await session.get(CollectionDelay, case_no)
    if delay is not None and delay.resolved_on is None:
        delay.resolved_on = max(on, delay.opened_on)


async def end_delay(ctx: Context, session: AsyncSession, case_no: str) -> None:
    """The complaint no longer delays collection once its adjustment is booked (C13.2(3))."""
    delay = await session.get(CollectionDelay, case_no)
    if delay is not None and delay.resolved_on is None:
        delay.resolved_on = ctx.now().date()
