"""Reminder slips the moment a step or case goes overdue, and the overdue list (SPEC C14).

A deadline watcher sleeps until the earliest deadline not yet reminded, then issues one
reminder slip (`StepOverdue`) per missed deadline. Invariant: the `step_reminded` /
`case_reminded` markers are set in the same transaction as the slip and its event, so each
deadline is reminded once; a new step clears `step_reminded` for its own deadline. The
watcher is wired in ``handlers.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import is_sqlite
from shared.events.complaints import StepOverdue

from ..domain.deadlines import overdue
from ..models import Complaint, Reminder
from .cases import case_state, owner_role, readable_by

WATCHER = "complaint-deadlines"


def wake_deadlines(ctx: Context, session: AsyncSession) -> None:
    """Re-plan the reminder watcher once the caller's transaction commits."""
    ctx.wake_after_commit(session, WATCHER)


async def next_deadline(session: AsyncSession) -> datetime | None:
    """The earliest step or case deadline of an open case not reminded yet."""
    is_open = Complaint.status == "open"
    step_due = await session.scalar(
        select(func.min(Complaint.step_due_at)).where(is_open, Complaint.step_reminded.is_(False))
    )
    case_due = await session.scalar(
        select(func.min(Complaint.case_due_at)).where(is_open, Complaint.case_reminded.is_(False))
    )
    found = [d for d in (step_due, case_due) if d is not None]
    return min(found) if found else None


async def issue_reminders(ctx: Context, session: AsyncSession, now: datetime) -> int:
    """Issue a reminder slip for every deadline reached and not yet reminded (SPEC C14)."""
    query = select(Complaint).where(
        Complaint.status == "open",
        or_(
            and_(Complaint.step_reminded.is_(False), Complaint.step_due_at <= now),
            and_(Complaint.case_reminded.is_(False), Complaint.case_due_at <= now),
        ),
    ).order_by(Complaint.id)
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    issued = 0
    for case in (await session.scalars(query)).all():
        owner = owner_role(case) or "gm_office"
        slips = []
        if not case.step_reminded and case.step_due_at is not None and case.step_due_at <= now:
            case.step_reminded = True
            slips.append(("step", case.step_due_at))
        if not case.case_reminded and case.case_due_at is not None and case.case_due_at <= now:
            case.case_reminded = True
            slips.append(("case", case.case_due_at))
        for kind, due in slips:
            step = case.current_step or ""
            session.add(Reminder(complaint_id=case.id, kind=kind, step=step, owner_role=owner,
                                 due_at=due, issued_at=now))
            await ctx.outbox.add(session, StepOverdue(
                case_no=case.case_no, step=step, kind=kind, due_at=due, owner_role=owner,
                correlation_id=case.case_no,
            ))
            issued += 1
    return issued


async def overdue_cases(
    session: AsyncSession, *, actor: Actor, as_of: datetime
) -> list[dict[str, object]]:
    """Open cases the actor may read whose step or case deadline has passed at `as_of`
    (SPEC C14)."""
    rows = await session.scalars(
        select(Complaint)
        .where(
            Complaint.status == "open",
            or_(Complaint.step_due_at < as_of, Complaint.case_due_at < as_of),
        )
        .order_by(Complaint.id)
    )
    found: list[dict[str, object]] = []
    for case in rows:
        if not readable_by(actor, case):
            continue
        for miss in overdue(case_state(case), as_of):
            found.append({
                "case_no": case.case_no, "profile": case.profile,
                "current_step": case.current_step, "owner_role": owner_role(case),
                "kind": miss.kind, "due_at": miss.due_at,
            })
    return found
