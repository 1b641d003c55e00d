"""The stored deduction schedule: re-planned for the open months when something changes,
read as stored (SPEC P3, P6, P7).

Invariant: ``replan`` runs under the payroll lock and deletes and rewrites only the
entries of open months; entries of closed months are inputs (what each charge already
took), never outputs. Readers never recompute: they read ``deduction_entries``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context
from shared.money import ZERO

from ..domain import deductions as rules
from ..models import Bonus, Charge, DeductionEntry, PayrollState, PenaltyDecisionRow
from .payroll import closed_through, open_from


async def _bonuses(session: AsyncSession, person_id: str) -> dict[str, Any]:
    return {b.month: b.amount for b in await session.scalars(
        select(Bonus).where(Bonus.person_id == person_id))}


async def replan(ctx: Context, session: AsyncSession, *, state: PayrollState,
                 person_id: str) -> None:
    """Rewrite a person's schedule for the open months (the caller holds ``state``)."""
    start = open_from(state)
    charges = list(await session.scalars(
        select(Charge).where(Charge.person_id == person_id).order_by(Charge.id)))
    closed: dict[int, Any] = {}
    if start:
        for entry in await session.scalars(select(DeductionEntry).where(
                DeductionEntry.person_id == person_id, DeductionEntry.month < start)):
            closed[entry.charge_id] = closed.get(entry.charge_id, ZERO) + entry.amount
    reversed_ids = {c.reverses_id for c in charges if c.reverses_id is not None}
    owed = [rules.Owed(id=c.id, kind=c.kind, month=c.month, amount=c.amount,  # type: ignore[arg-type]
                       closed=closed.get(c.id, ZERO), reverses=c.reverses_id,
                       reversed=c.id in reversed_ids) for c in charges]
    entries = rules.plan(owed, await _bonuses(session, person_id), open_from=start)
    wipe = delete(DeductionEntry).where(DeductionEntry.person_id == person_id)
    if start:
        wipe = wipe.where(DeductionEntry.month >= start)
    await session.execute(wipe)
    now = ctx.now()
    session.add_all(DeductionEntry(person_id=person_id, month=e.month, charge_id=e.charge_id,
                                   amount=e.amount, planned_at=now) for e in entries)
    await session.flush()


async def deductions_for(session: AsyncSession, *, person_id: str, month: str) -> dict[str, Any]:
    """The stored deduction of a person's month and what carries forward (SPEC P7)."""
    rules.check_month(month)
    # Entries before charges: each statement sees its own snapshot (READ COMMITTED), and a
    # charge is committed no later than the entries planned from it, so every entry read
    # here finds its charge even while a decision is being priced concurrently.
    entries = list(await session.scalars(
        select(DeductionEntry).where(DeductionEntry.person_id == person_id,
                                     DeductionEntry.month <= month)
        .order_by(DeductionEntry.month, DeductionEntry.id)))
    charges = list(await session.scalars(
        select(Charge).where(Charge.person_id == person_id).order_by(Charge.month, Charge.id)))
    bonuses = await _bonuses(session, person_id)
    grades = {d.decision_id: d.grade for d in await session.scalars(
        select(PenaltyDecisionRow).where(PenaltyDecisionRow.decision_id.in_(
            {c.decision_id for c in charges})))} if charges else {}
    before: dict[int, Any] = {}
    now: dict[int, Any] = {}
    for e in entries:
        target = now if e.month == month else before
        target[e.charge_id] = target.get(e.charge_id, ZERO) + e.amount
    by_id = {c.id: c for c in charges}
    instalments = [
        {"notice_no": str(by_id[e.charge_id].decision_id), "case_no": by_id[e.charge_id].case_no,
         "amount": e.amount, "decision_id": by_id[e.charge_id].decision_id,
         "kind": by_id[e.charge_id].kind, "charge_id": e.charge_id,
         "reversal": by_id[e.charge_id].reverses_id is not None}
        for e in entries if e.month == month
    ]
    def value(c: Charge) -> Any:
        if c.reverses_id is not None:  # cancels the original: minus its amount
            original = by_id.get(c.reverses_id)
            return -value(original) if original is not None else ZERO
        amount = rules.owed_amount(rules.Owed(c.id, c.kind, c.month, c.amount),  # type: ignore[arg-type]
                                   bonuses)
        return amount if amount is not None else ZERO

    reversed_ids = {c.reverses_id for c in charges if c.reverses_id is not None}
    rows = []
    carried_in = sum((value(c) for c in charges if c.month <= month), ZERO) - sum(
        before.values(), ZERO)
    this_month = sum(now.values(), ZERO)
    for c in charges:
        taken = before.get(c.id, ZERO) + now.get(c.id, ZERO)
        effective = c.reverses_id is None and c.id not in reversed_ids
        rows.append({
            "notice_no": str(c.decision_id), "case_no": c.case_no, "amount": value(c),
            "first_month": c.month, "deducted_to_date": taken,
            "remaining": value(c) - taken if effective else ZERO,
            "decision_id": c.decision_id, "charge_id": c.id, "kind": c.kind,
            "grade": grades.get(c.decision_id), "basis": c.basis, "reverses": c.reverses_id,
            "effective": effective,
        })
    bonus = bonuses.get(month)
    last_closed = await closed_through(session)
    economic_now = sum((e["amount"] for e in instalments if e["kind"] == "economic"), ZERO)
    return {
        "person_id": person_id, "month": month, "bonus": bonus,
        "cap": rules.month_cap(bonus) if bonus is not None else None,
        "amount": this_month, "economic_amount": economic_now,
        "carried_in": carried_in, "carried_forward": carried_in - this_month,
        "closed": bool(last_closed and month <= last_closed),
        "instalments": instalments, "penalties": rows,
    }


async def charged_people(session: AsyncSession) -> list[str]:
    """Everyone who carries a charge (deductions to take, SPEC P6/P7), by person id; the
    payroll page lists them beside the register, so nobody owed a deduction is missed."""
    return sorted(set(await session.scalars(select(Charge.person_id))))
