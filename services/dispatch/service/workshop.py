"""Carry-in repairs: pick-up receipt, repair card, work, inspection, return and the
escalation of late repairs (SPEC S11–S14).

Invariant (S14): each open card stores ``overdue_at`` (end of its promised day in the
branch's zone); the deadline watcher escalates it the moment that passes, marking
``escalated_at`` so that it fires once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.dispatch import CarryInStarted, RepairOverdue, VoucherCompleted
from shared.fields import check_promised
from shared.rules import RuleBroken

from ..domain import visits as rules_visits
from ..domain import workshop as rules_shop
from ..domain.board import VoucherStatus
from ..domain.workshop import CardStatus
from ..models import Escalation, PartLine, RepairCard, RepairWork, WorkshopEntry
from ..schemas import PartIn
from .common import (
    add_parts,
    device_claim,
    load_card,
    load_voucher,
    log_work,
    parts_used,
    require_assigned,
    require_assigned_or_approver,
    sign,
)

WATCHER = "repair-overdue"


async def carry_in(
    ctx: Context, session: AsyncSession, *, actor: Actor, voucher_no: str, promised_on: date,
    signed_by: str, signature_image: str | None = None,
) -> RepairCard:
    """SPEC S11: take the product back, give a pick-up receipt, log it in, open a card."""
    voucher = await load_voucher(session, voucher_no, lock=True)
    require_assigned(actor, voucher)
    now = ctx.now()
    branch = ctx.branch(voucher.branch)
    today = branch.local_date(now)
    rules_visits.check_carry_in(voucher.status, voucher.kind, promised_on, today)
    check_promised(promised_on, today=today, field="promised_on", rule="S11")
    card = RepairCard(
        voucher_no=voucher_no, branch=branch.code, technician_id=actor.user_id,
        promised_on=promised_on, overdue_at=rules_shop.overdue_at(promised_on, branch.timezone),
        status=CardStatus.OPEN.value, opened_at=now,
    )
    session.add(card)
    await session.flush()
    card.repair_card_no = rules_shop.repair_card_no(branch.code, card.id)
    card.pickup_receipt_no = rules_shop.pickup_receipt_no(branch.code, card.id)
    session.add(WorkshopEntry(
        branch=branch.code, repair_card_no=card.repair_card_no, voucher_no=voucher_no,
        customer_name=voucher.customer_name, model=voucher.model, in_at=now,
        in_on=today, promised_on=promised_on,
    ))
    await sign(session, voucher_no=voucher_no, document="voucher", document_no=voucher_no,
               purpose="carry_in", signer=signed_by, signer_role="customer", at=now,
               recorded_by=actor.user_id, image=signature_image)
    await sign(session, voucher_no=voucher_no, document="pickup_receipt",
               document_no=card.pickup_receipt_no, purpose="issue", signer=actor.user_id,
               signer_role="technician", at=now, recorded_by=actor.user_id)
    voucher.status, voucher.service_mode = VoucherStatus.IN_WORKSHOP.value, "carry_in"
    await ctx.audit.record(session, actor=actor, action="voucher.carried_in",
                           subject_type="voucher", subject_id=voucher_no,
                           detail={"repair_card_no": card.repair_card_no,
                                   "promised_on": str(promised_on),
                                   "pickup_receipt_no": card.pickup_receipt_no,
                                   "signed_by": signed_by})
    await ctx.outbox.add(session, CarryInStarted(
        voucher_no=voucher_no, call_id=voucher.call_id or 0, branch=branch.code,
        technician_id=actor.user_id, pickup_receipt_no=card.pickup_receipt_no,
        repair_card_no=card.repair_card_no, promised_on=promised_on,
        correlation_id=voucher_no, occurred_at=now,
    ))
    ctx.wake_after_commit(session, WATCHER)
    return card


async def log_repair(
    ctx: Context, session: AsyncSession, *, actor: Actor, repair_card_no: str, minutes: int,
    parts: list[PartIn], at: datetime | None, backdate_reason: str | None = None,
) -> RepairCard:
    """SPEC S12: actual labour time and parts replaced go on the repair card; the work
    time a phone sends is a claim (CT1): within the device window, or a supervisor's."""
    card = await load_card(session, repair_card_no, lock=True)
    voucher = await load_voucher(session, card.voucher_no, lock=True)
    technician_id = require_assigned_or_approver(actor, voucher)
    rules_shop.check_work(card.status, minutes, len(parts))
    claim = device_claim(ctx, branch=card.branch, claimed=at, actor=actor,
                         reason=backdate_reason, field="at", what="the work time",
                         not_before=card.opened_at)
    now, worked_at = claim.received_at, claim.at
    if minutes:
        session.add(RepairWork(repair_card_no=repair_card_no, technician_id=technician_id,
                               minutes=minutes, worked_at=worked_at, recorded_at=now,
                               recorded_by=actor.user_id,
                               backdate_reason=claim.backdate_reason,
                               backdate_approved_by=claim.backdate_approved_by))
        await log_work(
            session, branch=card.branch, technician_id=technician_id,
            day=ctx.branch(card.branch).local_date(worked_at), category=voucher.category,
            minutes=minutes, source="workshop", voucher_no=voucher.voucher_no, note_text=None,
            actor=actor, at=now, claim=claim,
        )
    await add_parts(session, voucher_no=voucher.voucher_no, repair_card_no=repair_card_no,
                    parts=parts, actor=actor, at=worked_at)
    await ctx.audit.record(session, actor=actor, action="repair_card.work",
                           subject_type="voucher", subject_id=voucher.voucher_no,
                           detail={"repair_card_no": repair_card_no, "minutes": minutes,
                                   "parts": [p.part_no for p in parts],
                                   "worked_at": worked_at.isoformat(),
                                   "recorded_at": now.isoformat(),
                                   "technician_id": technician_id,
                                   "backdated": claim.backdated,
                                   "backdate_reason": claim.backdate_reason,
                                   "backdate_approved_by": claim.backdate_approved_by})
    return card


