"""What the supervisor's and branch manager's pages read (SPEC S8, S12, S15, S16, S18):
the board with each line's lateness and what may be done to it, the repair cards in the
workshop, and the technicians' workload of a day.

Read only: every change goes through the use cases of ``board``, ``visits``,
``workshop`` and ``reports``, exactly as the JSON routes call them. Whether a line may
be (re)assigned or a card inspected is asked of the same domain rules those use cases
apply, so a page never offers what the use case would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.branches import StaffMember
from shared.context import Context
from shared.rules import RuleBroken, WrongState

from ..domain import reports as rules_reports
from ..domain import visits as rules_visits
from ..domain import workshop as rules_shop
from ..domain.workshop import CardStatus
from ..models import RepairCard, RepairWork, Voucher, WorkLog
from .board import board


def _allowed(rule: Callable[..., Any], *args: Any) -> bool:
    try:
        rule(*args)
    except (RuleBroken, WrongState):
        return False
    return True


def technicians(ctx: Context, branch: str) -> list[StaffMember]:
    """The branch's technicians, the ones a supervisor may dispatch to (S8)."""
    return sorted(ctx.branch(branch).staff_with_role("technician"), key=lambda s: s.staff_id)


@dataclass(frozen=True)
class BoardRow:
    """One line of the board as the supervisor sees it at ``now``."""

    voucher: Voucher
    minutes_left: int  # negative once the arrival deadline has passed
    overdue: bool
    assignable: bool  # may still be (re)assigned (before arrival, S8)
    priority: bool = False  # S18, as computed when the board is read
    priority_reason: str | None = None
    recordable: bool = False  # the supervisor may record the arrival for the technician


async def board_rows(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str,
    limit: int | None = None, after: str | None = None,
) -> list[BoardRow]:
    """The branch's board in dispatch order (S8, S18), each line with its lateness; at
    most ``limit`` lines after the voucher ``after`` (paged in SQL like ``GET /board``)."""
    now = ctx.now()
    rows = []
    for item in await board(ctx, session, actor=actor, branch=branch, limit=limit,
                            after=after):
        voucher = item.voucher
        due = voucher.arrival_due_at
        seconds = (due - now).total_seconds()
        arrived = voucher.arrived_at is not None
        rows.append(BoardRow(
            voucher=voucher,
            minutes_left=round(seconds / 60),
            overdue=not arrived and not rules_visits.sla_met(now, due),
            assignable=_allowed(rules_visits.check_assignable, voucher.status,
                                voucher.technician_id, ""),
            priority=item.priority, priority_reason=item.priority_reason,
            recordable=voucher.technician_id is not None
            and _allowed(rules_visits.check_arrival, voucher.status),
        ))
    return rows


@dataclass(frozen=True)
class CardRow:
    """A repair card in the workshop (S12), with the labour logged on it."""

    card: RepairCard
    labour_minutes: int
    inspectable: bool
    overdue: bool  # past its promised day (S14)
    help_asked: str | None = None  # the technician's latest request for help (S14b)


async def workshop_cards(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str
) -> list[CardRow]:
    """The branch's repair cards not yet returned, oldest first (S12, S14)."""
    ctx.branch(branch)
    require_branch(actor, branch)
    now = ctx.now()
    labour = (select(RepairWork.repair_card_no, func.count().label("n"),
                     func.coalesce(func.sum(RepairWork.minutes), 0).label("minutes"))
              .group_by(RepairWork.repair_card_no).subquery())
    found = await session.execute(
        select(RepairCard, labour.c.n, labour.c.minutes)
        .outerjoin(labour, labour.c.repair_card_no == RepairCard.repair_card_no)
        .where(RepairCard.branch == branch, RepairCard.status != CardStatus.RETURNED.value)
        .order_by(RepairCard.opened_at, RepairCard.id))
    rows = found.all()
    asked = await _help_requests(ctx, session, [card.voucher_no for card, _n, _m in rows])
    return [
        CardRow(card=card, labour_minutes=int(minutes or 0),
                inspectable=_allowed(rules_shop.check_inspection, card.status, int(n or 0)),
                overdue=rules_shop.overdue_as_of(due_at=card.overdue_at,
                                                 returned_at=card.returned_at, as_of=now),
                help_asked=asked.get(card.repair_card_no))
        for card, n, minutes in rows
    ]


async def _help_requests(
    ctx: Context, session: AsyncSession, voucher_nos: list[str]
) -> dict[str, str]:
    """The latest S14b help request per repair card, read from the vouchers' audit trail
    (where ``workshop.ask_for_help`` records it)."""
    if not voucher_nos:
        return {}
    table = ctx.audit.table
    found = await session.execute(
        select(table.c.detail).where(table.c.action == "repair_card.help_requested",
                                     table.c.subject_type == "voucher",
                                     table.c.subject_id.in_(voucher_nos))
        .order_by(table.c.id))
    latest: dict[str, str] = {}
    for (detail,) in found:
        if isinstance(detail, dict) and detail.get("repair_card_no"):
            latest[str(detail["repair_card_no"])] = str(detail.get("reason", ""))
    return latest


@dataclass(frozen=True)
class Workload:
    """One technician's day (S15): time by category and the vouchers in hand."""

    technician_id: str
    name: str
    minutes_by_category: dict[str, int]
    total_minutes: int
    worked: list[str] = field(default_factory=list)  # vouchers with work logged that day
    open_vouchers: list[Voucher] = field(default_factory=list)  # on the board, theirs


async def workload(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, day: date
) -> list[Workload]:
    """Each technician of the branch: the day's minutes and vouchers (S15, S16)."""
    ctx.branch(branch)
    require_branch(actor, branch)
    logs = list(await session.scalars(
        select(WorkLog).where(WorkLog.branch == branch, WorkLog.day == day)
        .order_by(WorkLog.id)))
    open_lines = await board(ctx, session, actor=actor, branch=branch)
    staff = {s.staff_id: s.name for s in technicians(ctx, branch)}
    for entry in logs:  # someone who has since left the staff list still worked
        staff.setdefault(entry.technician_id, entry.technician_id)
    result = []
    for technician_id, name in sorted(staff.items()):
        mine = [e for e in logs if e.technician_id == technician_id]
        totals = rules_reports.minutes_by_category((e.category, e.minutes) for e in mine)
        worked = list(dict.fromkeys(e.voucher_no for e in mine if e.voucher_no))
        result.append(Workload(
            technician_id=technician_id, name=name, minutes_by_category=totals,
            total_minutes=sum(totals.values()), worked=worked,
            open_vouchers=[i.voucher for i in open_lines
                           if i.voucher.technician_id == technician_id]))
    return result


def today(ctx: Context, branch: str, now: datetime | None = None) -> date:
    """The branch-local date now: the default day of the workload and the report."""
    return ctx.branch(branch).local_date(now or ctx.now())
