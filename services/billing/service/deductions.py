"""Penalty deductions against monthly efficiency bonuses (SPEC P6, P7, P8).

Invariants enforced here:

- each person's penalty from a notice is recorded once (``notice_no``, ``person_id``);
  complaints has already applied P6 (the person's share of the loss), so the amount is
  taken as published;
- the schedule is derived, never stored: older penalties first (by the month they start,
  then notice number, so the order never depends on delivery order), months in
  calendar order, every month at most 50% of that month's recorded bonus (P7), starting
  the month the notice is published (the month after the decision, P8 [choice]). A month
  with no bonus recorded yet takes nothing, so what is owed carries forward; recording
  a bonus later schedules against it. Changing a bonus is audited with its old value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import is_sqlite
from shared.events.complaints import PenaltyNoticePublished
from shared.money import ZERO, parse_money
from shared.rules import RuleBroken

from ..domain import deductions as rules
from ..domain.money import positive_money
from ..models import Bonus, PenaltyRow


async def penalty_published(
    ctx: Context, session: AsyncSession, event: PenaltyNoticePublished
) -> None:
    """Schedule a person's penalty from a published notice (SPEC P6, P8)."""
    if await session.scalar(select(PenaltyRow).where(
            PenaltyRow.notice_no == event.notice_no, PenaltyRow.person_id == event.person_id)):
        return
    amount = positive_money(event.amount, field="amount", rule="P6")
    row = PenaltyRow(
        notice_no=event.notice_no, person_id=event.person_id, case_no=event.case_no,
        unit=event.unit, decision_month=rules.check_month(event.month),
        first_month=rules.first_deduction_month(event.month), amount=amount,
        received_at=ctx.now(),
    )
    session.add(row)
    await ctx.audit.record(session, actor=Actor.system("billing"), action="penalty.scheduled",
                           subject_type="person", subject_id=event.person_id,
                           detail={"notice_no": event.notice_no, "case_no": event.case_no,
                                   "amount": amount, "first_month": row.first_month})


async def put_bonus(
    ctx: Context, session: AsyncSession, *, actor: Actor, person_id: str, month: str,
    amount: Decimal, base_points: Decimal | None, unit: str | None,
) -> Bonus:
    """Record a person's efficiency bonus for a month (and base points, SPEC P6, P7)."""
    rules.check_month(month)
    value = parse_money(amount, field="amount", rule="P7")
    if base_points is not None and base_points < 0:
        raise RuleBroken("must not be negative", field="base_points", rule="P6")
    row = await _locked_bonus(ctx, session, actor=actor, person_id=person_id, month=month,
                              amount=value, base_points=base_points, unit=unit)
    if row is not None:  # it existed: locked FOR UPDATE before it is compared and changed
        if (row.amount, row.base_points, row.unit) == (value, base_points, unit):
            return row  # the same PUT again: nothing changes, nothing is audited
        before: dict[str, Any] | None = {"amount": row.amount, "base_points": row.base_points}
        row.amount, row.base_points, row.unit = value, base_points, unit
        row.recorded_by, row.recorded_at = actor.user_id, ctx.now()
    else:
        before = None
        row = await session.get(Bonus, (person_id, month))
        assert row is not None
    await ctx.audit.record(session, actor=actor, action="bonus.recorded", subject_type="person",
                           subject_id=person_id,
                           detail={"month": month, "amount": value, "base_points": base_points,
                                   "unit": unit, "before": before})
    return row


async def _locked_bonus(
    ctx: Context, session: AsyncSession, *, actor: Actor, person_id: str, month: str,
    amount: Decimal, base_points: Decimal | None, unit: str | None,
) -> Bonus | None:
    """Insert the bonus row if absent (None: this call created it), else the existing row
    locked FOR UPDATE. ``ON CONFLICT DO NOTHING`` makes a concurrent first PUT wait for the
    other's commit instead of failing on the primary key (issue 11: one winner)."""
    insert = sqlite_insert if is_sqlite(session) else pg_insert
    created = await session.scalar(
        insert(Bonus).values(person_id=person_id, month=month, amount=amount,
                             base_points=base_points, unit=unit, recorded_by=actor.user_id,
                             recorded_at=ctx.now())
        .on_conflict_do_nothing(index_elements=[Bonus.person_id, Bonus.month])
        .returning(Bonus.person_id)
    )
    if created is not None:
        return None
    return await session.get(Bonus, (person_id, month), with_for_update=True,
                             populate_existing=True)


async def deductions_for(session: AsyncSession, *, person_id: str, month: str) -> dict[str, Any]:
    """The deduction scheduled for a person's month and what carries forward (SPEC P7)."""
    rules.check_month(month)
    penalties = list(await session.scalars(
        select(PenaltyRow).where(PenaltyRow.person_id == person_id)
        .order_by(PenaltyRow.first_month, PenaltyRow.notice_no, PenaltyRow.id)
    ))
    bonuses = {b.month: b.amount for b in await session.scalars(
        select(Bonus).where(Bonus.person_id == person_id))}
    plans = rules.plan_person(
        [rules.Penalty(key=str(p.id), amount=p.amount, first_month=p.first_month)
         for p in penalties], bonuses,
    )
    instalments, rows = [], []
    owed_before = this_month = ZERO
    for p in penalties:
        plan = plans[str(p.id)]
        before = sum((i.amount for i in plan.instalments if i.month < month), ZERO)
        now = sum((i.amount for i in plan.instalments if i.month == month), ZERO)
        if p.first_month <= month:
            owed_before += p.amount - before
        this_month += now
        if now:
            instalments.append({"notice_no": p.notice_no, "case_no": p.case_no, "amount": now})
        rows.append({"notice_no": p.notice_no, "case_no": p.case_no, "amount": p.amount,
                     "first_month": p.first_month,
                     "deducted_to_date": before + now,
                     "remaining": p.amount - before - now})
    bonus = bonuses.get(month)
    return {
        "person_id": person_id, "month": month, "bonus": bonus,
        "cap": rules.month_cap(bonus) if bonus is not None else None,
        "amount": this_month, "carried_in": owed_before,
        "carried_forward": owed_before - this_month,
        "instalments": instalments, "penalties": rows,
    }