async def ask_for_help(
    ctx: Context, session: AsyncSession, *, actor: Actor, repair_card_no: str, reason: str
) -> RepairCard:
    """SPEC S14b: the technician tells the supervisor a repair will miss its promised date."""
    card = await load_card(session, repair_card_no, lock=True)
    voucher = await load_voucher(session, card.voucher_no, lock=True)
    require_assigned(actor, voucher)
    now = ctx.now()
    rules_shop.check_help_request(card.status, due_at=card.overdue_at, now=now)
    await ctx.audit.record(session, actor=actor, action="repair_card.help_requested",
                           subject_type="voucher", subject_id=voucher.voucher_no,
                           detail={"repair_card_no": repair_card_no, "reason": reason,
                                   "promised_on": str(card.promised_on)})
    return card


async def inspect(
    ctx: Context, session: AsyncSession, *, actor: Actor, repair_card_no: str, remark: str | None
) -> RepairCard:
    """SPEC S12: the supervisor inspects the repaired product and signs the card."""
    card = await load_card(session, repair_card_no, lock=True)
    require_branch(actor, card.branch)
    work = await session.scalar(
        select(func.count()).select_from(RepairWork)
        .where(RepairWork.repair_card_no == repair_card_no))
    rules_shop.check_inspection(card.status, int(work or 0))
    now = ctx.now()
    card.status, card.inspected_at = CardStatus.INSPECTED.value, now
    card.inspected_by, card.inspection_note = actor.user_id, remark
    await sign(session, voucher_no=card.voucher_no, document="repair_card",
               document_no=repair_card_no, purpose="inspection", signer=actor.user_id,
               signer_role="supervisor", at=now, recorded_by=actor.user_id)
    await ctx.audit.record(session, actor=actor, action="repair_card.inspected",
                           subject_type="voucher", subject_id=card.voucher_no,
                           detail={"repair_card_no": repair_card_no, "note": remark})
    return card


async def return_product(
    ctx: Context, session: AsyncSession, *, actor: Actor, repair_card_no: str, signed_by: str,
    pickup_receipt_no: str, component: str | None = None, cause: str | None = None,
    repairable: bool = True,
) -> RepairCard:
    """SPEC S12/S13: the product goes back against its receipt; the voucher is filed. A
    covered (B) job says what failed and why (E3/E4)."""
    card = await load_card(session, repair_card_no, lock=True)
    voucher = await load_voucher(session, card.voucher_no, lock=True)
    if actor.role == "technician":
        require_assigned(actor, voucher)
    require_branch(actor, card.branch)
    rules_shop.check_return(card.status, receipt_no=card.pickup_receipt_no or "",
                            presented=pickup_receipt_no)
    rules_visits.check_findings(voucher.category, component=component, cause=cause)
    now = ctx.now()
    card.status, card.returned_at, card.receipt_voided_at = CardStatus.RETURNED.value, now, now
    entry = await session.scalar(
        select(WorkshopEntry).where(WorkshopEntry.repair_card_no == repair_card_no))
    if entry is not None:
        entry.out_at, entry.out_on = now, ctx.branch(card.branch).local_date(now)
    escalation = await session.scalar(
        select(Escalation).where(Escalation.repair_card_no == repair_card_no))
    if escalation is not None:
        escalation.resolved_at = now
    labour = int(await session.scalar(
        select(func.coalesce(func.sum(RepairWork.minutes), 0))
        .where(RepairWork.repair_card_no == repair_card_no)) or 0)
    await sign(session, voucher_no=voucher.voucher_no, document="voucher",
               document_no=voucher.voucher_no, purpose="return", signer=signed_by,
               signer_role="customer", at=now, recorded_by=actor.user_id)
    voucher.status, voucher.labour_minutes = VoucherStatus.COMPLETED.value, labour
    voucher.signed_by, voucher.completed_at = signed_by, now
    voucher.completion_recorded_at = now
    voucher.component, voucher.cause, voucher.repairable = component, cause, repairable
    await ctx.audit.record(session, actor=actor, action="voucher.returned",
                           subject_type="voucher", subject_id=voucher.voucher_no,
                           detail={"repair_card_no": repair_card_no,
                                   "pickup_receipt_voided": pickup_receipt_no,
                                   "signed_by": signed_by, "labour_minutes": labour,
                                   "component": component, "cause": cause,
                                   "repairable": repairable})
    lines = list(await session.scalars(
        select(PartLine).where(PartLine.voucher_no == voucher.voucher_no).order_by(PartLine.id)))
    await ctx.outbox.add(session, VoucherCompleted(
        voucher_no=voucher.voucher_no, call_id=voucher.call_id or 0, branch=voucher.branch,
        category=voucher.category, technician_id=voucher.technician_id or card.technician_id,
        service_mode="carry_in", labour_minutes=labour, parts=parts_used(lines),
        signed_by=signed_by, completed_at=now, component=component, cause=cause,
        repairable=repairable, correlation_id=voucher.voucher_no, occurred_at=now,
    ))
    return card


