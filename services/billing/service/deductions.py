"""Penalty decisions priced from the staff register, and the payroll month close
(SPEC P2, P3, P6, P7).

Invariants enforced here:

- a ``PenaltyDecided`` is received once (``decision_id``); billing prices it from its own
  register for the decision's month, never from numbers a requester typed: an economic
  share borne by a person (P2) is theirs, one borne by a unit is split over the unit's
  base points (P6); a warning or minor demerit is at least its P3 minimum, a major demerit
  the whole bonus of the decision's month;
- a correction (``supersedes``) adds a reversing charge for each charge of the earlier
  decision (kept, marked superseded) and prices the new one; a correction that arrives
  before the decision it names leaves that one to be recorded as superseded, uncharged;
- a decision the register cannot price yet (a unit without members, a person without base
  points) is held, listed for the accountant, and priced when asked again;
- every change re-plans the stored schedule of the open months only; months close in
  order and a closed month never changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.complaints import PenaltyDecided
from shared.keyset import after_key
from shared.money import parse_money
from shared.rules import NotFound, RuleBroken, WrongState

from ..domain import deductions as rules
from ..models import Charge, PayrollMonth, PenaltyDecisionRow
from .payroll import current_month, lock_state, require_payroll_office
from .schedule import replan
from .staff import in_force, unit_members

SYSTEM = Actor.system("billing")


def _money(value: str | None, field: str) -> Decimal | None:
    return None if value is None else parse_money(value, field=field, rule="P6")


async def decision_received(ctx: Context, session: AsyncSession, event: PenaltyDecided) -> None:
    """Record a penalty decision, reverse what it corrects, price it, re-plan (P2–P7)."""
    state = await lock_state(session)
    row = await session.get(PenaltyDecisionRow, event.decision_id)
    if row is not None and row.status != "pending":
        return  # delivered again: already recorded
    placeholder = row is not None
    if row is None:
        row = PenaltyDecisionRow(decision_id=event.decision_id, status="received",
                                 received_at=ctx.now())
        session.add(row)
    row.case_no, row.kind, row.month = event.case_no, event.kind, rules.check_month(event.month)
    row.unit, row.person_id, row.bearer_level = event.unit, event.person_id, event.bearer_level
    row.loss_share = _money(event.loss_share, "loss_share")
    row.grade, row.amount = event.grade, _money(event.amount, "amount")
    row.supersedes = event.supersedes
    touched: set[str] = set()
    if event.supersedes is not None:
        touched |= await _reverse(ctx, session, event)
    if placeholder:
        row.status, row.note = "superseded", "corrected before it arrived: not charged"
    else:
        await session.flush()
        touched |= await _price(ctx, session, row)
    for person in sorted(touched):
        await replan(ctx, session, state=state, person_id=person)
    await ctx.audit.record(session, actor=SYSTEM, action="penalty.received",
                           subject_type="penalty_decision", subject_id=str(row.decision_id),
                           detail={"case_no": row.case_no, "status": row.status,
                                   "supersedes": row.supersedes, "persons": sorted(touched)})


async def _reverse(ctx: Context, session: AsyncSession, event: PenaltyDecided) -> set[str]:
    """Mark the corrected decision superseded and reverse each of its charges."""
    old = await session.get(PenaltyDecisionRow, event.supersedes)
    if old is None:  # the correction overtook it: record it now, as superseded
        session.add(PenaltyDecisionRow(decision_id=event.supersedes, status="pending",
                                       note=f"superseded by {event.decision_id}",
                                       received_at=ctx.now()))
        return set()
    old.status, old.note = "superseded", f"superseded by {event.decision_id}"
    reversed_ids = set(await session.scalars(select(Charge.reverses_id).where(
        Charge.reverses_id.is_not(None))))
    touched = set()
    for charge in list(await session.scalars(select(Charge).where(
            Charge.decision_id == old.decision_id, Charge.reverses_id.is_(None)))):
        if charge.id in reversed_ids:
            continue
        session.add(Charge(
            decision_id=event.decision_id, person_id=charge.person_id, case_no=charge.case_no,
            kind=charge.kind, month=rules.check_month(event.month),
            amount=None if charge.amount is None else -charge.amount,
            basis=f"reversal of decision {old.decision_id} ({event.reason or 'corrected'})",
            reverses_id=charge.id, created_at=ctx.now()))
        touched.add(charge.person_id)
    return touched


async def _price(ctx: Context, session: AsyncSession, row: PenaltyDecisionRow) -> set[str]:
    """The decision's charges from the register, or the decision held with the reason."""
    try:
        priced = await _charges(session, row)
    except RuleBroken as refused:
        row.status, row.note = "held", str(refused)[:400]
        return set()
    now = ctx.now()
    for person, kind, amount, basis in priced:
        session.add(Charge(decision_id=row.decision_id, person_id=person, case_no=row.case_no,
                           kind=kind, month=row.month or "", amount=amount, basis=basis[:400],
                           created_at=now))
    row.status, row.note = "priced", None
    return {person for person, *_ in priced}


