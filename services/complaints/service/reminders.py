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
from shared.rules import RuleBroken

from ..domain.deadlines import overdue
from ..models import Complaint, Reminder
from .cases import READ_BATCH, case_state, owner_role, readable_by

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


# CONTRACT "Lists": a case misses its step deadline, then its case deadline, in this order;
# the overdue list is ordered by (case id, kind) and its cursor names the last line shown.
KINDS = ("step", "case")


async def overdue_cases(
    session: AsyncSession, *, actor: Actor, as_of: datetime,
    after: tuple[str, str] | None = None, limit: int | None = None,
) -> list[dict[str, object]]:
    """Open cases the actor may read whose step or case deadline has passed at `as_of`
    (SPEC C14), one line per missed deadline, by case then kind.

    CONTRACT "Lists": with ``limit``, at most ``limit`` lines after the line ``after``
    (``(case_no, kind)``, the last line of the page before; an unknown case, or one the
    actor cannot read, is 422 on ``after``), cases read in keyset batches in SQL; all
    without it."""
    query = (select(Complaint)
             .where(Complaint.status == "open",
                    or_(Complaint.step_due_at < as_of, Complaint.case_due_at < as_of))
             .order_by(Complaint.id))
    after_id, skip_kinds = 0, 0
    if after is not None:
        case_no, kind = after
        mark = await session.scalar(select(Complaint).where(Complaint.case_no == case_no))
        if mark is None or not readable_by(actor, mark) or (
                mark.branch is not None and not actor.may_act_in(mark.branch)):
            raise RuleBroken(f"no overdue line {case_no}:{kind} to continue after",
                             field="after")
        after_id, skip_kinds = mark.id - 1, KINDS.index(kind) + 1
    found: list[dict[str, object]] = []
    batch = None if limit is None else max(limit, READ_BATCH)
    while limit is None or len(found) < limit:
        page = query.where(Complaint.id > after_id)
        rows = (await session.scalars(page if batch is None else page.limit(batch))).all()
        for case in rows:
            if not readable_by(actor, case):
                continue
            misses = overdue(case_state(case), as_of)
            if after is not None and case.case_no == after[0]:
                misses = [m for m in misses if KINDS.index(m.kind) >= skip_kinds]
            for miss in misses:
                found.append({
                    "case_no": case.case_no, "profile": case.profile,
                    "current_step": case.current_step, "owner_role": owner_role(case),
                    "kind": miss.kind, "due_at": miss.due_at,
                })
        if batch is None or len(rows) < batch:
            break
        after_id = rows[-1].id
    return found if limit is None else found[:limit]
