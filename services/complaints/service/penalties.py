"""Losses and penalty decisions on closed cases, and the monthly notices (SPEC P1–P5, P8).

Invariants: decisions are recorded only on a closed case, by the GM office; each decision
line belongs to the month it was decided in (company zone). A month's notices are
published once: decisions are marked with their notice in the same transaction as the
notice rows (unique per month and person) and their `PenaltyNoticePublished` events.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import is_sqlite
from shared.events.complaints import PenaltyNoticePublished
from shared.fields import check_happened_on
from shared.jsonable import jsonable
from shared.rules import RuleBroken, WrongState

from ..domain.notices import (
    NOTICE_COPIES,
    DecidedPenalty,
    check_publishable,
    month_of,
    notices,
    publication_due,
)
from ..domain.penalties import returned_goods_loss
from ..domain.penalty_decisions import (
    Member,
    Party,
    PenaltyLine,
    administrative_line,
    economic_lines,
)
from ..models import Complaint, PenaltyDecision, PenaltyNotice
from ..schemas.penalties import AdministrativePenaltyIn, EconomicPenaltyIn, LossIn
from .cases import SUBJECT, company_today, company_zone, find_case

WATCHER = "penalty-notices"


async def _case(session: AsyncSession, *, actor: Actor, case_no: str,
                lock: bool = False) -> Complaint:
    """The case (locked when asked), if it lies in the actor's branch."""
    case = await find_case(session, case_no, lock=lock)
    if case.branch is not None:
        require_branch(actor, case.branch, field="case_no")
    return case


async def _closed_case(session: AsyncSession, *, actor: Actor, case_no: str,
                       rule: str) -> Complaint:
    """The closed case, locked FOR UPDATE before anything is checked (one winner)."""
    case = await _case(session, actor=actor, case_no=case_no, lock=True)
    if case.status != "closed":
        raise WrongState("penalties are decided once the case is closed", field="case_no",
                       rule=rule)
    return case


async def record_loss(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: LossIn
) -> Complaint:
    """The loss on the returned goods after their resale window (SPEC P1)."""
    case = await _closed_case(session, actor=actor, case_no=case_no, rule="P1")
    if case.handling not in ("return", "reprocess"):
        raise WrongState("no goods came back on this case", field="case_no", rule="P1")
    # The goods came back already; their resale date may be planned (the window runs on).
    check_happened_on(data.returned_on, today=company_today(ctx), field="returned_on",
                      rule="P1")
    case.loss_amount = returned_goods_loss(
        a_grade_price=data.a_grade_price, resale_price=data.resale_price,
        actual_loss=data.actual_loss, returned_on=data.returned_on, sold_on=data.sold_on,
    )
    case.loss_basis = jsonable(data.model_dump())
    await ctx.audit.record(
        session, actor=actor, action="loss.recorded", subject_type=SUBJECT,
        subject_id=case.case_no,
        detail={"loss_amount": str(case.loss_amount), **case.loss_basis},
    )
    return case


def _line_key(line: PenaltyLine | PenaltyDecision) -> tuple[object, ...]:
    return (line.kind, line.person_id, line.unit, line.amount, line.bearer, line.bearer_level,
            line.ground, line.level)


async def _store(
    ctx: Context, session: AsyncSession, case: Complaint, actor: Actor, lines: list[PenaltyLine]
) -> list[PenaltyDecision]:
    """Record the decision's lines; the same decision twice is refused (409), so of
    concurrent identical posts exactly one is recorded [choice]."""
    decided = {_line_key(row) for row in await session.scalars(
        select(PenaltyDecision).where(PenaltyDecision.complaint_id == case.id))}
    if lines and all(_line_key(line) in decided for line in lines):
        raise WrongState("this decision is already recorded on the case", field="case_no",
                         rule="P2" if lines[0].kind == "economic" else "P3")
    now = ctx.now()
    month = month_of(now, company_zone(ctx))
    rows = [
        PenaltyDecision(
            complaint_id=case.id, case_no=case.case_no, kind=line.kind,
            person_id=line.person_id, unit=line.unit, amount=line.amount, bearer=line.bearer,
            bearer_level=line.bearer_level, ground=line.ground, level=line.level,
            month=month, decided_at=now, decided_by=actor.user_id,
        )
        for line in lines
    ]
    session.add_all(rows)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="penalty.decided", subject_type=SUBJECT,
        subject_id=case.case_no, at=now,
        detail={"lines": [{"person": r.person_id, "kind": r.kind, "amount": str(r.amount)}
                          for r in rows]},
    )
    ctx.wake_after_commit(session, WATCHER)
    return rows