async def overdue_repairs(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, as_of: datetime,
    after: str | None = None, limit: int | None = None,
) -> list[tuple[RepairCard, Escalation | None]]:
    """SPEC S14: carry-in repairs past their promised date at ``as_of``, not yet returned,
    by the moment each became late (then card).

    CONTRACT "Lists": the repairs following the one of voucher ``after`` (keyset on
    ``(overdue_at, id)``; a voucher with no repair card in this branch is 422 on
    ``after``, a bad query value), at most ``limit`` (all when None)."""
    ctx.branch(branch)
    require_branch(actor, branch)
    query = (
        select(RepairCard, Escalation)
        .outerjoin(Escalation, Escalation.repair_card_no == RepairCard.repair_card_no)
        .where(RepairCard.branch == branch, RepairCard.overdue_at <= as_of,
               or_(RepairCard.returned_at.is_(None), RepairCard.returned_at > as_of))
        .order_by(RepairCard.overdue_at, RepairCard.id)
    )
    if after is not None:
        mark = await session.scalar(select(RepairCard).where(
            RepairCard.voucher_no == after, RepairCard.branch == branch))
        if mark is None:
            raise RuleBroken(f"no repair of voucher {after} among the escalations",
                             field="after")
        query = query.where(tuple_(RepairCard.overdue_at, RepairCard.id)
                            > tuple_(literal(mark.overdue_at, RepairCard.overdue_at.type),
                                     literal(mark.id)))
    if limit is not None:
        query = query.limit(limit)
    rows = await session.execute(query)
    return [(card, esc) for card, esc in rows
            if rules_shop.overdue_as_of(due_at=card.overdue_at, returned_at=card.returned_at,
                                        as_of=as_of)]


async def next_overdue(session: AsyncSession) -> datetime | None:
    """When the earliest open, unescalated repair becomes late (S14)."""
    return await session.scalar(
        select(func.min(RepairCard.overdue_at))
        .where(RepairCard.returned_at.is_(None), RepairCard.escalated_at.is_(None)))


async def escalate_overdue(ctx: Context, session: AsyncSession, now: datetime) -> None:
    """SPEC S14: escalate every repair whose promised day has ended, once."""
    cards = await session.scalars(
        select(RepairCard)
        .where(RepairCard.returned_at.is_(None), RepairCard.escalated_at.is_(None),
               RepairCard.overdue_at <= now)
        .order_by(RepairCard.id)
        .with_for_update(skip_locked=True))
    system = Actor.system("dispatch")
    for card in cards:
        card.escalated_at = now
        session.add(Escalation(
            repair_card_no=card.repair_card_no or "", voucher_no=card.voucher_no,
            branch=card.branch, promised_on=card.promised_on, overdue_at=card.overdue_at,
            escalated_at=now))
        await ctx.audit.record(session, actor=system, action="repair_card.escalated",
                               subject_type="voucher", subject_id=card.voucher_no,
                               detail={"repair_card_no": card.repair_card_no,
                                       "promised_on": str(card.promised_on)}, at=now)
        await ctx.outbox.add(session, RepairOverdue(
            voucher_no=card.voucher_no, branch=card.branch,
            repair_card_no=card.repair_card_no or "", promised_on=card.promised_on,
            correlation_id=card.voucher_no, occurred_at=now))
