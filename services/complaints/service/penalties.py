"""Losses and penalty decisions on closed cases, and the monthly notices (SPEC P1–P5, P8).

Invariants: decisions are recorded only on a closed case, by the GM office, one effective
decision per case, kind and party (a duplicate is 409; a correction supersedes the earlier
one explicitly, both kept), each published as ``PenaltyDecided`` for billing to price;
each decision belongs to the month it was decided in (company zone). A month's notices are
published once: decisions are marked with their notice in the same transaction as the
notice rows (unique per month and person).

SPEC P3b: an administrative decision is the GM office's petition; the GM approves it, and
only then is ``PenaltyDecided`` sent to billing; HR (role ``admin``) then records its
publication (人事公布單). SPEC P8b: a month's notices are drafted, approved by the GM one
by one, and published (``PenaltyNoticePublished``, the three copies) only once approved;
rewards (獎) are listed on the same notice and never sent to billing as deductions.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import select
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
    APPROVED,
    DEDUCTIONS_ACCRUE_TO,
    DRAFT,
    NOTICE_COPIES,
    PUBLISHED,
    DecidedPenalty,
    DecidedReward,
    check_approvable,
    check_copies_may_go,
    check_publishable,
    month_of,
    notices,
    publication_due,
)
from ..domain.penalties import returned_goods_loss
from ..domain.penalty_decisions import (
    PETITIONED,
    Decision,
    Party,
    administrative_decision,
    check_admin_approvable,
    check_hr_publishable,
    check_supersession,
    economic_decisions,
    reward_decision,
)
from ..models import Complaint, PenaltyDecision, PenaltyNotice, Reward
from ..schemas.penalties import AdministrativePenaltyIn, EconomicPenaltyIn, LossIn, RewardIn
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
            # SPEC P3b: an administrative penalty waits for the GM; economic ones do not.
            status=PETITIONED if d.kind == "administrative" else APPROVED,
        )
        for d in decisions
    ]
    session.add_all(rows)
    await session.flush()
    if old is not None:
        old.superseded_by_id = rows[0].id
    for row in rows:
        if row.status == APPROVED:
            await _announce(ctx, session, row, old)
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


async def _announce(ctx: Context, session: AsyncSession, row: PenaltyDecision,
                    old: PenaltyDecision | None) -> None:
    """Send an approved decision to billing to price (SPEC P3, P3b, P6).

    A correction names the decision it supersedes only if billing was told of that one
    (a petition the GM never approved was never priced, so there is nothing to reverse).
    """
    supersedes = row.supersedes_id if old is not None and old.status == APPROVED else None
    await ctx.outbox.add(session, PenaltyDecided(
        decision_id=row.id, case_no=row.case_no, kind=row.kind, month=row.month,
        department=row.department, unit=row.unit, person_id=row.person_id,
        bearer_level=row.bearer_level,
        loss_share=None if row.loss_share is None else str(row.loss_share),
        grade=row.level, ground=row.ground,
        amount=None if row.kind == "economic" or row.amount is None else str(row.amount),
        supersedes=supersedes, reason=row.reason, decided_by=row.decided_by,
        decided_at=row.decided_at, correlation_id=row.case_no,
    ))


async def _decision(session: AsyncSession, *, actor: Actor, decision_id: int
                    ) -> PenaltyDecision:
    """The decision, locked, if its case lies in the actor's branch."""
    row = await session.get(PenaltyDecision, decision_id,
                            with_for_update=not is_sqlite(session))
    if row is None:
        raise NotFound("no such decision", field="decision_id", rule="P3b")
    await _case(session, actor=actor, case_no=row.case_no)
    return row


async def approve_administrative(
    ctx: Context, session: AsyncSession, *, actor: Actor, decision_id: int
) -> PenaltyDecision:
    """The GM approves the GM office's petition; billing prices it from now (SPEC P3b)."""
    row = await _decision(session, actor=actor, decision_id=decision_id)
    check_admin_approvable(row.kind, row.status, row.effective)
    now = ctx.now()
    row.status, row.approved_at, row.approved_by = APPROVED, now, actor.user_id
    old = None if row.supersedes_id is None else await session.get(
        PenaltyDecision, row.supersedes_id)
    await _announce(ctx, session, row, old)
    await ctx.audit.record(
        session, actor=actor, action="penalty.approved", subject_type=SUBJECT,
        subject_id=row.case_no, at=now,
        detail={"decision_id": row.id, "person_id": row.person_id, "level": row.level},
    )
    ctx.wake_after_commit(session, WATCHER)
    return row


