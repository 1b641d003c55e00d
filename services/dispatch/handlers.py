"""Dispatch's event subscribers: parse, then call the service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.intake import CallRegistered
from shared.runtime import Runtime

from . import service


def register(rt: Runtime) -> None:
    async def on_call_registered(session: AsyncSession, event: CallRegistered) -> None:
        await service.voucher_issued(rt, session, event)

    consume(rt, CallRegistered, consumer="call-registered", handler=on_call_registered)
