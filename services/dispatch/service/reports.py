"""Daily reports: technicians' D work logs, the technician and supervisor daily reports,
and the branch manager's sign-off (SPEC S6, S15, S16, S17).

Invariant (CT1): a work-log date is a claimed day, accepted through
``shared.claimed.accept_claimed_day`` with the branch's device window; an older day is
logged only by a supervisor (or the branch manager) with a reason, and the reports show
such entries, and arrivals recorded late, as back-dated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.claimed import BRANCH_APPROVERS, accept_claimed_day
from shared.context import Context
from shared.events.dispatch import SupervisorReportSigned
from shared.fields import check_happened_on
from shared.rules import Forbidden, RuleBroken, WrongState

from ..domain import reports as rules_reports
from ..models import ReportDay, Voucher, WorkLog
from .common import lock_report_day, log_work, sign

_READERS_OF_ANYONE = frozenset({"supervisor", "branch_manager", "service_dept", "admin"})


def technician_branch(ctx: Context, actor: Actor, technician_id: str) -> str:
    """The branch whose staff list has ``technician_id`` as a technician (422 if none);
    one of another branch than the caller's is 403."""
    codes = [actor.branch] if actor.branch else []
    codes += [code for code in ctx.branches if code not in codes]
    for code in codes:
        member = ctx.branch(code).staff.get(technician_id)
        if member is not None and member.role == "technician":
            require_branch(actor, code, field="technician_id")
            return code
    raise RuleBroken(f"{technician_id} is not a technician here", field="technician_id")


async def add_work_log(
    ctx: Context, session: AsyncSession, *, actor: Actor, technician_id: str, day: date,
    category: str, minutes: int, note_text: str, backdate_reason: str | None = None,
) -> WorkLog:
    """SPEC S6/S15: a technician logs internal admin (D) time; A–C come from vouchers. A
    day older than the device window is logged by a supervisor with a reason (CT1)."""
    if actor.role not in BRANCH_APPROVERS and (
            actor.role != "technician" or actor.user_id != technician_id):
        raise Forbidden(f"{actor.user_id} may not log work for {technician_id}",
                        field="technician_id")
    branch = technician_branch(ctx, actor, technician_id)
    now = ctx.now()
    rules_reports.check_manual_category(category)
    here = ctx.branch(branch)
    today = here.local_date(now)
    rules_reports.check_work_day(day, today)
    check_happened_on(day, today=today, field="date", rule="S15", what="the work day")
    claim = accept_claimed_day(day, now=now, zone=here.zone, window=here.claim_windows.device,
                               field="date", actor_role=actor.role, actor_id=actor.user_id,
                               reason=backdate_reason, approvers=BRANCH_APPROVERS,
                               what="the work day")
    entry = await log_work(
        session, branch=branch, technician_id=technician_id, day=day, category=category,
        minutes=minutes, source="manual", voucher_no=None, note_text=note_text or None,
        actor=actor, at=now, claim=claim,
    )
    await session.flush()
    await ctx.audit.record(session, actor=actor, action="work_log.added",
                           subject_type="work_log", subject_id=str(entry.id),
                           detail={"technician_id": technician_id, "date": day.isoformat(),
                                   "category": category, "minutes": minutes,
                                   "backdated": claim.backdated,
                                   "backdate_reason": claim.backdate_reason,
                                   "backdate_approved_by": claim.backdate_approved_by})
    return entry


async def arrivals_of_day(
    ctx: Context, session: AsyncSession, *, branch: str, day: date,
    technician_id: str | None = None,
) -> list[Voucher]:
    """The arrivals of a branch-local day (S19), each with its receipt time and, when
    recorded late, its approver (CT1): what the daily reports show beside the minutes."""
    zone = ctx.branch(branch).zone
    start = datetime.combine(day, time(0), zone)
    query = (select(Voucher).where(Voucher.branch == branch, Voucher.arrived_at >= start,
                                   Voucher.arrived_at < start + timedelta(days=1))
             .order_by(Voucher.arrived_at, Voucher.voucher_no))
    if technician_id is not None:
        query = query.where(Voucher.technician_id == technician_id)
    return list(await session.scalars(query))