async def publish_by_hr(
    ctx: Context, session: AsyncSession, *, actor: Actor, decision_id: int
) -> PenaltyDecision:
    """HR's publication slip (人事公布單) of an approved administrative penalty (SPEC P3b)."""
    row = await _decision(session, actor=actor, decision_id=decision_id)
    check_hr_publishable(row.kind, row.status, row.hr_publication_no is not None)
    now = ctx.now()
    row.hr_publication_no = f"HR{row.month.replace('-', '')[2:]}-{row.id:05d}"
    row.hr_published_at, row.hr_published_by = now, actor.user_id
    await ctx.audit.record(
        session, actor=actor, action="penalty.hr_published", subject_type=SUBJECT,
        subject_id=row.case_no, at=now,
        detail={"decision_id": row.id, "publication_no": row.hr_publication_no},
    )
    return row


async def decide_reward(
    ctx: Context, session: AsyncSession, *, actor: Actor, data: RewardIn
) -> Reward:
    """A reward (獎) for one person, listed on the month's notice; no deduction (P8b)."""
    if data.case_no is not None:
        try:
            await _case(session, actor=actor, case_no=data.case_no)
        except NotFound:  # a reference in the body: the input is wrong, not the path
            raise RuleBroken(f"no case {data.case_no}", field="case_no", rule="P8b") from None
    found = reward_decision(person_id=data.person_id, department=data.department,
                            unit=data.unit, reason=data.reason, amount=data.amount,
                            commendation=data.commendation)
    now = ctx.now()
    row = Reward(person_id=found.person_id, department=found.department, unit=found.unit,
                 amount=found.amount, commendation=found.commendation, reason=found.reason,
                 case_no=data.case_no, month=month_of(now, company_zone(ctx)),
                 decided_at=now, decided_by=actor.user_id)
    session.add(row)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="reward.decided", subject_type="reward",
        subject_id=str(row.id), at=now,
        detail={"person_id": row.person_id, "reason": row.reason,
                "amount": None if row.amount is None else str(row.amount),
                "commendation": row.commendation},
    )
    ctx.wake_after_commit(session, WATCHER)
    return row


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
    session: AsyncSession, *, actor: Actor, case_no: str, after_id: int = 0,
    limit: int | None = None,
) -> list[PenaltyDecision]:
    """The penalty lines decided on a case (within the actor's branch), in decision order;
    CONTRACT "Lists": those after ``after_id``, at most ``limit`` (all when None)."""
    case = await _case(session, actor=actor, case_no=case_no)
    query = (select(PenaltyDecision)
             .where(PenaltyDecision.complaint_id == case.id, PenaltyDecision.id > after_id)
             .order_by(PenaltyDecision.id))
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def month_notices(session: AsyncSession, month: str, *, lock: bool = False
                        ) -> list[PenaltyNotice]:
    """The notices of a month, drafted, approved or published (SPEC P8, P8b)."""
    query = select(PenaltyNotice).where(PenaltyNotice.month == month).order_by(
        PenaltyNotice.id)
    if lock and not is_sqlite(session):
        query = query.with_for_update()
    return list(await session.scalars(query))


def _pending_decisions(month: str | None = None):
    """Approved decisions in force that no notice carries yet (SPEC P3b, P8)."""
    query = select(PenaltyDecision).where(
        PenaltyDecision.notice_no.is_(None), PenaltyDecision.superseded_by_id.is_(None),
        PenaltyDecision.status == APPROVED,
    )
    return query if month is None else query.where(PenaltyDecision.month == month)


