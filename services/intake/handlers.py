"""Intake's event subscribers and deadline watchers: parse, then call the service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.billing import CoverGranted, CoverRefused
from shared.events.dispatch import (
    CarryInStarted,
    TechnicianArrived,
    VoucherAssigned,
    VoucherCompleted,
)
from shared.runtime import Runtime

from .service import covers, progress, reconciliation


def register(rt: Runtime) -> None:
    """Subscribe intake's consumers and start the S18 morning-reconciliation watcher."""
    ctx = rt.context

    async def on_cover_granted(session: AsyncSession, event: CoverGranted) -> None:
        await covers.cover_granted(ctx, session, event)

    async def on_cover_refused(session: AsyncSession, event: CoverRefused) -> None:
        await covers.cover_refused(ctx, session, event)

    async def on_assigned(session: AsyncSession, event: VoucherAssigned) -> None:
        await progress.voucher_assigned(ctx, session, event)

    async def on_arrived(session: AsyncSession, event: TechnicianArrived) -> None:
        await progress.technician_arrived(ctx, session, event)

    async def on_carry_in(session: AsyncSession, event: CarryInStarted) -> None:
        await progress.carry_in_started(ctx, session, event)

    async def on_completed(session: AsyncSession, event: VoucherCompleted) -> None:
        await progress.voucher_completed(ctx, session, event)

    consume(rt, CoverGranted, consumer="cover-granted", handler=on_cover_granted)
    consume(rt, CoverRefused, consumer="cover-refused", handler=on_cover_refused)
    consume(rt, VoucherAssigned, consumer="voucher-assigned", handler=on_assigned)
    consume(rt, TechnicianArrived, consumer="technician-arrived", handler=on_arrived)
    consume(rt, CarryInStarted, consumer="carry-in-started", handler=on_carry_in)
    consume(rt, VoucherCompleted, consumer="voucher-completed", handler=on_completed)

    async def next_due(session: AsyncSession) -> datetime | None:
        return await reconciliation.next_reconciliation(ctx, session)

    async def fire(session: AsyncSession, now: datetime) -> None:
        await reconciliation.fire_reconciliations(ctx, session, now)

    rt.watch(reconciliation.WATCHER, next_due=next_due, fire=fire)
