"""Billing's event subscribers: parse, then call the service (SPEC §4, §5, §7).

- ``intake.CallRegistered`` → the voucher is known (invoice enrichment);
- ``dispatch.VoucherCompleted`` → invoice paid work (S10 on site, S13 carry-in);
- ``intake.PosSaleRegistered`` with an extended warranty → open it (E1, §7);
- ``complaints.ComplaintCopyIssued`` (accounting copy) → allowance or return slip (C13.1);
- ``complaints.PenaltyNoticePublished`` → schedule the deduction (P6, P7);
- watcher ``contract-expiry`` → the S20 notice one month before a contract ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.complaints import ComplaintCopyIssued, PenaltyNoticePublished
from shared.events.dispatch import VoucherCompleted
from shared.events.intake import CallRegistered, PosSaleRegistered
from shared.runtime import Runtime

from . import service
from .service import contracts, deductions, invoices, returns, warranties


def register(rt: Runtime) -> None:
    """Subscribe billing's consumers and its deadline watcher."""

    async def on_call_registered(session: AsyncSession, event: CallRegistered) -> None:
        await service.voucher_known(rt, session, event)

    async def on_voucher_completed(session: AsyncSession, event: VoucherCompleted) -> None:
        await invoices.voucher_completed(rt, session, event)

    async def on_pos_sale(session: AsyncSession, event: PosSaleRegistered) -> None:
        await warranties.pos_sale(rt, session, event)

    async def on_copy_issued(session: AsyncSession, event: ComplaintCopyIssued) -> None:
        await returns.copy_issued(rt, session, event)

    async def on_penalty(session: AsyncSession, event: PenaltyNoticePublished) -> None:
        await deductions.penalty_published(rt, session, event)

    consume(rt, CallRegistered, consumer="call-registered", handler=on_call_registered)
    consume(rt, VoucherCompleted, consumer="voucher-completed", handler=on_voucher_completed)
    consume(rt, PosSaleRegistered, consumer="pos-sale", handler=on_pos_sale)
    consume(rt, ComplaintCopyIssued, consumer="complaint-copy", handler=on_copy_issued)
    consume(rt, PenaltyNoticePublished, consumer="penalty-notice", handler=on_penalty)

    async def fire_expiry_notices(session: AsyncSession, now: datetime) -> None:
        await contracts.send_due_notices(rt, session, now)

    rt.watch(contracts.WATCHER, next_due=contracts.next_notice_due, fire=fire_expiry_notices)