async def _charges(session: AsyncSession, row: PenaltyDecisionRow
                   ) -> list[tuple[str, str, Decimal | None, str]]:
    """(person, kind, amount, basis) for each person the decision charges (P2, P3, P6)."""
    month = row.month or ""
    if row.kind == "economic":
        share = row.loss_share
        if share is None:
            raise RuleBroken("an economic decision carries its loss share",
                             field="loss_share", rule="P2")
        if row.person_id:  # P2: individual fault bears the whole share
            return [(row.person_id, "economic", share, f"individual share {share}")]
        members = await unit_members(session, row.unit or "", month)
        shares = rules.split_unit_loss(share, members)
        total = sum(members.values(), Decimal(0))
        return [(person, "economic", amount,
                 f"{share} ÷ {total} points of {row.unit} × {members[person]}")
                for person, amount in shares.items() if amount > 0]
    if row.kind == "administrative" and row.person_id:
        if row.grade == "major_demerit":
            return [(row.person_id, "major", None, f"whole efficiency bonus of {month}")]
        found = await in_force(session, row.person_id, month)
        amount = rules.admin_amount(row.grade or "", stated=row.amount,
                                    base_points=found.base_points if found else None)
        assert amount is not None
        return [(row.person_id, "administrative", amount, f"{row.grade} {amount}")]
    raise RuleBroken(f"cannot price a {row.kind} decision", field="kind", rule="P3")


async def price_again(
    ctx: Context, session: AsyncSession, *, actor: Actor, decision_id: int
) -> PenaltyDecisionRow:
    """Price a held decision once the register can (SPEC P3, P6)."""
    require_payroll_office(ctx, actor)
    state = await lock_state(session)
    row = await session.get(PenaltyDecisionRow, decision_id)
    if row is None:
        raise NotFound("no such decision", field="decision_id", rule="P6")
    if row.status != "held":
        raise WrongState(f"the decision is {row.status}", field="decision_id", rule="P6")
    touched = await _price(ctx, session, row)
    if row.status == "held":
        raise RuleBroken(row.note or "still cannot be priced", field="decision_id", rule="P6")
    for person in sorted(touched):
        await replan(ctx, session, state=state, person_id=person)
    await ctx.audit.record(session, actor=actor, action="penalty.priced",
                           subject_type="penalty_decision", subject_id=str(decision_id),
                           detail={"persons": sorted(touched)})
    return row


async def decisions(session: AsyncSession, *, status: str | None = None, after_id: int = 0,
                    limit: int | None = None) -> list[PenaltyDecisionRow]:
    """The decisions billing received, optionally by status, by decision id, from after
    ``after_id``, at most ``limit`` (all when None; CONTRACT "Lists")."""
    query = select(PenaltyDecisionRow)
    if status is not None:
        query = query.where(PenaltyDecisionRow.status == status)
    query = after_key(query, key=PenaltyDecisionRow.decision_id, after=after_id, limit=limit)
    return list(await session.scalars(query))


async def close_month(
    ctx: Context, session: AsyncSession, *, actor: Actor, month: str
) -> dict[str, Any]:
    """Close a payroll month: its stored deductions and bonuses become final (SPEC P7).

    Months close in order (the first close may be any month up to the current one); a
    month not yet begun cannot close.
    """
    require_payroll_office(ctx, actor)
    rules.check_month(month)
    state = await lock_state(session)
    if state.closed_through is not None:
        if month <= state.closed_through:
            raise WrongState(f"{month} is already closed", field="month", rule="P7")
        expected = rules.next_month(state.closed_through)
        if month != expected:
            raise WrongState(f"months close in order: {expected} first", field="month",
                             rule="P7")
    if month > current_month(ctx):
        raise WrongState(f"{month} has not begun", field="month", rule="P7")
    now = ctx.now()
    session.add(PayrollMonth(month=month, closed_at=now, closed_by=actor.user_id))
    state.closed_through = month
    await ctx.audit.record(session, actor=actor, action="payroll.closed",
                           subject_type="payroll_month", subject_id=month, at=now, detail={})
    return {"month": month, "closed_at": now, "closed_by": actor.user_id,
            "closed_through": month}


async def months(session: AsyncSession, *, after: str | None = None,
                 limit: int | None = None) -> list[PayrollMonth]:
    """The closed payroll months, oldest first, from after the month ``after``, at most
    ``limit`` (all when None; CONTRACT "Lists")."""
    query = after_key(select(PayrollMonth), key=PayrollMonth.month, after=after, limit=limit)
    return list(await session.scalars(query))
