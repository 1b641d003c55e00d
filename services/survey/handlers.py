"""Survey's event subscribers and its morning sender: parse, then call the service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import UNWATCHED_LINGER, consume
from shared.events.complaints import ComplaintCopyIssued, ComplaintFiled, StepOverdue
from shared.events.dispatch import VoucherAssigned, VoucherCompleted
from shared.events.intake import CallCancelled, CallRegistered
from shared.runtime import Runtime

from .service import cards, cases


def register(rt: Runtime) -> None:
    """Consume intake's, dispatch's and complaints' events (cards, where each complaint
    case stands); send the cards each morning."""
    ctx = rt.context

    async def on_call_registered(session: AsyncSession, event: CallRegistered) -> None:
        await cards.card_for_call(ctx, session, event=event)

    async def on_call_cancelled(session: AsyncSession, event: CallCancelled) -> None:
        await cards.call_cancelled(ctx, session, event=event)

    async def on_voucher_assigned(session: AsyncSession, event: VoucherAssigned) -> None:
        await cards.technician_assigned(ctx, session, event=event)

    async def on_voucher_completed(session: AsyncSession, event: VoucherCompleted) -> None:
        await cards.job_completed(ctx, session, event=event)

    async def on_complaint_filed(session: AsyncSession, event: ComplaintFiled) -> None:
        await cards.complaint_filed(ctx, session, event=event)
        await cases.case_filed(ctx, session, event=event)  # where it stands (Q27)

    async def on_step_overdue(session: AsyncSession, event: StepOverdue) -> None:
        await cases.step_overdue(ctx, session, event=event)

    async def on_copy_issued(session: AsyncSession, event: ComplaintCopyIssued) -> None:
        await cases.copy_issued(ctx, session, event=event)

    async def send_cards(session: AsyncSession, now: datetime) -> None:
        await cards.send_due_cards(ctx, session, now=now)

    # a batch is one statement (issue 17); a call's card is upserted once in it
    consume(rt, CallRegistered, consumer="call-registered", handler=on_call_registered,
            inserts_only=True, batch_key=lambda event: event.call_id,
            linger=UNWATCHED_LINGER)
    consume(rt, CallCancelled, consumer="call-cancelled", handler=on_call_cancelled)
    consume(rt, VoucherAssigned, consumer="voucher-assigned", handler=on_voucher_assigned)
    consume(rt, VoucherCompleted, consumer="voucher-completed", handler=on_voucher_completed)
    consume(rt, ComplaintFiled, consumer="complaint-filed", handler=on_complaint_filed)
    consume(rt, StepOverdue, consumer="complaint-step-overdue", handler=on_step_overdue)
    consume(rt, ComplaintCopyIssued, consumer="complaint-copy-issued", handler=on_copy_issued)
    rt.watch(cards.SEND_WATCHER, next_due=cards.next_send_due, fire=send_cards)
