"""Billing's event subscribers: parse, then call the service (SPEC §4, §5, §7).

- ``intake.CallRegistered`` → the voucher is known (invoice enrichment), and the
  customer's contact for letters (issue 14; also from ``PosSaleRegistered``);
- ``dispatch.VoucherCompleted`` → invoice paid work (S10 on site, S13 carry-in); judge a
  B call's cover (E3: refused → A invoice and ``CoverRefused``; E5 claim; E4 replacement);
- ``intake.PosSaleRegistered`` with an extended warranty → open it (E1, §7);
- ``complaints.ComplaintFiled`` with a part number → its receivable leaves the
  salesperson's collection rate from filing (C13.2(3));
- ``complaints.ComplaintCopyIssued`` (accounting copy) → allowance or return slip (C13.1),
  or for a retail case with its store a POS instruction (R2, §7);
- ``intake.PosInstructionExecuted`` → the instruction is confirmed and booked (§7);
- ``complaints.PenaltyDecided`` → price it from the staff register, re-plan (P3, P6, P7);
- ``intake.CustomerMerged`` → the duplicate's records follow the survivor (§1);
- watcher ``contract-expiry`` → the S20 notice one month before a contract ends;
- watcher ``pos-instructions`` → send due POS instructions, retried with back-off (§7).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import UNWATCHED_LINGER, consume
from shared.events.complaints import ComplaintCopyIssued, ComplaintFiled, PenaltyDecided
from shared.events.dispatch import VoucherCompleted
from shared.events.intake import (
    CallRegistered,
    CustomerMerged,
    PosInstructionExecuted,
    PosSaleRegistered,
)
from shared.runtime import Runtime

from .service import (
    contracts,
    cover,
    customers,
    deductions,
    delays,
    holders,
    pos,
    pos_delivery,
    returns,
    vouchers,
    warranties,
)
from .service.collection import CollectionSettings


def register(
    rt: Runtime, *, delivery: pos_delivery.PosDelivery | None = None,
    collection: CollectionSettings | None = None,
) -> None:
    """Subscribe billing's consumers and its deadline watchers; each use case gets
    ``rt.context``, never the runtime."""
    delivery = delivery or pos_delivery.PosDelivery()
    collection = collection or CollectionSettings()
    ctx = rt.context

    async def on_call_registered(session: AsyncSession, event: CallRegistered) -> None:
        await vouchers.voucher_known(ctx, session, event)
        await holders.from_call(ctx, session, event)  # issue 14: whom letters go to

    async def on_voucher_completed(session: AsyncSession, event: VoucherCompleted) -> None:
        await cover.voucher_completed(ctx, session, event, collection=collection)

    async def on_pos_sale(session: AsyncSession, event: PosSaleRegistered) -> None:
        await warranties.pos_sale(ctx, session, event)
        await holders.from_pos_sale(ctx, session, event)  # issue 14: whom letters go to

    async def on_complaint_filed(session: AsyncSession, event: ComplaintFiled) -> None:
        await delays.complaint_filed(ctx, session, event)

    async def on_copy_issued(session: AsyncSession, event: ComplaintCopyIssued) -> None:
        await returns.copy_issued(ctx, session, event)

    async def on_pos_executed(session: AsyncSession, event: PosInstructionExecuted) -> None:
        await pos.execution_reported(ctx, session, event)

    async def on_customer_merged(session: AsyncSession, event: CustomerMerged) -> None:
        await customers.customer_merged(ctx, session, event)

    async def on_penalty(session: AsyncSession, event: PenaltyDecided) -> None:
        await deductions.decision_received(ctx, session, event)

    # a batch is one statement (issue 17); a customer's contact is upserted once in it
    consume(rt, CallRegistered, consumer="call-registered", handler=on_call_registered,
            inserts_only=True, batch_key=lambda event: event.customer_id,
            linger=UNWATCHED_LINGER)
    consume(rt, VoucherCompleted, consumer="voucher-completed", handler=on_voucher_completed)
    consume(rt, PosSaleRegistered, consumer="pos-sale", handler=on_pos_sale)
    consume(rt, ComplaintFiled, consumer="complaint-filed", handler=on_complaint_filed)
    consume(rt, ComplaintCopyIssued, consumer="complaint-copy", handler=on_copy_issued)
    consume(rt, PenaltyDecided, consumer="penalty-decided", handler=on_penalty)
    consume(rt, PosInstructionExecuted, consumer="pos-executed", handler=on_pos_executed)
    consume(rt, CustomerMerged, consumer="customer-merged", handler=on_customer_merged)

    async def fire_expiry_notices(session: AsyncSession, now: datetime) -> None:
        await contracts.send_due_notices(ctx, session, now)

    rt.watch(contracts.WATCHER, next_due=contracts.next_notice_due, fire=fire_expiry_notices)

    async def fire_pos_deliveries(_session: AsyncSession, now: datetime) -> None:
        # The watcher's own unit of work stays unused (no connection is taken), so no
        # transaction is held open across the HTTP calls: deliver_due opens its own.
        await pos_delivery.deliver_due(ctx, rt.db, delivery, now)

    rt.watch(pos.WATCHER, next_due=pos_delivery.next_due, fire=fire_pos_deliveries)
