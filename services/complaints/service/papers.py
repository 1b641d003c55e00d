"""Reads for the complaints' printed papers (issue 14): a penalty notice with the decision
lines it lists (SPEC P8, P8b). Read only; the complaint form reads the case view."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.rules import NotFound

from ..models import PenaltyDecision, PenaltyNotice


async def notice_with_lines(session: AsyncSession, notice_no: str
                            ) -> tuple[PenaltyNotice, list[PenaltyDecision]]:
    """The notice and its decisions, oldest first; 404 when there is none (SPEC P8)."""
    notice = await session.scalar(select(PenaltyNotice).where(
        PenaltyNotice.notice_no == notice_no))
    if notice is None:
        raise NotFound("no such notice", field="notice_no", rule="P8b")
    lines = await session.scalars(select(PenaltyDecision).where(
        PenaltyDecision.notice_no == notice_no).order_by(PenaltyDecision.id))
    return notice, list(lines.all())