async def draft_month(
    ctx: Context, session: AsyncSession, *, actor: Actor, month: str
) -> tuple[list[PenaltyNotice], int]:
    """Draft a month's notices, one per person, idempotently (SPEC P8, P8b).

    A draft sends nothing: its copies go out when the GM has approved it and it is
    published. Petitions the GM has not approved wait for a later notice (SPEC P3b).
    """
    now = ctx.now()
    check_publishable(month, now, company_zone(ctx))
    query = _pending_decisions(month).order_by(PenaltyDecision.id)
    rewards_q = select(Reward).where(Reward.month == month, Reward.notice_no.is_(None)
                                     ).order_by(Reward.id)
    if not is_sqlite(session):
        query, rewards_q = query.with_for_update(), rewards_q.with_for_update()
    pending = list((await session.scalars(query)).all())
    granted = list((await session.scalars(rewards_q)).all())
    existing = await month_notices(session, month)
    if not pending and not granted:
        return existing, 0
    bearers = {p.bearer for p in pending} | {r.person_id for r in granted}
    if bearers & {n.person_id for n in existing}:
        raise WrongState("a bearer already has a notice for this month", field="month",
                         rule="P8")
    lines = [DecidedPenalty(p.bearer, p.unit, p.amount or ZERO, p.case_no, p.kind, p.id)
             for p in pending]
    rewards = [DecidedReward(r.person_id, r.unit, r.amount, r.commendation, r.reason, r.id)
               for r in granted]
    found = notices(month, lines, first_serial=len(existing) + 1, rewards=rewards)
    created = []
    for notice in found:
        created.append(PenaltyNotice(
            notice_no=notice.notice_no, month=month, person_id=notice.person_id,
            unit=notice.unit, amount=notice.amount, case_nos=list(notice.case_nos),
            status=DRAFT, drafted_at=now, drafted_by=actor.user_id,
            reward_amount=notice.reward_amount,
            rewards=[jsonable({"id": r.reward_id, "amount": r.amount,
                               "commendation": r.commendation, "reason": r.reason})
                     for r in notice.rewards],
        ))
        for decision in pending:
            if decision.bearer == notice.person_id:
                decision.notice_no = notice.notice_no
        for reward in granted:
            if reward.person_id == notice.person_id:
                reward.notice_no = notice.notice_no
    session.add_all(created)
    await ctx.audit.record(
        session, actor=actor, action="penalty_notices.drafted",
        subject_type="penalty_month", subject_id=month, at=now,
        detail={"notices": [n.notice_no for n in found]},
    )
    await session.flush()
    return [*existing, *created], len(created)


async def _notice(session: AsyncSession, notice_no: str) -> PenaltyNotice:
    query = select(PenaltyNotice).where(PenaltyNotice.notice_no == notice_no)
    if not is_sqlite(session):
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise NotFound("no such notice", field="notice_no", rule="P8b")
    return row


async def approve_notice(
    ctx: Context, session: AsyncSession, *, actor: Actor, notice_no: str
) -> PenaltyNotice:
    """The GM approves a drafted notice (SPEC P8b)."""
    row = await _notice(session, notice_no)
    check_approvable(row.status)
    now = ctx.now()
    row.status, row.approved_at, row.approved_by = APPROVED, now, actor.user_id
    await ctx.audit.record(session, actor=actor, action="penalty_notice.approved",
                           subject_type="penalty_notice", subject_id=notice_no, at=now,
                           detail={"month": row.month, "person_id": row.person_id})
    ctx.wake_after_commit(session, WATCHER)  # past the 10th it goes out at once (P8)
    return row


