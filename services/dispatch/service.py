"""Dispatch use cases: the supervisor's board (SPEC §2)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.events.intake import CallRegistered
from shared.runtime import Runtime

from . import domain
from .models import Voucher


async def voucher_issued(rt: Runtime, session: AsyncSession, event: CallRegistered) -> None:
    """SPEC S8: the voucher of a newly registered call waits on the board."""
    session.add(
        Voucher(
            voucher_no=event.voucher_no, call_id=event.call_id, branch=event.branch,
            category=event.category, sla_class=event.sla_class,
            customer_name=event.customer_name, district=event.district, model=event.model,
            symptom=event.symptom, received_at=event.received_at,
            arrival_due_at=event.arrival_due_at, priority=False, status=domain.WAITING,
            technician_id=None, created_at=rt.clock.now(),
        )
    )


async def board(rt: Runtime, session: AsyncSession, *, actor: Actor, branch: str) -> list[Voucher]:
    """The branch's board in dispatch order (SPEC S8, S18)."""
    rt.branch(branch)
    require_branch(actor, branch)
    vouchers = (await session.scalars(select(Voucher).where(Voucher.branch == branch))).all()
    return sorted(vouchers, key=domain.board_order)
