"""Morning reconciliation of the register (SPEC S18), by the clerk or by the clock.

A ``DeadlineWatcher`` runs it for every branch at the branch's first working moment of
each working day; the clerk can also run it (``POST /reconciliation``). Both take the
same path: the ``(branch, day)`` run row is written once, a call is flagged once and
each flag publishes ``CallPrioritised`` in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.intake import CallPrioritised

from ..domain import reconciliation as rules_s18
from ..domain.call_state import CallStatus
from ..models import Call, Reconciliation

WATCHER = "morning-reconciliation"


async def reconcile(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, day: date
) -> tuple[Reconciliation, list[Call], list[Call]]:
    """SPEC S18: flag calls still undispatched from before ``day`` as priority.

    Returns the run, the calls flagged now and every undispatched priority call.
    """
    where = ctx.branch(branch)
    require_branch(actor, branch)
    now = ctx.now()
    rules_s18.check_day(day, where.local_date(now))
    run = await _lock_run(session, branch=branch, day=day, actor=actor, now=now)
    waiting = list(await session.scalars(
        select(Call)
        .where(Call.branch == branch, Call.status == CallStatus.REGISTERED.value,
               Call.register_date < day)
        .order_by(Call.id)
        .with_for_update()
    ))
    flagged = [
        c for c in waiting
        if rules_s18.needs_priority(status=c.status, registered_on=c.register_date, day=day,
                                    already_priority=c.priority)
    ]
    for call in flagged:
        call.priority, call.prioritised_at = True, now
        call.priority_reason = rules_s18.priority_reason(call.register_date)
        await ctx.audit.record(
            session, actor=actor, action="call.prioritised", subject_type="call",
            subject_id=call.id, detail={"day": day.isoformat(), "reason": call.priority_reason},
        )
        await ctx.outbox.add(session, CallPrioritised(
            call_id=call.id, voucher_no=call.voucher_no or "", branch=branch,
            reason=call.priority_reason, correlation_id=call.voucher_no, occurred_at=now,
        ))
    run.flagged += len(flagged)
    await ctx.audit.record(
        session, actor=actor, action="register.reconciled", subject_type="register",
        subject_id=f"{branch}:{day.isoformat()}", detail={"flagged": [c.id for c in flagged]},
    )
    return run, flagged, waiting


async def _lock_run(
    session: AsyncSession, *, branch: str, day: date, actor: Actor, now: datetime
) -> Reconciliation:
    """The day's run row, created by the first to get there, locked for this transaction
    (the clerk and the watcher may reconcile at the same moment)."""
    query = (select(Reconciliation)
             .where(Reconciliation.branch == branch, Reconciliation.day == day)
             .with_for_update()
             .execution_options(populate_existing=True))
    run = await session.scalar(query)
    if run is None:
        try:
            async with session.begin_nested():
                session.add(Reconciliation(branch=branch, day=day, run_at=now,
                                           run_by=actor.user_id, flagged=0))
        except IntegrityError:
            pass  # the other one was first; wait for its lock below
        run = await session.scalar(query)
    assert run is not None
    return run


async def next_reconciliation(ctx: Context, session: AsyncSession) -> datetime | None:
    """The earliest moment a branch's next morning reconciliation falls due (S18)."""
    now = ctx.now()
    dues = []
    for branch in ctx.branches.values():
        last = await session.scalar(
            select(func.max(Reconciliation.day)).where(Reconciliation.branch == branch.code)
        )
        dues.append(rules_s18.next_due(branch.calendar, now, last))
    return min(dues, default=None)


async def fire_reconciliations(ctx: Context, session: AsyncSession, now: datetime) -> None:
    """Run each branch's reconciliation that is due and not yet done today (S18)."""
    system = Actor.system("intake")
    for branch in ctx.branches.values():
        day = rules_s18.due_day(branch.calendar, now)
        if day is None:
            continue
        done = await session.scalar(
            select(Reconciliation.id)
            .where(Reconciliation.branch == branch.code, Reconciliation.day == day)
        )
        if done is None:
            await reconcile(ctx, session, actor=system, branch=branch.code, day=day)


async def reconciliation_of_day(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, day: date
) -> tuple[Reconciliation | None, list[Call]]:
    """The morning's run of ``day`` (None until it ran) and the priority list: the calls
    still undispatched from before ``day``, flagged or waiting for the run (S18). Reads
    only."""
    ctx.branch(branch)
    require_branch(actor, branch)
    run = await session.scalar(
        select(Reconciliation).where(Reconciliation.branch == branch, Reconciliation.day == day)
    )
    waiting = list(await session.scalars(
        select(Call)
        .where(Call.branch == branch, Call.status == CallStatus.REGISTERED.value,
               Call.register_date < day)
        .order_by(Call.register_date, Call.id)
    ))
    return run, waiting
