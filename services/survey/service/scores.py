"""Technician scores and branch rankings from the answered cards (SPEC Q23).

A card counts in the month of its call's register day, for the technician it rates.
Who may look (SPEC §8): a technician only at their own scores; a supervisor or branch
manager at their branch (scores over that branch's cards); the service department,
vice GM, GM and admin everywhere, or in their branch when their token names one.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.rules import Forbidden

from ..domain import cards as rules
from ..domain import scores as scoring
from ..models import SurveyCard


def _answer(card: SurveyCard) -> rules.Answer | None:
    if card.status != rules.ANSWERED or card.attitude is None:
        return None
    return rules.Answer(attitude=card.attitude, skill=card.skill or 0,
                        arrival=card.arrival or 0, follow_through=card.follow_through or 0)


async def _cards(
    session: AsyncSession, *, month: str, technician_id: str | None = None,
    branch: str | None = None,
) -> list[SurveyCard]:
    start, end = scoring.parse_month(month)
    query = select(SurveyCard).where(
        SurveyCard.call_date >= start, SurveyCard.call_date < end,
        SurveyCard.technician_id.is_not(None),
    )
    if technician_id is not None:
        query = query.where(SurveyCard.technician_id == technician_id)
    if branch is not None:
        query = query.where(SurveyCard.branch == branch)
    return list(await session.scalars(query))


async def _may_see(ctx: Context, session: AsyncSession, actor: Actor, technician_id: str) -> None:
    if actor.role == "technician":
        if actor.user_id != technician_id:
            raise Forbidden("a technician sees only their own scores", field="id", rule="Q23")
        return
    if actor.branch is None:
        return  # head office, every branch
    branch = ctx.branches.get(actor.branch)
    if branch is not None and technician_id in branch.staff:
        return
    served_here = await session.scalar(
        select(SurveyCard.id).where(SurveyCard.branch == actor.branch,
                                    SurveyCard.technician_id == technician_id).limit(1)
    )
    if served_here is None:
        raise Forbidden(f"{technician_id} is not in branch {actor.branch}", field="id")


async def technician_scores(
    ctx: Context, session: AsyncSession, *, actor: Actor, technician_id: str, month: str
) -> scoring.Scores:
    """SPEC Q23: a technician's month: averages per dimension and overall, cards counted."""
    await _may_see(ctx, session, actor, technician_id)
    branch = actor.branch if actor.role != "technician" else None
    cards = await _cards(session, month=month, technician_id=technician_id, branch=branch)
    return scoring.month_scores(technician_id, [(c.status, _answer(c)) for c in cards])


async def branch_ranking(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, month: str
) -> list[tuple[int, scoring.Scores]]:
    """SPEC Q23: the branch's technicians ranked by their month's overall score."""
    ctx.branch(branch)
    require_branch(actor, branch)
    per_technician: dict[str, list[SurveyCard]] = defaultdict(list)
    for card in await _cards(session, month=month, branch=branch):
        per_technician[card.technician_id or ""].append(card)
    return scoring.ranking(
        scoring.month_scores(tech, [(c.status, _answer(c)) for c in cards])
        for tech, cards in per_technician.items()
    )
