"""The register follows dispatch: assigned → dispatched, arrived or carried in →
in_service, completed → completed (CONTRACT "Intake" statuses; SPEC S8, S9, S11).

Invariant: reports come on independent consumers and may arrive out of order; the
call only moves forward (``domain.call_state.progressed``), a stale report is recorded
in the audit log and changes nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.dispatch import (
    CarryInStarted,
    TechnicianArrived,
    VoucherAssigned,
    VoucherCompleted,
)

from ..domain.call_state import CallStatus, progressed
from ..models import Call
from .common import load_call

_SYSTEM = Actor.system("intake")


async def _advance(
    ctx: Context, session: AsyncSession, call: Call, *, to: CallStatus, at: datetime,
    action: str, detail: dict[str, Any],
) -> None:
    new = progressed(call.status, to)
    if new is not None:
        call.status = new.value
        if new is CallStatus.DISPATCHED:
            call.dispatched_at = at
        elif new is CallStatus.IN_SERVICE:
            call.in_service_at = at
        elif new is CallStatus.COMPLETED:
            call.completed_at = at
    await ctx.audit.record(
        session, actor=_SYSTEM, action=action, subject_type="call", subject_id=call.id,
        detail={**detail, "applied": new is not None, "status": call.status},
    )


async def voucher_assigned(ctx: Context, session: AsyncSession, event: VoucherAssigned) -> None:
    """The supervisor gave the voucher to a technician: the call is dispatched (S8)."""
    call = await load_call(session, event.call_id, lock=True)
    if call.assigned_reported_at is None or event.occurred_at >= call.assigned_reported_at:
        call.technician_id, call.assigned_reported_at = event.technician_id, event.occurred_at
    await _advance(
        ctx, session, call, to=CallStatus.DISPATCHED, at=event.occurred_at,
        action="call.dispatched",
        detail={"technician_id": event.technician_id, "reassigned": event.reassigned,
                "event_id": event.event_id},
    )


async def technician_arrived(ctx: Context, session: AsyncSession, event: TechnicianArrived) -> None:
    """The technician reached the customer: the call is in service (S9, S19)."""
    call = await load_call(session, event.call_id, lock=True)
    await _advance(
        ctx, session, call, to=CallStatus.IN_SERVICE, at=event.arrived_at,
        action="call.in_service",
        detail={"technician_id": event.technician_id, "sla_met": event.sla_met,
                "event_id": event.event_id},
    )


async def carry_in_started(ctx: Context, session: AsyncSession, event: CarryInStarted) -> None:
    """The product went to the workshop: the call is in service (S11)."""
    call = await load_call(session, event.call_id, lock=True)
    await _advance(
        ctx, session, call, to=CallStatus.IN_SERVICE, at=event.occurred_at,
        action="call.carried_in",
        detail={"repair_card_no": event.repair_card_no, "promised_on": str(event.promised_on),
                "event_id": event.event_id},
    )


async def voucher_completed(ctx: Context, session: AsyncSession, event: VoucherCompleted) -> None:
    """The customer signed the finished job: the call waits for the clerk to file it (S9)."""
    call = await load_call(session, event.call_id, lock=True)
    await _advance(
        ctx, session, call, to=CallStatus.COMPLETED, at=event.completed_at,
        action="call.completed",
        detail={"service_mode": event.service_mode, "signed_by": event.signed_by,
                "event_id": event.event_id},
    )