async def _send(ctx: Context, session: AsyncSession, row: PenaltyNotice, actor: Actor,
                now: datetime) -> None:
    """Publish an approved notice: its three copies go out as the event (SPEC P8, P8b)."""
    check_copies_may_go(row.status)
    row.status, row.published_at, row.published_by = PUBLISHED, now, actor.user_id
    decisions = list(await session.scalars(select(PenaltyDecision).where(
        PenaltyDecision.notice_no == row.notice_no).order_by(PenaltyDecision.id)))
    economic = sum((d.amount or ZERO for d in decisions if d.kind == "economic"), ZERO)
    administrative = sum((d.amount or ZERO for d in decisions if d.kind == "administrative"),
                         ZERO)
    kind = "person" if any(d.person_id for d in decisions) or not decisions else "unit"
    await ctx.outbox.add(session, PenaltyNoticePublished(
        notice_no=row.notice_no,
        case_no=row.case_nos[0] if len(row.case_nos) == 1 else None,
        month=row.month, person_id=row.person_id, unit=row.unit, amount=str(row.amount),
        case_nos=tuple(row.case_nos), economic_amount=str(economic),
        administrative_amount=str(administrative),
        copies_to=(*NOTICE_COPIES, row.unit), correlation_id=row.notice_no,
        bearer_kind=kind, decision_ids=tuple(d.id for d in decisions),
    ))


async def publish_notice(
    ctx: Context, session: AsyncSession, *, actor: Actor, notice_no: str
) -> PenaltyNotice:
    """Publish one approved notice (SPEC P8b)."""
    row = await _notice(session, notice_no)
    now = ctx.now()
    await _send(ctx, session, row, actor, now)
    await ctx.audit.record(session, actor=actor, action="penalty_notice.published",
                           subject_type="penalty_notice", subject_id=notice_no, at=now,
                           detail={"copies_to": [*NOTICE_COPIES, row.unit],
                                   "deductions_to": DEDUCTIONS_ACCRUE_TO})
    return row


async def publish_month(
    ctx: Context, session: AsyncSession, *, actor: Actor, month: str
) -> tuple[list[PenaltyNotice], int]:
    """Draft what is pending, then publish every notice of the month the GM has approved;
    drafts stay unpublished (SPEC P8, P8b). Repeating publishes nothing twice."""
    await draft_month(ctx, session, actor=actor, month=month)
    now = ctx.now()
    rows = await month_notices(session, month, lock=True)
    sent = [row for row in rows if row.status == APPROVED]
    for row in sent:
        await _send(ctx, session, row, actor, now)
    if sent:
        await ctx.audit.record(
            session, actor=actor, action="penalty_notices.published",
            subject_type="penalty_month", subject_id=month, at=now,
            detail={"notices": [n.notice_no for n in sent],
                    "deductions_to": DEDUCTIONS_ACCRUE_TO},
        )
    await session.flush()
    return rows, len(sent)


async def _due_months(session: AsyncSession) -> list[str]:
    """Months with approved decisions or rewards not yet drafted, or approved notices not
    yet published (SPEC P8, P8b)."""
    months = set(await session.scalars(select(PenaltyDecision.month).where(
        PenaltyDecision.notice_no.is_(None), PenaltyDecision.superseded_by_id.is_(None),
        PenaltyDecision.status == APPROVED).distinct()))
    months |= set(await session.scalars(select(Reward.month).where(
        Reward.notice_no.is_(None)).distinct()))
    months |= set(await session.scalars(select(PenaltyNotice.month).where(
        PenaltyNotice.status == APPROVED).distinct()))
    return sorted(months)


async def next_notice_due(session: AsyncSession, *, tz: tzinfo) -> datetime | None:
    """When the earliest month with work outstanding falls due (the 10th, SPEC P8)."""
    months = await _due_months(session)
    return publication_due(months[0], tz) if months else None


async def publish_due(ctx: Context, session: AsyncSession, now: datetime) -> None:
    """On the 10th, draft last month's notices and publish those the GM approved; a draft
    the GM has not approved stays unsent (SPEC P8, P8b)."""
    tz = company_zone(ctx)
    for month in await _due_months(session):
        if publication_due(month, tz) <= now:
            await publish_month(ctx, session, actor=Actor.system(ctx.settings.service),
                                month=month)


async def petitions_awaiting_gm(session: AsyncSession) -> list[PenaltyDecision]:
    """Administrative petitions in force the GM has not approved yet (SPEC P3b)."""
    return list(await session.scalars(select(PenaltyDecision).where(
        PenaltyDecision.status == PETITIONED, PenaltyDecision.superseded_by_id.is_(None),
    ).order_by(PenaltyDecision.id)))