async def decide_economic(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: EconomicPenaltyIn
) -> list[PenaltyDecision]:
    """Apportion the loss (P2) and attribute each share (P5) down to people."""
    case = await _closed_case(session, actor=actor, case_no=case_no, rule="P2")
    if case.handling == "not_valid":
        raise WrongState("a complaint found not valid carries no loss", field="case_no",
                       rule="C9.14")
    loss = data.loss if data.loss is not None else case.loss_amount
    if loss is None:
        raise RuleBroken("record the loss first (P1) or give it here", field="loss", rule="P1")
    parties = [
        Party(department=p.department, unit=p.unit, ratio=p.ratio, group=p.group,
              individual=p.individual,
              members=tuple(Member(m.person_id, m.base_points) for m in p.members))
        for p in data.parties
    ]
    lines = economic_lines(loss, parties)
    if data.loss is not None:
        case.loss_amount = data.loss
    return await _store(ctx, session, case, actor, lines)


async def decide_administrative(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str,
    data: AdministrativePenaltyIn,
) -> PenaltyDecision:
    """An administrative penalty for one of the 15 grounds (SPEC P3, P4, P5)."""
    case = await _closed_case(session, actor=actor, case_no=case_no, rule="P3")
    line = administrative_line(
        person_id=data.person_id, department=data.department, unit=data.unit,
        level=data.level, ground=data.ground, base_points=data.base_points,
        monthly_bonus=data.monthly_bonus, decided=data.amount,
    )
    return (await _store(ctx, session, case, actor, [line]))[0]


async def case_penalties(
    session: AsyncSession, *, actor: Actor, case_no: str
) -> list[PenaltyDecision]:
    """The penalty lines decided on a case (within the actor's branch)."""
    case = await _case(session, actor=actor, case_no=case_no)
    rows = await session.scalars(
        select(PenaltyDecision).where(PenaltyDecision.complaint_id == case.id)
        .order_by(PenaltyDecision.id)
    )
    return list(rows)


async def month_notices(session: AsyncSession, month: str) -> list[PenaltyNotice]:
    """The notices published for a month."""
    rows = await session.scalars(
        select(PenaltyNotice).where(PenaltyNotice.month == month).order_by(PenaltyNotice.id)
    )
    return list(rows)


async def publish_month(
    ctx: Context, session: AsyncSession, *, actor: Actor, month: str
) -> tuple[list[PenaltyNotice], int]:
    """Publish a month's decisions, one notice per person, idempotently (SPEC P8)."""
    now = ctx.now()
    check_publishable(month, now, company_zone(ctx))
    query = select(PenaltyDecision).where(
        PenaltyDecision.month == month, PenaltyDecision.notice_no.is_(None)
    ).order_by(PenaltyDecision.id)
    if not is_sqlite(session):
        query = query.with_for_update()
    pending = list((await session.scalars(query)).all())
    existing = await month_notices(session, month)
    if not pending:
        return existing, 0
    if {p.person_id for p in pending} & {n.person_id for n in existing}:
        raise WrongState("a person already has a notice for this month", field="month", rule="P8")
    lines = [DecidedPenalty(p.person_id, p.unit, p.amount, p.case_no, p.kind) for p in pending]
    found = notices(month, lines, first_serial=len(existing) + 1)
    created = []
    for notice in found:
        row = PenaltyNotice(
            notice_no=notice.notice_no, month=month, person_id=notice.person_id,
            unit=notice.unit, amount=notice.amount, case_nos=list(notice.case_nos),
            published_at=now, published_by=actor.user_id,
        )
        created.append(row)
        for decision in pending:
            if decision.person_id == notice.person_id:
                decision.notice_no = notice.notice_no
        await ctx.outbox.add(session, PenaltyNoticePublished(
            notice_no=notice.notice_no,
            case_no=notice.case_nos[0] if len(notice.case_nos) == 1 else None,
            month=month, person_id=notice.person_id, unit=notice.unit,
            amount=str(notice.amount), case_nos=notice.case_nos,
            economic_amount=str(notice.economic), administrative_amount=str(notice.administrative),
            copies_to=(*NOTICE_COPIES, notice.unit), correlation_id=notice.notice_no,
        ))
    session.add_all(created)
    await ctx.audit.record(
        session, actor=actor, action="penalty_notices.published",
        subject_type="penalty_month", subject_id=month, at=now,
        detail={"notices": [n.notice_no for n in found]},
    )
    await session.flush()
    return [*existing, *created], len(created)


async def next_notice_due(session: AsyncSession, *, tz: tzinfo) -> datetime | None:
    """When the earliest month with unpublished decisions falls due (the 10th, SPEC P8)."""
    first = await session.scalar(
        select(func.min(PenaltyDecision.month)).where(PenaltyDecision.notice_no.is_(None))
    )
    return None if first is None else publication_due(first, tz)


async def publish_due(ctx: Context, session: AsyncSession, now: datetime) -> None:
    """On the 10th, publish last month's decisions if the GM office has not (SPEC P8)."""
    tz = company_zone(ctx)
    months = await session.scalars(
        select(PenaltyDecision.month).where(PenaltyDecision.notice_no.is_(None)).distinct()
    )
    for month in sorted(months):
        if publication_due(month, tz) <= now:
            await publish_month(ctx, session, actor=Actor.system(ctx.settings.service),
                                month=month)
