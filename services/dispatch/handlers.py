"""Dispatch's event subscribers and deadline watchers: parse, then call the service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.billing import ContractExpiring
from shared.events.intake import CallCancelled, CallPrioritised, CallRegistered
from shared.runtime import Runtime

from .domain.board import CLOSED
from .models import Voucher
from .service import board, workshop


def register(rt: Runtime) -> None:
    """Subscribe dispatch's consumers and start the S14 overdue-repair watcher."""

    async def on_call_registered(session: AsyncSession, event: CallRegistered) -> None:
        await board.voucher_issued(rt.context, session, event)

    async def on_prioritised(session: AsyncSession, event: CallPrioritised) -> None:
        await board.call_prioritised(rt.context, session, event)

    async def on_cancelled(session: AsyncSession, event: CallCancelled) -> None:
        await board.call_cancelled(rt.context, session, event)

    async def on_contract_expiring(session: AsyncSession, event: ContractExpiring) -> None:
        await board.contract_expiring(rt.context, session, event)

    consume(rt, CallRegistered, consumer="call-registered", handler=on_call_registered,
            inserts_only=True)  # a batch is one statement (issue 17)
    consume(rt, CallPrioritised, consumer="call-prioritised", handler=on_prioritised)
    consume(rt, CallCancelled, consumer="call-cancelled", handler=on_cancelled)
    consume(rt, ContractExpiring, consumer="contract-expiring", handler=on_contract_expiring)

    async def next_due(session: AsyncSession) -> datetime | None:
        return await workshop.next_overdue(session)

    async def fire(session: AsyncSession, now: datetime) -> None:
        await workshop.escalate_overdue(rt.context, session, now)

    rt.watch(workshop.WATCHER, next_due=next_due, fire=fire)

    # /metrics business gauges (shared.metrics), counted on scrape, cached 5 s.
    async def open_vouchers(session: AsyncSession) -> float:
        """Vouchers not completed or cancelled yet (SPEC S8)."""
        return float(await session.scalar(
            select(func.count()).where(Voucher.status.not_in(CLOSED))) or 0)

    async def overdue_arrivals(session: AsyncSession) -> float:
        """Open vouchers whose arrival deadline passed with no arrival (SPEC S19)."""
        return float(await session.scalar(
            select(func.count()).where(Voucher.status.not_in(CLOSED),
                                       Voucher.arrived_at.is_(None),
                                       Voucher.arrival_due_at < rt.clock.now())) or 0)

    rt.metrics.business_gauge("open_vouchers", open_vouchers)
    rt.metrics.business_gauge("overdue_arrivals", overdue_arrivals)

