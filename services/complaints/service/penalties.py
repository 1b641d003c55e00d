"""Losses and penalty decisions on closed cases, and the monthly notices (SPEC P1–P5, P8).

Invariants: decisions are recorded only on a closed case, by the GM office, one effective
decision per case, kind and party (a duplicate is 409; a correction supersedes the earlier
one explicitly, both kept), each published as ``PenaltyDecided`` for billing to price;
each decision belongs to the month it was decided in (company zone). A month's notices are
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
from shared.events.complaints import PenaltyDecided, PenaltyNoticePublished
from shared.fields import check_happened_on
from shared.jsonable import jsonable
from shared.money import ZERO
from shared.rules import NotFound, RuleBroken, WrongState

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
    Decision,
    Party,
    administrative_decision,
    check_supersession,
    economic_decisions,
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


async def _superseded(
    session: AsyncSession, *, case: Complaint, kind: str, supersedes: int | None,
    reason: str | None,
) -> PenaltyDecision | None:
    """The decision a correction supersedes, locked, checked against the case and kind."""
    if supersedes is None:
        return None
    old = await session.get(PenaltyDecision, supersedes, with_for_update=not is_sqlite(session))
    rule = "P2" if kind == "economic" else "P3"
    if old is None:
        raise NotFound("no such decision", field="supersedes", rule=rule)
    check_supersession(kind=kind, old_kind=old.kind, old_case_no=old.case_no,
                       case_no=case.case_no, old_superseded=not old.effective, reason=reason)
    return old


async def _store(
    ctx: Context, session: AsyncSession, case: Complaint, actor: Actor,
    decisions: list[Decision], *, supersedes: int | None = None, reason: str | None = None,
) -> list[PenaltyDecision]:
    """Record one decision per party; a party already decided on the case is 409 unless the
    decision names the one it supersedes (kept, marked superseded) (SPEC P2, P3)."""
    kind = decisions[0].kind
    rule = "P2" if kind == "economic" else "P3"
    old = await _superseded(session, case=case, kind=kind, supersedes=supersedes,
                            reason=reason)
    active = set(await session.scalars(
        select(PenaltyDecision.active_key).where(
            PenaltyDecision.complaint_id == case.id, PenaltyDecision.kind == kind,
            PenaltyDecision.active_key.is_not(None))))
    if old is not None:
        active.discard(old.active_key)
    for i, decision in enumerate(decisions):
        if decision.party_key in active:
            raise WrongState(
                f"a {kind} decision for {decision.bearer} is already recorded on the case; "
                "a correction names the decision it supersedes", field=f"parties.{i}",
                rule=rule)
    now = ctx.now()
    if old is not None:
        old.active_key, old.superseded_at = None, now
        await session.flush()  # frees the party's key before the correction takes it
    month = month_of(now, company_zone(ctx))
    rows = [
        PenaltyDecision(
            complaint_id=case.id, case_no=case.case_no, kind=d.kind, department=d.department,
            unit=d.unit, person_id=d.person_id, bearer_level=d.bearer_level,
            party_key=d.party_key, active_key=d.party_key, loss_share=d.loss_share,
            ground=d.ground, level=d.level,
            amount=d.loss_share if d.kind == "economic" else d.amount,
            month=month, decided_at=now, decided_by=actor.user_id,
            supersedes_id=old.id if old is not None else None,
            reason=reason if old is not None else None,
        )
        for d in decisions
    ]
    session.add_all(rows)
    await session.flush()
    if old is not None:
        old.superseded_by_id = rows[0].id
    for row in rows:
        await ctx.outbox.add(session, PenaltyDecided(
            decision_id=row.id, case_no=row.case_no, kind=row.kind, month=row.month,
            department=row.department, unit=row.unit, person_id=row.person_id,
            bearer_level=row.bearer_level,
            loss_share=None if row.loss_share is None else str(row.loss_share),
            grade=row.level, ground=row.ground,
            amount=None if row.kind == "economic" or row.amount is None else str(row.amount),
            supersedes=row.supersedes_id, reason=row.reason, decided_by=row.decided_by,
            decided_at=now, correlation_id=row.case_no,
        ))
    await ctx.audit.record(
        session, actor=actor, action="penalty.superseded" if old else "penalty.decided",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"decisions": [{"id": r.id, "bearer": r.bearer, "kind": r.kind,
                               "amount": None if r.amount is None else str(r.amount)}
                              for r in rows],
                "supersedes": old.id if old else None, "reason": reason},
    )
    ctx.wake_after_commit(session, WATCHER)
    return rows


async def decide_economic(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: EconomicPenaltyIn
) -> list[PenaltyDecision]:
    """Apportion the loss (P2) and name who bears each share (P5), once per party."""
    case = await _closed_case(session, actor=actor, case_no=case_no, rule="P2")
    if case.handling == "not_valid":
        raise WrongState("a complaint found not valid carries no loss", field="case_no",
                       rule="C9.14")
    if data.supersedes is not None:
        if len(data.parties) != 1:
            raise RuleBroken("a correction names one party", field="parties", rule="P2")
        if data.loss is None:
            raise RuleBroken("give the party's corrected share", field="loss", rule="P2")
    loss = data.loss if data.loss is not None else case.loss_amount
    if loss is None:
        raise RuleBroken("record the loss first (P1) or give it here", field="loss", rule="P1")
    parties = [Party(department=p.department, unit=p.unit, ratio=p.ratio, group=p.group,
                     individual=p.individual) for p in data.parties]
    decisions = economic_decisions(loss, parties)
    rows = await _store(ctx, session, case, actor, decisions, supersedes=data.supersedes,
                        reason=data.reason)
    if data.loss is not None and data.supersedes is None:
        case.loss_amount = data.loss
    return rows


async def decide_administrative(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str,
    data: AdministrativePenaltyIn,
) -> PenaltyDecision:
    """An administrative penalty for one of the 15 grounds (SPEC P3, P4, P5)."""
    case = await _closed_case(session, actor=actor, case_no=case_no, rule="P3")
    decision = administrative_decision(
        person_id=data.person_id, department=data.department, unit=data.unit,
        level=data.level, ground=data.ground, decided=data.amount,
    )
    return (await _store(ctx, session, case, actor, [decision], supersedes=data.supersedes,
                         reason=data.reason))[0]


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
        PenaltyDecision.month == month, PenaltyDecision.notice_no.is_(None),
        PenaltyDecision.superseded_by_id.is_(None),
    ).order_by(PenaltyDecision.id)
    if not is_sqlite(session):
        query = query.with_for_update()
    pending = list((await session.scalars(query)).all())
    existing = await month_notices(session, month)
    if not pending:
        return existing, 0
    if {p.bearer for p in pending} & {n.person_id for n in existing}:
        raise WrongState("a bearer already has a notice for this month", field="month",
                         rule="P8")
    lines = [DecidedPenalty(p.bearer, p.unit, p.amount or ZERO, p.case_no, p.kind, p.id)
             for p in pending]
    kinds = {p.bearer: "person" if p.person_id else "unit" for p in pending}
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
            if decision.bearer == notice.person_id:
                decision.notice_no = notice.notice_no
        await ctx.outbox.add(session, PenaltyNoticePublished(
            notice_no=notice.notice_no,
            case_no=notice.case_nos[0] if len(notice.case_nos) == 1 else None,
            month=month, person_id=notice.person_id, unit=notice.unit,
            amount=str(notice.amount), case_nos=notice.case_nos,
            economic_amount=str(notice.economic), administrative_amount=str(notice.administrative),
            copies_to=(*NOTICE_COPIES, notice.unit), correlation_id=notice.notice_no,
            bearer_kind=kinds[notice.person_id], decision_ids=notice.decision_ids,
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
        select(func.min(PenaltyDecision.month)).where(
            PenaltyDecision.notice_no.is_(None), PenaltyDecision.superseded_by_id.is_(None))
    )
    return None if first is None else publication_due(first, tz)


async def publish_due(ctx: Context, session: AsyncSession, now: datetime) -> None:
    """On the 10th, publish last month's decisions if the GM office has not (SPEC P8)."""
    tz = company_zone(ctx)
    months = await session.scalars(
        select(PenaltyDecision.month).where(
            PenaltyDecision.notice_no.is_(None), PenaltyDecision.superseded_by_id.is_(None),
        ).distinct()
    )
    for month in sorted(months):
        if publication_due(month, tz) <= now:
            await publish_month(ctx, session, actor=Actor.system(ctx.settings.service),
                                month=month)
