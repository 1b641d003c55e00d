"""The staff register billing keeps for payroll: person, unit, base points, and the
monthly efficiency bonus, each change kept with who and when (SPEC P3, P5, P6, P7).

Invariants: a change is effective from a month and never rewrites a closed payroll
month (409): the values in force for month M are those of the latest change effective on
or before M; a bonus of a closed month cannot change (409); an open month's bonus change
re-plans the person's stored schedule in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import get_or_404
from shared.keyset import after_key
from shared.money import parse_money
from shared.rules import RuleBroken

from ..domain.deductions import check_month
from ..models import Bonus, BonusChange, StaffChange, StaffMember
from .payroll import check_open, lock_state, require_payroll_office
from .schedule import replan

SUBJECT = "person"


@dataclass(frozen=True, slots=True)
class InForce:
    """A person's register values in force for one month."""

    person_id: str
    unit: str
    section: str | None
    base_points: Decimal


async def put_staff(
    ctx: Context, session: AsyncSession, *, actor: Actor, person_id: str, name: str,
    unit: str, section: str | None, base_points: Decimal, effective_month: str,
) -> StaffMember:
    """Record a person's unit and base points from a month on, keeping the history (P5, P6)."""
    require_payroll_office(ctx, actor)
    check_month(effective_month, "effective_month")
    if base_points < 0:
        raise RuleBroken("must not be negative", field="base_points", rule="P6")
    state = await lock_state(session)
    check_open(state, effective_month, field="effective_month")
    now = ctx.now()
    member = await session.get(StaffMember, person_id, with_for_update=True)
    before = None
    if member is None:
        member = StaffMember(person_id=person_id, name=name, unit=unit, section=section,
                             base_points=base_points, updated_by=actor.user_id,
                             updated_at=now)
        session.add(member)
        await session.flush()  # the person before their history row (foreign key)
    else:
        before = {"unit": member.unit, "section": member.section,
                  "base_points": member.base_points}
    session.add(StaffChange(person_id=person_id, effective_month=effective_month, name=name,
                            unit=unit, section=section, base_points=base_points,
                            changed_by=actor.user_id, changed_at=now))
    await session.flush()
    latest = await _latest(session, person_id, None)
    assert latest is not None
    member.name, member.unit, member.section = latest.name, latest.unit, latest.section
    member.base_points, member.updated_by, member.updated_at = (
        latest.base_points, actor.user_id, now)
    await ctx.audit.record(session, actor=actor, action="staff.recorded", subject_type=SUBJECT,
                           subject_id=person_id, at=now,
                           detail={"effective_month": effective_month, "unit": unit,
                                   "section": section, "base_points": base_points,
                                   "before": before})
    return member


async def _latest(session: AsyncSession, person_id: str, month: str | None
                  ) -> StaffChange | None:
    query = select(StaffChange).where(StaffChange.person_id == person_id)
    if month is not None:
        query = query.where(StaffChange.effective_month <= month)
    return await session.scalar(query.order_by(StaffChange.effective_month.desc(),
                                               StaffChange.id.desc()).limit(1))


async def in_force(session: AsyncSession, person_id: str, month: str) -> InForce | None:
    """The person's unit and base points for ``month``, or None if not registered then."""
    row = await _latest(session, person_id, month)
    return None if row is None else InForce(row.person_id, row.unit, row.section,
                                            row.base_points)


async def unit_members(session: AsyncSession, unit: str, month: str) -> dict[str, Decimal]:
    """Everyone of ``unit`` (their smallest unit, or their section / department) in force
    for ``month``, with their base points (SPEC P5, P6)."""
    candidates = set(await session.scalars(select(StaffChange.person_id).where(
        or_(StaffChange.unit == unit, StaffChange.section == unit),
        StaffChange.effective_month <= month)))
    members: dict[str, Decimal] = {}
    for person in sorted(candidates):
        found = await in_force(session, person, month)
        if found and unit in (found.unit, found.section):
            members[person] = found.base_points
    return members


async def put_bonus(
    ctx: Context, session: AsyncSession, *, actor: Actor, person_id: str, month: str,
    amount: Decimal,
) -> Bonus:
    """Record a person's efficiency bonus for an open month and re-plan (SPEC P3, P7)."""
    require_payroll_office(ctx, actor)
    check_month(month)
    value = parse_money(amount, field="amount", rule="P7")
    state = await lock_state(session)  # first: one writer of the schedule at a time
    await get_or_404(session, StaffMember, person_id, what="person", field="person_id")
    check_open(state, month)
    row = await session.get(Bonus, (person_id, month), populate_existing=True)
    before = None if row is None else row.amount
    if row is not None and row.amount == value:
        return row  # the same PUT again: nothing changes, nothing is audited
    now = ctx.now()
    if row is None:
        row = Bonus(person_id=person_id, month=month, amount=value,
                    recorded_by=actor.user_id, recorded_at=now)
        session.add(row)
    else:
        row.amount, row.recorded_by, row.recorded_at = value, actor.user_id, now
    session.add(BonusChange(person_id=person_id, month=month, amount=value, before=before,
                            changed_by=actor.user_id, changed_at=now))
    await session.flush()
    await replan(ctx, session, state=state, person_id=person_id)
    await ctx.audit.record(session, actor=actor, action="bonus.recorded", subject_type=SUBJECT,
                           subject_id=person_id, at=now,
                           detail={"month": month, "amount": value, "before": before})
    return row


async def person(session: AsyncSession, person_id: str) -> dict[str, Any]:
    """A person's register entry with its history and bonuses (SPEC P5–P7)."""
    member = await get_or_404(session, StaffMember, person_id, what="person",
                              field="person_id")
    history = list(await session.scalars(select(StaffChange).where(
        StaffChange.person_id == person_id).order_by(StaffChange.id)))
    bonuses = list(await session.scalars(select(Bonus).where(
        Bonus.person_id == person_id).order_by(Bonus.month)))
    changes = list(await session.scalars(select(BonusChange).where(
        BonusChange.person_id == person_id).order_by(BonusChange.id)))
    return {"member": member, "history": history, "bonuses": bonuses, "bonus_changes": changes}


async def staff_list(session: AsyncSession, *, unit: str | None = None,
                     after: str | None = None, limit: int | None = None) -> list[StaffMember]:
    """The register as in force now, optionally one unit (smallest unit or section), by
    person id, from after ``after``, at most ``limit`` (all when None; CONTRACT "Lists")."""
    query = select(StaffMember)
    if unit is not None:
        query = query.where(or_(StaffMember.unit == unit, StaffMember.section == unit))
    query = after_key(query, key=StaffMember.person_id, after=after, limit=limit)
    return list(await session.scalars(query))
