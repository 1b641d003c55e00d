"""Visits: assign, arrive, complete on site (SPEC S8, S9, S10, S19, CT1, E3/E4).

Paid (A) work completed on site publishes ``VoucherCompleted`` with its labour and
parts; billing decides between collection on the spot and an invoice (S10).

Invariant (CT1): the arrival and completion times a phone sends are accepted through
:func:`common.device_claim`, beside the time the server received them; ``sla_met`` is
judged on the accepted arrival, so an earlier typed time improves it only within the
branch's device window or with a supervisor's recorded approval and reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.dispatch import (
    RenewalVisitCompleted,
    TechnicianArrived,
    VoucherAssigned,
    VoucherCompleted,
)

from ..domain import visits as rules_visits
from ..domain.board import VoucherKind, VoucherStatus
from ..models import Assignment, PartLine, Voucher
from ..schemas import CompleteIn
from .common import (
    add_parts,
    device_claim,
    load_voucher,
    log_work,
    parts_used,
    require_assigned_or_approver,
    sign,
)


async def assign(
    ctx: Context, session: AsyncSession, *, actor: Actor, voucher_no: str, technician_id: str
) -> Voucher:
    """SPEC S8: the supervisor gives the voucher to one of the branch's technicians."""
    voucher = await load_voucher(session, voucher_no, lock=True)
    require_branch(actor, voucher.branch)
    staff = ctx.branch(voucher.branch).staff.get(technician_id)
    rules_visits.check_technician(
        staff.role if staff else None, branch=voucher.branch, technician_id=technician_id
    )
    reassigned = rules_visits.check_assignable(
        voucher.status, voucher.technician_id, technician_id
    )
    now = ctx.now()
    previous = voucher.technician_id
    voucher.technician_id, voucher.assigned_at = technician_id, now
    voucher.status = VoucherStatus.ASSIGNED.value
    session.add(Assignment(voucher_no=voucher_no, technician_id=technician_id,
                           assigned_by=actor.user_id, assigned_at=now, reassigned=reassigned))
    await ctx.audit.record(session, actor=actor, action="voucher.assigned",
                           subject_type="voucher", subject_id=voucher_no,
                           detail={"technician_id": technician_id, "previous": previous})
    if voucher.kind == VoucherKind.CALL and voucher.call_id is not None:
        await ctx.outbox.add(session, VoucherAssigned(
            voucher_no=voucher_no, call_id=voucher.call_id, branch=voucher.branch,
            technician_id=technician_id, assigned_by=actor.user_id, reassigned=reassigned,
            correlation_id=voucher_no, occurred_at=now,
        ))
    return voucher


async def arrive(
    ctx: Context, session: AsyncSession, *, actor: Actor, voucher_no: str, at: datetime | None,
    backdate_reason: str | None = None,
) -> Voucher:
    """SPEC S19/CT1: record arrival at the device's time, within the device window or on a
    supervisor's approval; judge the arrival deadline by the accepted time."""
    voucher = await load_voucher(session, voucher_no, lock=True)
    technician_id = require_assigned_or_approver(actor, voucher)
    rules_visits.check_arrival(voucher.status)
    claim = device_claim(ctx, branch=voucher.branch, claimed=at, actor=actor,
                         reason=backdate_reason, field="at", what="the arrival time",
                         not_before=voucher.received_at)
    now = claim.received_at
    voucher.arrived_at, voucher.arrival_recorded_at = claim.at, now
    voucher.arrival_recorded_by = actor.user_id
    voucher.arrival_backdate_reason = claim.backdate_reason
    voucher.arrival_backdate_approved_by = claim.backdate_approved_by
    voucher.sla_met = rules_visits.sla_met(claim.at, voucher.arrival_due_at)
    voucher.status = VoucherStatus.ON_SITE.value
    await ctx.audit.record(session, actor=actor, action="voucher.arrived",
                           subject_type="voucher", subject_id=voucher_no,
                           detail={"arrived_at": claim.at.isoformat(),
                                   "recorded_at": now.isoformat(), "sla_met": voucher.sla_met,
                                   "technician_id": technician_id,
                                   "backdated": claim.backdated,
                                   "backdate_reason": claim.backdate_reason,
                                   "backdate_approved_by": claim.backdate_approved_by})
    if voucher.kind == VoucherKind.CALL and voucher.call_id is not None:
        await ctx.outbox.add(session, TechnicianArrived(
            voucher_no=voucher_no, call_id=voucher.call_id, branch=voucher.branch,
            technician_id=technician_id, arrived_at=claim.at, sla_met=voucher.sla_met,
            recorded_at=now, backdate_approved_by=claim.backdate_approved_by,
            correlation_id=voucher_no, occurred_at=now,
        ))
    return voucher


