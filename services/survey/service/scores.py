"""Technician scores and branch rankings from the answered cards (SPEC Q23).

A card counts in the month of its call's register day, for the technician it rates.
Who may look (SPEC §8): a technician only at their own scores; a supervisor or branch
manager at their branch (scores over that branch's cards); the service department,
vice GM, GM and admin everywhere, or in their branch when their token names one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.rules import Forbidden

from ..domain import cards as rules
from ..domain import scores as scoring
from ..models import SurveyCard


def _mean(total: int | None, count: int) -> float | None:
    """The domain's average (scoring._avg: half-up to two places) from a SQL sum."""
    if not count:
        return None
    mean = Decimal(int(total or 0)) / Decimal(count)
    return float(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


async def _scores(
    session: AsyncSession, *, month: str, technician_id: str | None = None,
    branch: str | None = None,
) -> list[scoring.Scores]:
    """SPEC Q23 per technician of the month, aggregated in SQL (issue 17): the same
    figures ``scoring.month_scores`` computes from the cards, without loading them.

    A card counts as sent once it went out or came back answered; answered cards with
    a rating are averaged per dimension (a missing later dimension counts 0, as
    ``_answer`` reads it) and overall over all their ratings."""
    start, end = scoring.parse_month(month)
    rated = and_(SurveyCard.status == rules.ANSWERED, SurveyCard.attitude.is_not(None))

    def total(column: Any) -> Any:
        return func.sum(case((rated, func.coalesce(column, 0)), else_=0))

    query = (
        select(SurveyCard.technician_id,
               func.sum(case((SurveyCard.status.in_((rules.SENT, rules.ANSWERED)), 1),
                             else_=0)),
               func.sum(case((rated, 1), else_=0)),
               *(total(getattr(SurveyCard, d)) for d in rules.DIMENSIONS))
        .where(SurveyCard.call_date >= start, SurveyCard.call_date < end,
               SurveyCard.technician_id.is_not(None))
        .group_by(SurveyCard.technician_id)
    )
    if technician_id is not None:
        query = query.where(SurveyCard.technician_id == technician_id)
    if branch is not None:
        query = query.where(SurveyCard.branch == branch)
    found = []
    for tech, sent, answered, *sums in (await session.execute(query)).all():
        answered = int(answered or 0)
        found.append(scoring.Scores(
            technician_id=tech,
            **{d: _mean(v, answered) for d, v in zip(rules.DIMENSIONS, sums, strict=True)},
            overall=_mean(sum(int(v or 0) for v in sums), answered * len(rules.DIMENSIONS)),
            answered=answered, sent=int(sent or 0),
        ))
    return found


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
    found = await _scores(session, month=month, technician_id=technician_id, branch=branch)
    return found[0] if found else scoring.month_scores(technician_id, [])


async def branch_ranking(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, month: str
) -> list[tuple[int, scoring.Scores]]:
    """SPEC Q23: the branch's technicians ranked by their month's overall score."""
    ctx.branch(branch)
    require_branch(actor, branch)
    return scoring.ranking(await _scores(session, month=month, branch=branch))