async def technician_daily(
    ctx: Context, session: AsyncSession, *, actor: Actor, technician_id: str, day: date
) -> tuple[list[WorkLog], dict[str, int]]:
    """SPEC S15: a technician's work of the day, each piece with its category and time."""
    if actor.role not in _READERS_OF_ANYONE and actor.user_id != technician_id:
        raise Forbidden(f"{actor.user_id} may not read {technician_id}'s report",
                        field="technician_id")
    branch = technician_branch(ctx, actor, technician_id)
    require_branch(actor, branch)
    entries = list(await session.scalars(
        select(WorkLog).where(WorkLog.technician_id == technician_id, WorkLog.day == day)
        .order_by(WorkLog.id)))
    return entries, rules_reports.minutes_by_category((e.category, e.minutes) for e in entries)


@dataclass(frozen=True)
class SupervisorDay:
    """The supervisor's daily report of a branch (S16), frozen once signed (S17)."""

    branch: str
    day: date
    minutes_by_category: dict[str, int]
    by_technician: dict[str, dict[str, int]]
    signed_by: str | None
    signed_at: datetime | None


async def _sums(
    session: AsyncSession, branch: str, day: date
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    rows = [(t, c, m) for t, c, m in await session.execute(
        select(WorkLog.technician_id, WorkLog.category, WorkLog.minutes)
        .where(WorkLog.branch == branch, WorkLog.day == day))]
    return (rules_reports.minutes_by_category((c, m) for _, c, m in rows),
            rules_reports.by_technician(rows))


async def supervisor_daily(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, day: date
) -> SupervisorDay:
    """SPEC S16: the day's time by category over the branch's technicians."""
    ctx.branch(branch)
    require_branch(actor, branch)
    report = await session.get(ReportDay, (branch, day))
    if report is not None and report.signed_at is not None:
        return SupervisorDay(branch, day, dict(report.minutes_by_category or {}),
                             dict(report.by_technician or {}), report.signed_by,
                             report.signed_at)
    if actor.role == "service_dept":
        raise WrongState(f"the report of {branch} for {day} is not signed yet", field="date",
                       rule="S17")
    totals, per_tech = await _sums(session, branch, day)
    return SupervisorDay(branch, day, totals, per_tech, None, None)


async def sign_supervisor_report(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, day: date
) -> SupervisorDay:
    """SPEC S17: the branch manager signs the day's report; from then on it is immutable."""
    ctx.branch(branch)
    require_branch(actor, branch)
    now = ctx.now()
    today = ctx.branch(branch).local_date(now)
    rules_reports.check_work_day(day, today)
    check_happened_on(day, today=today, field="date", rule="S17", what="the report day")
    report = await lock_report_day(session, branch, day)
    rules_reports.check_unsigned(branch, day, report.signed_at)
    totals, per_tech = await _sums(session, branch, day)
    report.signed_at, report.signed_by = now, actor.user_id
    report.minutes_by_category, report.by_technician = totals, per_tech
    document_no = f"{branch}:{day.isoformat()}"
    await sign(session, voucher_no=None, document="supervisor_report", document_no=document_no,
               purpose="sign_off", signer=actor.user_id, signer_role="branch_manager", at=now,
               recorded_by=actor.user_id)
    await ctx.audit.record(session, actor=actor, action="supervisor_report.signed",
                           subject_type="supervisor_report", subject_id=document_no,
                           detail={"minutes_by_category": totals})
    await ctx.outbox.add(session, SupervisorReportSigned(
        branch=branch, day=day, minutes_by_category=totals, signed_by=actor.user_id,
        occurred_at=now,
    ))
    return SupervisorDay(branch, day, totals, per_tech, actor.user_id, now)