async def complete(
    ctx: Context, session: AsyncSession, *, actor: Actor, voucher_no: str, data: CompleteIn
) -> Voucher:
    """SPEC S9: fixed on site, the customer signs; labour and parts go to billing (S10);
    a covered (B) job says what failed and why (E3/E4)."""
    voucher = await load_voucher(session, voucher_no, lock=True)
    technician_id = require_assigned_or_approver(actor, voucher)
    rules_visits.check_completion(voucher.status)
    renewal = voucher.kind == VoucherKind.RENEWAL
    if not renewal:
        rules_visits.check_findings(voucher.category, component=data.component,
                                    cause=data.cause)
    claim = device_claim(ctx, branch=voucher.branch, claimed=data.at, actor=actor,
                         reason=data.backdate_reason, field="at", what="the completion time",
                         not_before=voucher.arrived_at or voucher.received_at)
    now, done_at = claim.received_at, claim.at
    await log_work(
        session, branch=voucher.branch, technician_id=technician_id,
        day=ctx.branch(voucher.branch).local_date(done_at), category=voucher.category,
        minutes=data.labour_minutes, source="renewal" if renewal else "on_site",
        voucher_no=voucher_no, note_text=None, actor=actor, at=now, claim=claim,
    )
    await add_parts(session, voucher_no=voucher_no, repair_card_no=None, parts=data.parts,
                    actor=actor, at=done_at)
    await sign(session, voucher_no=voucher_no, document="voucher", document_no=voucher_no,
               purpose="completion", signer=data.signed_by, signer_role="customer",
               at=done_at, recorded_by=actor.user_id, image=data.signature_image)
    await sign(session, voucher_no=voucher_no, document="voucher", document_no=voucher_no,
               purpose="completion", signer=technician_id, signer_role="technician",
               at=done_at, recorded_by=actor.user_id)
    voucher.status, voucher.service_mode = VoucherStatus.COMPLETED.value, "on_site"
    voucher.labour_minutes, voucher.signed_by = data.labour_minutes, data.signed_by
    voucher.completed_at, voucher.completion_recorded_at = done_at, now
    voucher.completion_backdate_reason = claim.backdate_reason
    voucher.completion_backdate_approved_by = claim.backdate_approved_by
    if not renewal:
        voucher.component, voucher.cause = data.component, data.cause
        voucher.repairable = data.repairable
    await ctx.audit.record(session, actor=actor, action="voucher.completed",
                           subject_type="voucher", subject_id=voucher_no,
                           detail={"service_mode": "on_site",
                                   "labour_minutes": data.labour_minutes,
                                   "parts": len(data.parts), "signed_by": data.signed_by,
                                   "signature_drawn": data.signature_image is not None,
                                   "technician_id": technician_id,
                                   "completed_at": done_at.isoformat(),
                                   "recorded_at": now.isoformat(),
                                   "backdated": claim.backdated,
                                   "backdate_reason": claim.backdate_reason,
                                   "backdate_approved_by": claim.backdate_approved_by,
                                   "component": data.component, "cause": data.cause,
                                   "repairable": data.repairable})
    if renewal:
        await ctx.outbox.add(session, RenewalVisitCompleted(
            voucher_no=voucher_no, contract_no=voucher.contract_no or "", branch=voucher.branch,
            customer_id=voucher.customer_id, product_id=voucher.product_id,
            technician_id=technician_id, signed_by=data.signed_by, completed_at=done_at,
            correlation_id=voucher_no, occurred_at=now,
        ))
    elif voucher.call_id is not None:
        await session.flush()
        lines = list(await session.scalars(
            select(PartLine).where(PartLine.voucher_no == voucher_no).order_by(PartLine.id)))
        await ctx.outbox.add(session, VoucherCompleted(
            voucher_no=voucher_no, call_id=voucher.call_id, branch=voucher.branch,
            category=voucher.category, technician_id=technician_id, service_mode="on_site",
            labour_minutes=data.labour_minutes, parts=parts_used(lines),
            signed_by=data.signed_by, completed_at=done_at, component=data.component,
            cause=data.cause, repairable=data.repairable, correlation_id=voucher_no,
            occurred_at=now,
        ))
    return voucher
