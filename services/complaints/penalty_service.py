"""Losses and penalty decisions on closed cases, and the monthly notices (SPEC P1–P5, P8).

Invariants: decisions are recorded only on a closed case, by the GM office; each decision
line belongs to the month it was decided in (company zone). A month's notices are
published once: decisions are marked with their notice in the same transaction as the
notice rows (unique per month and person) and their `PenaltyNoticePublished` events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor
from shared.events.complaints import PenaltyNoticePublished
from shared.rules import RuleBroken, WrongState
from shared.runtime import Runtime

from .domain.notices import (
    NOTICE_COPIES,
    DecidedPenalty,
    check_publishable,
    month_of,
    notices,
    publication_due,
)
from .domain.penalties import returned_goods_loss
from .domain.penalty_decisions import (
    Member,
    Party,
    PenaltyLine,
    administrative_line,
    economic_lines,
)
from .models import Complaint, PenaltyDecision, PenaltyNotice, plumbing
from .schemas_penalties import AdministrativePenaltyIn, EconomicPenaltyIn, LossIn
from .store import company_zone, find_case, jsonable

WATCHER = "penalty-notices"


async def _closed_case(session: AsyncSession, case_no: str, *, rule: str) -> Complaint:
    case = await find_case(session, case_no, lock=True)
    if case.status != "closed":
        raise WrongState("penalties are decided once the case is closed", field="case_no",
                       rule=rule)
    return case


async def record_loss(
    rt: Runtime, session: AsyncSession, *, actor: Actor, case_no: str, data: LossIn
) -> Complaint:
    """The loss on the returned goods after their resale window (SPEC P1)."""
    case = await _closed_case(session, case_no, rule="P1")
    if case.handling not in ("return", "reprocess"):
        raise WrongState("no goods came back on this case", field="case_no", rule="P1")
    case.loss_amount = returned_goods_loss(
        a_grade_price=data.a_grade_price, resale_price=data.resale_price,
        actual_loss=data.actual_loss, returned_on=data.returned_on, sold_on=data.sold_on,
    )
    case.loss_basis = jsonable(data.model_dump())
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="loss.recorded",
        subject_type="complaint", subject_id=case.case_no, at=rt.clock.now(),
        detail={"loss_amount": str(case.loss_amount), **case.loss_basis},
    )
    return case


async def _store(
    rt: Runtime, session: AsyncSession, case: Complaint, actor: Actor, lines: list[PenaltyLine]
) -> list[PenaltyDecision]:
    now = rt.clock.now()
    month = month_of(now, company_zone(rt))
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
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="penalty.decided",
        subject_type="complaint", subject_id=case.case_no, at=now,
        detail={"lines": [{"person": r.person_id, "kind": r.kind, "amount": str(r.amount)}
                          for r in rows]},
    )
    wake = rt.watchers.get(WATCHER)
    if wake is not None:
        wake.wake_after_commit(session)
    return rows


async def decide_economic(
    rt: Runtime, session: AsyncSession, *, actor: Actor, case_no: str, data: EconomicPenaltyIn
) -> list[PenaltyDecision]:
    """Apportion the loss (P2) and attribute each share (P5) down to people."""
    case = await _closed_case(session, case_no, rule="P2")
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
    return await _store(rt, session, case, actor, lines)


async def decide_administrative(
    rt: Runtime, session: AsyncSession, *, actor: Actor, case_no: str,
    data: AdministrativePenaltyIn,
) -> PenaltyDecision:
    """An administrative penalty for one of the 15 grounds (SPEC P3, P4, P5)."""
    case = await _closed_case(session, case_no, rule="P3")
    line = administrative_line(
        person_id=data.person_id, department=data.department, unit=data.unit,
        level=data.level, ground=data.ground, base_points=data.base_points,
        monthly_bonus=data.monthly_bonus, decided=data.amount,
    )
    return (await _store(rt, session, case, actor, [line]))[0]


async def case_penalties(session: AsyncSession, case_no: str) -> list[PenaltyDecision]:
    """The penalty lines decided on a case."""
    case = await find_case(session, case_no)
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
    rt: Runtime, session: AsyncSession, *, actor: Actor, month: str
) -> tuple[list[PenaltyNotice], int]:
    """Publish a month's decisions, one notice per person, idempotently (SPEC P8)."""
    now = rt.clock.now()
    check_publishable(month, now, company_zone(rt))
    query = select(PenaltyDecision).where(
        PenaltyDecision.month == month, PenaltyDecision.notice_no.is_(None)
    ).order_by(PenaltyDecision.id)
    if not rt.db.is_sqlite:
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
        await rt.outbox.add(session, PenaltyNoticePublished(
            notice_no=notice.notice_no,
            case_no=notice.case_nos[0] if len(notice.case_nos) == 1 else None,
            month=month, person_id=notice.person_id, unit=notice.unit,
            amount=str(notice.amount), case_nos=notice.case_nos,
            economic_amount=str(notice.economic), administrative_amount=str(notice.administrative),
            copies_to=(*NOTICE_COPIES, notice.unit), correlation_id=notice.notice_no,
        ))
    session.add_all(created)
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="penalty_notices.published",
        subject_type="penalty_month", subject_id=month, at=now,
        detail={"notices": [n.notice_no for n in found]},
    )
    await session.flush()
    return [*existing, *created], len(created)


def register(rt: Runtime) -> None:
    """On the 10th, publish last month's decisions if the GM office has not (SPEC P8)."""
    tz = company_zone(rt)

    async def next_due(session: AsyncSession) -> datetime | None:
        first = await session.scalar(
            select(func.min(PenaltyDecision.month)).where(PenaltyDecision.notice_no.is_(None))
        )
        return None if first is None else publication_due(first, tz)

    async def fire(session: AsyncSession, now: datetime) -> None:
        months = await session.scalars(
            select(PenaltyDecision.month).where(PenaltyDecision.notice_no.is_(None)).distinct()
        )
        for month in sorted(months):
            if publication_due(month, tz) <= now:
                await publish_month(rt, session, actor=Actor.system(rt.settings.service),
                                    month=month)

    rt.watch(WATCHER, next_due=next_due, fire=fire)
