"""Survey use cases (SPEC §6)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.events.intake import CallRegistered
from shared.runtime import Runtime

from .models import SurveyCard


async def card_for_call(rt: Runtime, session: AsyncSession, event: CallRegistered) -> None:
    """SPEC Q24/S24: every registered call gets a card, prepared for the next day."""
    tz = ZoneInfo(rt.branch(event.branch).timezone)
    session.add(
        SurveyCard(
            call_id=event.call_id, voucher_no=event.voucher_no, branch=event.branch,
            call_date=event.received_at.astimezone(tz).date(),
            customer_name=event.customer_name, technician_id=None, status="pending",
            created_at=rt.clock.now(),
        )
    )


async def cards_of_day(
    rt: Runtime, session: AsyncSession, *, actor: Actor, day: date, branch: str
) -> list[SurveyCard]:
    """SPEC Q24: the cards for every call registered that day in a branch."""
    rt.branch(branch)
    require_branch(actor, branch)
    rows = await session.scalars(
        select(SurveyCard)
        .where(SurveyCard.branch == branch, SurveyCard.call_date == day)
        .order_by(SurveyCard.call_id)
    )
    return list(rows)
